import { describe, expect, it } from 'vitest';
import { layoutOf, makeModel, parseSchedule, runModel, type SimEvent } from '../../src/index.js';
import { ptlLock } from '../../src/state/layout.js';
import { builtin } from '../helpers/scenarios.js';
import { freshState, step, types } from '../helpers/world.js';
import { modelOf, noStaleWritableAt, runSchedule, withThreads } from './actorWorld.js';

// mprotect(PROT_READ): change_protection → change_pte_range (mm/mprotect.c; docs/rules/tlb.md §1.6, §5, S-6).
// s6 threads: 0 writer (CPU0), 1 reclaim of page 0, 2 mprotect, 3 final writeback.
// CPU0 caches W+D; reclaim clears the PTE and defers the flush; mprotect runs to its return.
const RACE = '0*2.1*4.2*4';
const s6 = builtin('s6-mprotect-reclaim');
const before = makeModel(s6);
const after = makeModel(
  withThreads(s6, (t) => (t.kind === 'mprotect' ? { ...t, batchedPendingFlush: true } : t)),
);
const stale = noStaleWritableAt('mprotect', () => false); // any writable entry of the range is stale

describe('mprotect(PROT_READ) (change_pte_range)', () => {
  it('S-6: before 3ea277194daa it returns while CPU0 still holds a writable entry for the reclaimed page', () => {
    const r = runSchedule(before, RACE, [stale]);
    expect(r.verdicts[0]).toMatchObject({ ok: false });
    expect(r.verdicts[0]!.message).toMatch(/CPU0 .* vpn 0/);
  });

  it('S-6 fix: flush_tlb_batched_pending under the PTL flushes the mm and catches tlb_flush_batched up', () => {
    const r = runSchedule(after, RACE, [stale]);
    expect(r.verdicts[0]).toMatchObject({ ok: true });
    expect(r.finalState.ubc![0]).toEqual({ pending: 1, flushed: 1 });
  });

  it('S-6 symptom: after mprotect(PROT_READ) returned, the stale entry lets a store complete; with the fix it gets SIGSEGV', () => {
    const after_ = (model: typeof before) => {
      const events: SimEvent[] = [];
      runModel(model, { seed: 1, schedule: parseSchedule(`${RACE}.0*2`) }, (e) => events.push(e));
      const ret = events.findIndex((e) => e.type === 'actor/return' && e.fn === 'mprotect');
      expect(ret).toBeGreaterThan(0);
      return events
        .slice(ret)
        .filter((e) => (e.type === 'mem/store' || e.type === 'fault/exit') && e.tid === 0);
    };
    expect(after_(before)).toEqual([{ type: 'mem/store', tid: 0, cpu: 0, page: 0 }]);
    expect(after_(after)).toContainEqual({ type: 'fault/exit', tid: 0, result: 'sigsegv' });
    expect(after_(after).some((e) => e.type === 'mem/store')).toBe(false);
  });

  it('§1.6/T5: pending is raised before the PTL is taken and dropped after the flush; write-protect uses start/commit (P1/P2)', () => {
    const model = modelOf({
      pages: 2,
      cpus: 1,
      variant: 'upstream',
      mms: [{ vmas: [{ start: 0, pgoff: 0, npages: 2, flags: ['shared', 'write', 'maywrite'] }] }],
      initialPte: 'writable-dirty',
      threads: [
        { kind: 'mprotect', cpu: 0 },
        { kind: 'user', cpu: 0 },
      ],
    });
    const s = freshState(model);
    const ev: SimEvent[] = [];
    while (s.threads[0]!.stack.length > 0) ev.push(...step(model, s, 0));
    const t = types(ev);
    const ptl = ptlLock(layoutOf(model.scenario), 0, 0);
    const takePtl = ev.findIndex((e) => e.type === 'lock/acquire' && e.lock === ptl);
    expect(takePtl).toBeGreaterThan(0);
    expect(t.indexOf('pending/inc')).toBeLessThan(takePtl);
    expect(t.lastIndexOf('flush/done')).toBeLessThan(t.indexOf('pending/dec'));
    expect(
      ev.filter((e) => e.type === 'pte/set').map((e) => (e.type === 'pte/set' ? e.fn : '')),
    ).toEqual([
      'ptep_modify_prot_start',
      'ptep_modify_prot_commit',
      'ptep_modify_prot_start',
      'ptep_modify_prot_commit',
    ]);
    expect(s.mms[0]!.ptes.map((p) => model.arch.pteWrite(p))).toEqual([false, false]);
    expect(s.mms[0]!.ptes.every((p) => model.arch.pteDirty(p))).toBe(true); // D survives (X86-E SavedDirty)
    expect(ev.find((e) => e.type === 'flush/start')).toMatchObject({ from: 0, to: 2 });
  });

  it('tlb_finish_mmu: a nested flush-pending user forces a flush of the whole mm (mm_tlb_flush_nested)', () => {
    const model = modelOf({
      pages: 4,
      cpus: 1,
      variant: 'upstream',
      mms: [
        {
          vmas: [
            { start: 0, pgoff: 0, npages: 2, flags: ['shared', 'write', 'maywrite'] },
            { start: 2, pgoff: 2, npages: 2, flags: ['shared', 'write', 'maywrite'] },
          ],
        },
      ],
      initialPte: 'none',
      threads: [
        { kind: 'mprotect', cpu: 0, vma: 1 },
        { kind: 'user', cpu: 0 },
      ],
    });
    const s = freshState(model);
    s.mms[0]!.pending = 1; // somebody else's deferred flush
    const ev: SimEvent[] = [];
    while (s.threads[0]!.stack.length > 0) ev.push(...step(model, s, 0));
    expect(ev.find((e) => e.type === 'flush/start')).toMatchObject({ from: 0, to: 4 });
  });
});
