import { describe, expect, it } from 'vitest';
import {
  evolve,
  initialState,
  makeModel,
  parseSchedule,
  runModel,
  type SimEvent,
} from '../../src/index.js';
import { eventBoundsOf, eventProblem } from '../../src/log/eventGuard.js';
import { builtin } from '../helpers/scenarios.js';
import { freshState, stepUntilDepth, tinyModel } from '../helpers/world.js';
import { withThreads } from './actorWorld.js';

// Decision events (src/events/decide.ts): the branch a kernel path took, named where it is taken.
const idle = [{ cpu: 0 }, { cpu: 1 }];
const CALLER = 2;

function helperEvents(
  opts: Parameters<typeof tinyModel>[0],
  prep?: (s: ReturnType<typeof freshState>) => void,
): SimEvent[] {
  const model = tinyModel({ users: idle, callers: [{ protocol: 'snap' }], ...opts });
  const s = freshState(model);
  prep?.(s);
  return stepUntilDepth(model, s, CALLER, 1);
}
const x86 = makeModel(builtin('conformance/mprotect-dirty')).arch;
const model0Write = (e: SimEvent): boolean => e.type === 'pte/set' && x86.pteWrite(e.pte);
const decisions = (ev: readonly SimEvent[]): SimEvent[] =>
  ev.filter((e) => e.type.startsWith('decide/'));
const allEvents = (model: ReturnType<typeof makeModel>, schedule?: string): SimEvent[] => {
  const ev: SimEvent[] = [];
  runModel(
    model,
    { seed: 1, ...(schedule !== undefined && { schedule: parseSchedule(schedule) }) },
    (e) => ev.push(e),
  );
  return ev;
};

describe('decision events', () => {
  it('H3-v4: seed-v4 names the flag it skips a VMA for (mprotect cleared VM_WRITE)', () => {
    const ev = helperEvents({}, (s) => {
      s.vmWrite = [[0]];
    });
    expect(decisions(ev)).toEqual([
      { type: 'decide/skip-vma', tid: CALLER, mm: 0, vma: 0, why: '!VM_WRITE', stop: 0 },
    ]);
    // A VMA it processes gets no such event.
    expect(decisions(helperEvents({})).some((e) => e.type === 'decide/skip-vma')).toBe(false);
  });

  it('H3: upstream stops the walk at a VMA without VM_SHARED|VM_MAYWRITE and says so', () => {
    const vmas = [
      { start: 0, pgoff: 0, npages: 2, flags: ['io', 'pfnmap'] },
      { start: 2, pgoff: 0, npages: 2, flags: ['shared', 'write', 'maywrite', 'io', 'pfnmap'] },
    ];
    const up = helperEvents({ variant: 'upstream', vmas });
    expect(decisions(up)).toEqual([
      {
        type: 'decide/skip-vma',
        tid: CALLER,
        mm: 0,
        vma: 0,
        why: '!VM_SHARED !VM_MAYWRITE',
        stop: 1,
      },
    ]);
    const v4 = helperEvents({ vmas });
    expect(decisions(v4).filter((e) => e.type === 'decide/skip-vma')).toEqual([
      { type: 'decide/skip-vma', tid: CALLER, mm: 0, vma: 0, why: '!VM_SHARED !VM_WRITE', stop: 0 },
    ]);
  });

  it('H9-v4: a caller that changed no PTE records "flush skipped: nothing gathered"; one that did, none', () => {
    const none = helperEvents({ initialPte: 'readonly' });
    expect(decisions(none)).toEqual([
      { type: 'decide/skip-flush', tid: CALLER, mm: 0, from: 0, to: 2, why: 'empty' },
    ]);
    expect(none.some((e) => e.type === 'flush/start')).toBe(false);
    expect(decisions(helperEvents({}))).toEqual([]);
  });

  it('H9: upstream records the nested flush only when mm_tlb_flush_nested() changed the range', () => {
    const nested = helperEvents({ variant: 'upstream', initialPte: 'readonly' }, (s) => {
      s.mms[0]!.pending = 1; // another caller's deferred flush
    });
    expect(decisions(nested)).toEqual([
      { type: 'decide/nested-flush', tid: CALLER, mm: 0, from: 0, to: 2 },
    ]);
    const alone = helperEvents({ variant: 'upstream', initialPte: 'readonly' });
    expect(decisions(alone)).toEqual([
      { type: 'decide/skip-flush', tid: CALLER, mm: 0, from: 0, to: 2, why: 'empty' },
    ]);
    // Its own window is the whole range: nested or not, the same flush.
    const same = helperEvents({ variant: 'upstream' }, (s) => {
      s.mms[0]!.pending = 1;
    });
    expect(decisions(same)).toEqual([]);
    // seed-v4 has no nested check: pending > 1 changes nothing (H9-v4).
    const v4 = helperEvents({ initialPte: 'readonly' }, (s) => {
      s.mms[0]!.pending = 1;
    });
    expect(decisions(v4)).toEqual([
      { type: 'decide/skip-flush', tid: CALLER, mm: 0, from: 0, to: 2, why: 'empty' },
    ]);
  });

  it('a variant with no range flush says so (flush-under-ptl)', () => {
    expect(decisions(helperEvents({ variant: 'flush-under-ptl' }))).toEqual([
      { type: 'decide/skip-flush', tid: CALLER, mm: 0, from: 0, to: 2, why: 'variant' },
    ]);
  });

  it('S-6: mprotect whose gather is empty (reclaim cleared the PTE) records the skipped flush', () => {
    // s6 threads: 0 writer, 1 reclaim of page 0, 2 mprotect; the race of test/kernel/mprotect.
    const ev = allEvents(makeModel(builtin('s6-mprotect-reclaim')), '0*2.1*4.2*4');
    expect(decisions(ev)).toContainEqual({
      type: 'decide/skip-flush',
      tid: 2,
      mm: 0,
      from: 0,
      to: 1,
      why: 'empty',
    });
  });

  it('S-9: clear_refs before 912efa17e512 records that it flushed nothing; the fix does not', () => {
    const s9 = builtin('s9-clear-refs-no-flush');
    const skip = (model: ReturnType<typeof makeModel>): SimEvent[] =>
      decisions(allEvents(model)).filter((e) => e.type === 'decide/skip-flush');
    expect(skip(makeModel(s9))).toHaveLength(1);
    const fixed = withThreads(s9, (t) =>
      t.kind === 'clear-refs' ? { ...t, missingFlush: false } : t,
    );
    expect(skip(makeModel(fixed))).toEqual([]);
  });

  it('U2: mprotect(PROT_READ|PROT_WRITE) that makes a dirty PTE writable records the upgrade without mkwrite', () => {
    const ev = allEvents(makeModel(builtin('conformance/mprotect-dirty')));
    const up = decisions(ev).filter((e) => e.type === 'decide/upgrade-writable');
    expect(up).toEqual([
      { type: 'decide/upgrade-writable', tid: 0, mm: 0, vpn: 0, fn: 'change_pte_range' },
    ]);
    // The PTE it names becomes writable right after, with no fault in between.
    const i = ev.indexOf(up[0] as SimEvent);
    expect(ev[i + 1]).toMatchObject({ type: 'pte/set', vpn: 0 });
    expect(model0Write(ev[i + 1] as SimEvent)).toBe(true);
    // A clean PTE stays read-only: no upgrade (mprotect-clean).
    const clean = allEvents(makeModel(builtin('conformance/mprotect-clean')));
    expect(decisions(clean).some((e) => e.type === 'decide/upgrade-writable')).toBe(false);
  });

  it('decisions change no state (evolve returns the same object) and are bounds-checked in logs', () => {
    const scenario = builtin('seed-concurrent-wrprotect');
    const s0 = initialState(scenario);
    const all: SimEvent[] = [
      { type: 'decide/skip-vma', tid: 0, mm: 0, vma: 0, why: '!VM_WRITE', stop: 0 },
      { type: 'decide/skip-flush', tid: 0, mm: 0, from: 0, to: 2, why: 'empty' },
      { type: 'decide/nested-flush', tid: 0, mm: 0, from: 0, to: 2 },
      { type: 'decide/upgrade-writable', tid: 0, mm: 0, vpn: 1, fn: 'change_pte_range' },
    ];
    for (const e of all) expect(evolve(s0, e)).toBe(s0);
    const b = eventBoundsOf(scenario);
    expect(all.map((e) => eventProblem(e, b))).toEqual([null, null, null, null]);
    expect(
      eventProblem({ type: 'decide/skip-vma', tid: 0, mm: 0, vma: 7, why: '', stop: 0 }, b),
    ).toMatch(/decide\/skip-vma\.vma is 7/);
    expect(
      eventProblem({ type: 'decide/skip-flush', tid: 0, mm: 0, from: 0, to: 99, why: 'empty' }, b),
    ).toMatch(/range 0\.\.99/);
  });
});
