import { describe, expect, it } from 'vitest';
import {
  explore,
  makeModel,
  parseScenario,
  type Model,
  type Property,
  type Scenario,
  type SimEvent,
  type SimState,
} from '../../src/index.js';
import { stepOptions } from '../../src/sim/decide.js';
import { HELPER } from '../../src/kernel/helper.js';
import { freshState, step, stepUntilDepth, tinyModel, types } from '../helpers/world.js';

// Idle users on CPUs 0 and 1 (mm_cpumask = {0,1}); the caller is tid 2 and runs on CPU 0.
const idle = [{ cpu: 0 }, { cpu: 1, ops: [{ op: 'write' as const, vpn: 0 }] }];
const CALLER = 2;
const flushEvents = (ev: readonly SimEvent[]) => ev.filter((e) => /^(flush|tlb)\//.test(e.type));

function helperRun(opts: Parameters<typeof tinyModel>[0]) {
  const model = tinyModel({ users: idle, callers: [{ protocol: 'snap' }], ...opts });
  const s = freshState(model);
  // CPU 1 caches a writable, dirty entry for vpn 0 (as if its user had written before).
  s.tlbs[1]?.push({ mm: 0, vpn: 0, pfn: 0, w: 1, d: 1, susp: 0 });
  const ev = stepUntilDepth(model, s, CALLER, 1);
  return { model, s, ev };
}

describe('TLB flush flavours (docs/rules/tlb.md §5, T1–T3)', () => {
  it('T1: x86 per-cpu shootdown: one IPI per step, flush/done only after the last CPU', () => {
    const { ev } = helperRun({});
    expect(types(flushEvents(ev))).toEqual(['flush/start', 'tlb/flush', 'tlb/flush', 'flush/done']);
  });

  it('T2: a lazy-TLB CPU is not interrupted: the flush records a deferred invalidation instead', () => {
    const { ev, s } = helperRun({ archOptions: { lazyCpus: '1' } });
    const f = flushEvents(ev);
    expect(f.map((e) => `${e.type}${'cpu' in e ? e.cpu : ''}`)).toEqual([
      'flush/start',
      'tlb/defer1',
      'tlb/flush0',
      'flush/done',
    ]);
    expect(s.cpus?.[1]).toEqual({ lazy: 1, owed: 1 });
    expect(s.tlbs[1]?.length).toBe(1); // still cached: the CPU runs no user code while lazy
  });

  it('T2: switching back to the mm drops every entry of the mm before the first user access', () => {
    const { model, s } = helperRun({ archOptions: { lazyCpus: '1' } });
    step(model, s, 1); // user program: call access
    const access = step(model, s, 1);
    expect(access[0]).toEqual({ type: 'tlb/catchup', cpu: 1, mm: 0, why: 'switch' });
    // The stale writable entry is gone: the store walks the write-protected PTE and faults.
    expect(types(access)).toContain('thread/call');
    expect(access.some((e) => e.type === 'mem/store')).toBe(false);
    expect(s.cpus?.[1]).toEqual({ lazy: 0, owed: 0 });
    expect(s.tlbs[1]?.length).toBe(0);
  });

  it('T2: switching back with no deferred flush keeps the entries (the generation did not advance)', () => {
    const model = tinyModel({ users: idle, archOptions: { lazyCpus: '1' } });
    const s = freshState(model);
    s.tlbs[1]?.push({ mm: 0, vpn: 0, pfn: 0, w: 1, d: 1, susp: 0 });
    step(model, s, 1);
    const access = step(model, s, 1);
    expect(types(access)).toEqual(['tlb/catchup', 'mem/store', 'thread/return']);
  });

  it('T3: arm64 broadcast TLBI + DSB: every CPU in one step, even with per-cpu shootdowns configured', () => {
    for (const arch of ['arm64-dbm', 'arm64-nodbm']) {
      const model = tinyModel({
        arch,
        users: idle,
        callers: [{ protocol: 'snap' }],
        flush: 'per-cpu',
      });
      const st = freshState(model);
      const all: SimEvent[][] = [];
      while ((st.threads[CALLER]?.stack.length ?? 0) > 1 || all.length === 0)
        all.push(step(model, st, CALLER));
      const flushStep = all.find((evs) => evs.some((e) => e.type === 'flush/start')) ?? [];
      expect(types(flushEvents(flushStep)), arch).toEqual([
        'flush/start',
        'tlb/flush',
        'tlb/flush',
        'flush/done',
      ]);
    }
  });

  it("T3 nosync (S-12's deferred completion): the TLBI completes only at the CPU's next barrier; until then a stale entry still stores", () => {
    const { model, s, ev } = helperRun({ arch: 'arm64-dbm', archOptions: { tlbi: 'nosync' } });
    expect(types(flushEvents(ev))).toEqual(['flush/start', 'tlb/defer', 'tlb/defer', 'flush/done']);
    expect(s.tlbs[1]?.length).toBe(1);
    step(model, s, 1); // call access
    const stale = step(model, s, 1); // the write goes through the stale writable entry
    expect(types(stale)).toEqual(['mem/store', 'thread/return']);
    expect(s.cpus?.[1]?.owed).toBe(1);
  });

  it('T3 nosync: a fault on that CPU is the barrier: the owed invalidation drops the entries', () => {
    const model = tinyModel({
      arch: 'arm64-dbm',
      users: [{ cpu: 0 }, { cpu: 1, ops: [{ op: 'write', vpn: 1 }] }],
      archOptions: { tlbi: 'nosync' },
      initialPte: 'readonly',
    });
    const s = freshState(model);
    s.tlbs[1]?.push({ mm: 0, vpn: 0, pfn: 0, w: 1, d: 1, susp: 0 });
    s.cpus![1]!.owed = 1;
    step(model, s, 1);
    const access = step(model, s, 1); // vpn 1 is read-only: permission fault
    expect(access.find((e) => e.type === 'tlb/catchup')).toEqual({
      type: 'tlb/catchup',
      cpu: 1,
      mm: 0,
      why: 'barrier',
    });
    expect(s.tlbs[1]?.length).toBe(0);
  });
});

describe('T8: per-CPU shootdowns complete in any order (a recorded choice)', () => {
  const stepToChoice = (model: Model, s: ReturnType<typeof freshState>): number => {
    while ((s.threads[CALLER]?.stack.length ?? 0) > 0) {
      const n = stepOptions(model, s as unknown as SimState, CALLER);
      if (n !== 1) return n;
      step(model, s, CALLER);
    }
    return 1;
  };

  it('x86: the first IPI step has one alternative per targeted CPU; choice 1 shoots CPU 1 down first', () => {
    const model = tinyModel({ users: idle, callers: [{ protocol: 'snap' }] });
    const s = freshState(model);
    expect(stepToChoice(model, s)).toBe(2);
    const first = flushEvents(step(model, s, CALLER, 1));
    expect(first.map((e) => `${e.type}${'cpu' in e ? e.cpu : ''}`)).toEqual([
      'flush/start',
      'tlb/flush1',
    ]);
    expect(stepOptions(model, s as unknown as SimState, CALLER)).toBe(1);
    const second = flushEvents(step(model, s, CALLER));
    expect(second.map((e) => `${e.type}${'cpu' in e ? e.cpu : ''}`)).toEqual([
      'tlb/flush0',
      'flush/done',
    ]);
  });

  it('one alternative when the order is fixed or there is no per-CPU order: shootdownOrder ascending, flush atomic, arm64 broadcast', () => {
    const pinned = (over: Partial<Scenario['options']>, arch = 'x86-64'): Model => {
      const m = tinyModel({ arch, users: idle, callers: [{ protocol: 'snap' }] });
      return makeModel({ ...m.scenario, options: { ...m.scenario.options, ...over } });
    };
    for (const model of [
      pinned({ shootdownOrder: 'ascending' }),
      pinned({ flush: 'atomic' }),
      pinned({}, 'arm64-dbm'),
    ]) {
      const s = freshState(model);
      expect(stepToChoice(model, s)).toBe(1);
      expect(s.threads[CALLER]?.stack.length).toBe(0);
    }
  });

  it('exhaustive: a state where the shootdown completed CPU 1 and still owes CPU 0 is reachable only with any order', () => {
    // A test-only property: it fails in a state where a shootdown already completed CPU 1's IPI
    // and still owes CPU 0 its IPI (the helper waits at `shootdown` with only CPU 0 left).
    const cpu1First: Property = {
      id: 'test-cpu1-first',
      description: 'a shootdown completed CPU 1 before CPU 0',
      explanation: 'test only (T8)',
      severity: 'failure',
      statePure: true,
      start: () => ({
        onEvent(_e, index, state) {
          for (const th of state.threads) {
            const top = th.stack.at(-1);
            if (
              top?.fn === 'helper' &&
              top.pc === HELPER.pc.shootdown &&
              HELPER.get(top, 'cpus') === 1
            )
              return { index, message: 'CPU 0 still owed after CPU 1' };
          }
          return null;
        },
      }),
    };
    const base = tinyModel({
      users: [
        { cpu: 0, ops: [{ op: 'write', vpn: 0 }] },
        { cpu: 1, ops: [{ op: 'write', vpn: 0 }] },
      ],
      callers: [{ protocol: 'snap' }],
    });
    const any = explore(base, { properties: [cpu1First] });
    expect(any.verdict).toBe('violated');
    const asc = makeModel({
      ...base.scenario,
      options: { ...base.scenario.options, shootdownOrder: 'ascending' },
    });
    const r = explore(asc, { properties: [cpu1First] });
    expect(r.verdict).toBe('holds');
    expect(r.exhaustive).toBe(true);
  });

  it('T8 bad input: an unknown shootdownOrder names the field', () => {
    expect(() =>
      parseScenario({
        ...tinyModel({}).scenario,
        options: { flush: 'per-cpu', shootdownOrder: 'random' },
      }),
    ).toThrow(/options\.shootdownOrder/);
  });
});
