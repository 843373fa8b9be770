import { describe, expect, it } from 'vitest';
import { getProperty, makeModel, PTE_NONE, type SimEvent } from '../../src/index.js';
import { builtin } from '../helpers/scenarios.js';
import { freshState, step, types } from '../helpers/world.js';
import { modelOf, runSchedule } from './actorWorld.js';

// Reclaim with a batched flush: try_to_unmap_one (TTU_BATCH_FLUSH) + try_to_unmap_flush (mm/rmap.c).
// s15 threads: 0 writer (CPU0), 1 reclaim of page 0, 2 vmwgfx-mkwrite scan, 3 drain.
// CPU0 caches W+D; reclaim clears the PTE and defers its flush; the scan's wrprotect finds the PTE
// none, changes and flushes nothing, transfers and clears the bit; CPU0 writes through its entry.
const RACE = '0*2.1*4.2*8.0*2';
const s15 = builtin('s15-helper-reclaim');
const lost = [getProperty('lost-write')];

describe('reclaim try_to_unmap_one with a deferred flush', () => {
  it('clears the PTE, marks the mm tlb_flush_batched and moves D to PG_dirty; the flush comes only at try_to_unmap_flush', () => {
    const model = modelOf({
      pages: 1,
      cpus: 2,
      variant: 'upstream',
      mms: [{ vmas: [{ start: 0, pgoff: 0, npages: 1, flags: ['shared', 'write', 'maywrite'] }] }],
      initialPte: 'writable-dirty',
      threads: [
        { kind: 'user', cpu: 0, ops: [{ op: 'write', vpn: 0 }] },
        { kind: 'reclaim', cpu: 1, page: 0 },
      ],
    });
    const s = freshState(model);
    s.pageDirty![0] = 0;
    step(model, s, 0);
    step(model, s, 0); // CPU0 caches W+D
    const unmap: SimEvent[] = [];
    for (let i = 0; i < 4; i++) unmap.push(...step(model, s, 1));
    expect(types(unmap)).not.toContain('flush/start');
    expect(unmap).toContainEqual({
      type: 'pte/set',
      tid: 1,
      mm: 0,
      vpn: 0,
      pte: PTE_NONE,
      src: 'sw',
      fn: 'ptep_get_and_clear',
    });
    expect(s.ubc![0]).toEqual({ pending: 1, flushed: 0 });
    expect(s.pageDirty![0]).toBe(1);
    expect(s.tlbs[0]!.length).toBe(1); // the stale entry lives on until the batch flush
    const flush = step(model, s, 1);
    expect(types(flush)).toContain('tlb/flush');
    expect(s.tlbs[0]).toEqual([]);
    expect(s.ubc![0]).toEqual({ pending: 1, flushed: 0 }); // only flush_tlb_batched_pending catches up
  });

  for (const variant of ['seed-v4', 'upstream']) {
    it(`H13/S-15 (${variant}): the helper never calls flush_tlb_batched_pending, and the stale write is lost`, () => {
      const model = makeModel(s15, { variant });
      const r = runSchedule(model, RACE, lost);
      expect(r.end).toBe('done');
      expect(r.verdicts[0]).toMatchObject({ id: 'lost-write', ok: false });
      expect(r.finalState.ubc![0]).toEqual({ pending: 1, flushed: 0 });
    });
  }

  it('control: the same writes without the reclaimer in between hold', () => {
    // Reclaim runs to completion (its batch flush included) before the scan: nothing is stale.
    const r = runSchedule(makeModel(s15), '0*2.1*5.2*8.0*2', lost);
    expect(r.verdicts[0]).toMatchObject({ ok: true });
  });
});
