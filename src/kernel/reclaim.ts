import { at } from '../errors.js';
import type { ReclaimThreadSpec } from '../scenario/types.js';
import { PTE_NONE, pteIsPresent } from '../state/pte.js';
import { pageLock, ptlLock } from '../state/layout.js';
import { mmuNotifierInvalidateRangeStart } from './notifier.js';
import { canAcquire, Emit, local, type StepCtx, type StepMachine } from './step.js';
import { flushTlbMm } from './actorFlush.js';
import { mappingVmas } from './vmas.js';
import { rmapVpn } from './writeback.js';

/**
 * Reclaim of one page with a deferred TLB flush: mm/vmscan.c shrink_folio_list → try_to_unmap
 * (TTU_BATCH_FLUSH) → try_to_unmap_one (mm/rmap.c), and try_to_unmap_flush() at the end of the
 * batch (SEMANTICS §5 "Reclaim batching", S-6, S-15, H13):
 *
 *   pc0 folio_trylock (modelled as a blocking lock), i_mmap_lock_read (rmap_walk_file).
 *   pc1 next page-backed VMA mapping the page → mmu_notifier_invalidate_range_start
 *       (MMU_NOTIFY_CLEAR, that page) → pc2; none left → unlock both → pc3.
 *   pc2 [PTL] should_defer_flush: ptep_get_and_clear (no flush), set_tlb_ubc_flush_pending
 *       (mm->tlb_flush_batched pending += 1; this mm's CPUs join the batch); pte_dirty →
 *       folio_mark_dirty. Unlock, invalidate_range_end.
 *   pc3 try_to_unmap_flush(): flush the batched mms (arch_tlbbatch_flush, a full flush). It does
 *       not touch tlb_flush_batched: only flush_tlb_batched_pending() catches `flushed` up.
 * Between pc2 and pc3 CPUs of the mm may still hold writable TLB entries for a none PTE; code
 * that later changes those PTEs must call flush_tlb_batched_pending() under the PTL first.
 * The page is not freed (no pageout): what matters here is the deferred flush.
 * Locals: 0 next VMA index, 1 bitmask of mms in the batch.
 */
export function reclaimSpec(ctx: StepCtx): ReclaimThreadSpec {
  const spec = at(ctx.layout.scenario.threads, ctx.tid);
  if (spec.kind !== 'reclaim') throw new Error(`thread ${ctx.tid} is not a reclaim thread`);
  return spec;
}

export const reclaimProgram: StepMachine = {
  options(ctx, frame) {
    const spec = reclaimSpec(ctx);
    if (frame.pc === 0) return canAcquire(ctx.state, pageLock(ctx.layout, spec.page), 'w') ? 1 : 0;
    if (frame.pc === 2) {
      const where = rmapVpn(ctx, local(frame, 0), spec.page);
      return where && canAcquire(ctx.state, ptlLock(ctx.layout, where.mm, where.vpn), 'w') ? 1 : 0;
    }
    return 1;
  },
  step(ctx, frame) {
    const spec = reclaimSpec(ctx);
    const page = spec.page;
    const e = new Emit(ctx.tid);
    switch (frame.pc) {
      case 0:
        e.push({ type: 'actor/call', tid: ctx.tid, fn: 'try_to_unmap', first: page, nr: 1 });
        e.acquire(pageLock(ctx.layout, page));
        e.acquire(ctx.layout.immapLock, 'r');
        return e.set(0, 0).set(1, 0).goto(1).ev;
      case 1: {
        const n = mappingVmas(ctx.layout.scenario).length;
        for (let i = local(frame, 0); i < n; i++) {
          const where = rmapVpn(ctx, i, page);
          if (!where) continue;
          e.push(...mmuNotifierInvalidateRangeStart(ctx, where.mm, where.vpn, where.vpn + 1));
          return e.set(0, i).goto(2).ev;
        }
        e.release(ctx.layout.immapLock, 'r');
        e.release(pageLock(ctx.layout, page));
        return e.goto(3).ev;
      }
      case 2: {
        const i = local(frame, 0);
        const { mm, vpn } = rmapVpn(ctx, i, page) ?? { mm: 0, vpn: 0 };
        const ptl = ptlLock(ctx.layout, mm, vpn);
        e.acquire(ptl);
        const pte = ctx.state.mms[mm]?.ptes[vpn] ?? PTE_NONE;
        let mask = local(frame, 1);
        if (pteIsPresent(pte)) {
          e.push({
            type: 'pte/set',
            tid: ctx.tid,
            mm,
            vpn,
            pte: PTE_NONE,
            src: 'sw',
            fn: 'ptep_get_and_clear',
          });
          e.push({ type: 'ubc/pending', tid: ctx.tid, mm }); // set_tlb_ubc_flush_pending
          mask |= 1 << mm;
          if (ctx.arch.pteDirty(pte) && ctx.state.pageDirty?.[page] === 0)
            e.push({ type: 'page/dirty', tid: ctx.tid, page, value: 1 });
        }
        e.release(ptl);
        e.push({ type: 'notifier/end', tid: ctx.tid, mm, from: vpn, to: vpn + 1 });
        return e
          .set(1, mask)
          .set(0, i + 1)
          .goto(1).ev;
      }
      case 3: {
        // try_to_unmap_flush(): the deferred flush of every mm in the batch.
        const mask = local(frame, 1);
        for (let mm = 0; mm < ctx.layout.mmSize.length; mm++)
          if (mask & (1 << mm)) flushTlbMm(ctx, e, mm);
        e.push({ type: 'actor/return', tid: ctx.tid, fn: 'try_to_unmap', total: 0 });
        return e.ret().ev;
      }
      default:
        throw new Error(`reclaim: bad pc ${frame.pc}`);
    }
  },
};
