import { describe, expect, it } from 'vitest';
import { getProperty, layoutOf, makeModel, type SimEvent } from '../../src/index.js';
import { pageLock } from '../../src/state/layout.js';
import { builtin } from '../helpers/scenarios.js';
import { freshState, options, step, types } from '../helpers/world.js';
import { modelOf, runSchedule } from './actorWorld.js';

// Writeback: write_cache_pages → folio_clear_dirty_for_io → page_mkclean_one (docs/rules/bugs.md §8 S-14, S-3).
// Threads of s14: 0 writer (CPU0), 1 clean_record caller, 2 clear_refs, 3 writeback, 4 final writeback.
// The interleaving of Yu Zhao's "Example 1": CPU0 caches W+D; clean_record cleans the PTE and
// defers its flush; clear_refs write-protects it; writeback sees !dirty && !write and skips the
// flush, clears PG_dirty and writes the page; CPU0 writes through its stale TLB entry.
const EXAMPLE_1 = '0*2.1*5.2*3.3*5.0*2';
const lostWrite = [getProperty('lost-write')];

function oneWriteback(initialPte: string, checksFlushPending = false) {
  return modelOf({
    pages: 1,
    cpus: 2,
    variant: 'upstream',
    mms: [{ vmas: [{ start: 0, pgoff: 0, npages: 1, flags: ['shared', 'write', 'maywrite'] }] }],
    initialPte,
    threads: [
      { kind: 'user', cpu: 0, ops: [{ op: 'write', vpn: 0 }] },
      { kind: 'writeback', cpu: 1, checksFlushPending },
    ],
  });
}

describe('writeback page_mkclean_one (mm/rmap.c)', () => {
  it('cleans and write-protects a dirty PTE: ptep_clear_flush (clear, then a completed flush) before set_pte_at', () => {
    const model = oneWriteback('writable-dirty');
    const s = freshState(model);
    step(model, s, 0);
    step(model, s, 0); // CPU0 caches the entry
    const ev: SimEvent[] = [];
    while (s.threads[1]!.stack.length > 0) ev.push(...step(model, s, 1));
    const t = types(ev).filter((x) =>
      [
        'pte/set',
        'flush/start',
        'tlb/flush',
        'flush/done',
        'page/dirty',
        'dev/copy',
        'notifier/start',
        'notifier/end',
      ].includes(x),
    );
    expect(t).toEqual([
      'notifier/start',
      'pte/set',
      'flush/start',
      'tlb/flush',
      'flush/done',
      'pte/set',
      'notifier/end',
      'page/dirty',
      'dev/copy',
    ]);
    const pte = s.mms[0]!.ptes[0]!;
    expect(model.arch.pteWrite(pte) || model.arch.pteDirty(pte)).toBe(false);
    expect(s.tlbs[0]).toEqual([]);
    expect(s.pageDirty![0]).toBe(0);
    expect(s.pages[0]!.device).toBe(s.pages[0]!.version);
  });

  it('skips pages whose PG_dirty is clear, under the page lock', () => {
    const model = oneWriteback('readonly');
    const s = freshState(model);
    s.locks[pageLock(layoutOf(model.scenario), 0)]!.owner = 0;
    expect(options(model, s, 1)).toBe(0); // folio_lock waits
    s.locks[pageLock(layoutOf(model.scenario), 0)]!.owner = -1;
    const ev: SimEvent[] = [];
    while (s.threads[1]!.stack.length > 0) ev.push(...step(model, s, 1));
    expect(types(ev)).not.toContain('dev/copy');
    expect(types(ev)).not.toContain('pte/set');
  });

  it('S-14: a !dirty && !write PTE is skipped although a flush is pending (mm_tlb_flush_pending is never read)', () => {
    const model = oneWriteback('writable-clean');
    const s = freshState(model);
    step(model, s, 0);
    step(model, s, 0); // TLB: writable + dirty
    s.mms[0]!.ptes[0] = model.arch.pteWrprotect(model.arch.pteMkclean(s.mms[0]!.ptes[0]!), {});
    s.mms[0]!.pending = 1; // someone's flush is still deferred
    const ev: SimEvent[] = [];
    while (s.threads[1]!.stack.length > 0) ev.push(...step(model, s, 1));
    expect(types(ev)).not.toContain('flush/start');
    expect(s.tlbs[0]!.length).toBe(1); // the stale writable entry survives
  });

  it("S-14: Yu Zhao's Example 1 loses the write (lost-write: the disk copy misses it)", () => {
    const r = runSchedule(makeModel(builtin('s14-writeback-skips-flush')), EXAMPLE_1, lostWrite);
    expect(r.end).toBe('done');
    expect(r.verdicts[0]).toMatchObject({ id: 'lost-write', ok: false });
  });

  it('S-3: with the check KSM got (flush when mm_tlb_flush_pending) the same interleaving holds', () => {
    const r = runSchedule(makeModel(builtin('s3-flush-pending-check')), EXAMPLE_1, lostWrite);
    expect(r.end).toBe('done');
    expect(r.verdicts[0]).toMatchObject({ id: 'lost-write', ok: true });
  });
});
