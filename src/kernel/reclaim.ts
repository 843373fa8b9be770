import type { ReclaimThreadSpec } from '../scenario/types.js';
import { pteIsPresent } from '../state/pte.js';
import { pageLock } from '../state/layout.js';
import { mmuNotifierInvalidateRangeStart } from './notifier.js';
import { canAcquire, threadSpec, type StepCtx, type StepMachine } from './step.js';
import { flushTlbMm } from './actorFlush.js';
import { defineMachine } from './machine.js';
import { ptlFree, underPtl } from './pteWalk.js';
import { ptepGetAndClear } from './ptepModifyProt.js';
import { nextRmapVma, rmapVpn } from './writeback.js';

/**
 * Reclaim of one page with a deferred TLB flush: mm/vmscan.c shrink_folio_list → try_to_unmap
 * (TTU_BATCH_FLUSH) → try_to_unmap_one (mm/rmap.c), and try_to_unmap_flush() at the end of the
 * batch (docs/rules/tlb.md §5 "Reclaim batching", S-6, S-15, H13):
 *
 *   enter  folio_trylock (modelled as a blocking lock), i_mmap_lock_read (rmap_walk_file).
 *   vma    next page-backed VMA mapping the page → mmu_notifier_invalidate_range_start
 *          (MMU_NOTIFY_CLEAR, that page) → pte; none left → unlock both → flush.
 *   pte    [PTL] should_defer_flush: ptep_get_and_clear (no flush), set_tlb_ubc_flush_pending
 *       (mm->tlb_flush_batched pending += 1; this mm's CPUs join the batch); pte_dirty →
 *       folio_mark_dirty. Unlock, invalidate_range_end.
 *   flush  try_to_unmap_flush(): flush the batched mms (arch_tlbbatch_flush, a full flush). It does
 *       not touch tlb_flush_batched: only flush_tlb_batched_pending() catches `flushed` up.
 * Between pte and flush CPUs of the mm may still hold writable TLB entries for a none PTE; code
 * that later changes those PTEs must call flush_tlb_batched_pending() under the PTL first.
 * The page is not freed (no pageout): what matters here is the deferred flush.
 */
export const RECLAIM = defineMachine('reclaim', {
  locals: [
    /** The next VMA index in the i_mmap order. */
    'vma',
    /** Bitmask of the mms in the batch. */
    'batch',
  ],
  labels: ['enter', 'vma', 'pte', 'flush'],
});
const P = RECLAIM.pc;
const get = RECLAIM.get;

export function reclaimSpec(ctx: StepCtx): ReclaimThreadSpec {
  return threadSpec(ctx, 'reclaim');
}

export const reclaimProgram: StepMachine = {
  layout: RECLAIM,
  options(ctx, frame) {
    const spec = reclaimSpec(ctx);
    if (frame.pc === P.enter)
      return canAcquire(ctx.state, pageLock(ctx.layout, spec.page), 'w') ? 1 : 0;
    if (frame.pc === P.pte) {
      const where = rmapVpn(ctx, get(frame, 'vma'), spec.page);
      return where ? ptlFree(ctx, where.mm, where.vpn) : 0;
    }
    return 1;
  },
  step(ctx, frame) {
    const spec = reclaimSpec(ctx);
    const page = spec.page;
    const e = RECLAIM.emit(ctx.tid);
    switch (frame.pc) {
      case P.enter:
        e.push({ type: 'actor/call', tid: ctx.tid, fn: 'try_to_unmap', first: page, nr: 1 });
        e.acquire(pageLock(ctx.layout, page));
        e.acquire(ctx.layout.immapLock, 'r');
        return e.set('vma', 0).set('batch', 0).goto('vma').ev;
      case P.vma: {
        const next = nextRmapVma(ctx, get(frame, 'vma'), page);
        if (next) {
          e.pushAll(mmuNotifierInvalidateRangeStart(ctx, next.mm, next.vpn, next.vpn + 1));
          return e.set('vma', next.i).goto('pte').ev;
        }
        e.release(ctx.layout.immapLock, 'r');
        e.release(pageLock(ctx.layout, page));
        return e.goto('flush').ev;
      }
      case P.pte: {
        const i = get(frame, 'vma');
        const { mm, vpn } = rmapVpn(ctx, i, page) ?? { mm: 0, vpn: 0 };
        let mask = get(frame, 'batch');
        underPtl(ctx, e, mm, vpn, (pte) => {
          if (!pteIsPresent(pte)) return;
          e.push(ptepGetAndClear(ctx.tid, mm, vpn, 'ptep_get_and_clear'));
          e.push({ type: 'ubc/pending', tid: ctx.tid, mm }); // set_tlb_ubc_flush_pending
          mask |= 1 << mm;
          if (ctx.arch.pteDirty(pte) && ctx.state.pageDirty?.[page] === 0)
            e.push({ type: 'page/dirty', tid: ctx.tid, page, value: 1 });
        });
        e.push({ type: 'notifier/end', tid: ctx.tid, mm, from: vpn, to: vpn + 1 });
        return e
          .set('batch', mask)
          .set('vma', i + 1)
          .goto('vma').ev;
      }
      case P.flush: {
        // try_to_unmap_flush(): the deferred flush of every mm in the batch.
        const mask = get(frame, 'batch');
        for (let mm = 0; mm < ctx.layout.mmSize.length; mm++)
          if (mask & (1 << mm)) flushTlbMm(ctx, e, mm);
        e.push({ type: 'actor/return', tid: ctx.tid, fn: 'try_to_unmap', total: 0 });
        return e.ret().ev;
      }
      default:
        return RECLAIM.badPc(frame);
    }
  },
};
