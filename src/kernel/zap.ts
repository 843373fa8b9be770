import { at } from '../errors.js';
import type { VmaSpec } from '../scenario/types.js';
import { PTE_SPECIAL, pteIsPresent } from '../state/pte.js';
import { mmapLock, ptlLock } from '../state/layout.js';
import type { FrameView } from '../state/types.js';
import { mmuNotifierInvalidateRangeStart } from './notifier.js';
import { canAcquire, type StepCtx, type StepMachine } from './step.js';
import { defineMachine } from './machine.js';
import { ptePeek, PteWalk } from './pteWalk.js';
import { ptepGetAndClear } from './ptepModifyProt.js';
import { flushTlbBatchedPending, flushTlbMm, flushTlbSync } from './actorFlush.js';
import { eraBefore } from './kernelEra.js';
import { wpSeenMarksEntry, wpSeenMarksSpte } from '../state/ghost.js';

/**
 * Zap of a range of one VMA's PTEs, step by step (Z1, Z2): what munmap (unmap_region),
 * madvise(MADV_DONTNEED) (zap_page_range_single) and unmap_mapping_range (one
 * zap_page_range_single per VMA of the i_mmap tree, Z3) run, mm/memory.c and mm/mmu_gather.c:
 *
 *   enter        munmap: mmap_write_lock, the VMA loses VM_WRITE (the model keeps the VMA);
 *                MADV_DONTNEED: mmap_read_lock; under unmap_mapping_range the caller holds
 *                i_mmap instead. tlb_gather_mmu → inc_tlb_flush_pending (T5);
 *                mmu_notifier_invalidate_range_start(MMU_NOTIFY_CLEAR / UNMAP) (R1).
 *   pte          zap_pte_range, one PTE per step under the table's PTL (flush_tlb_batched_pending
 *                on taking it, S-6): ptep_get_and_clear_full (one atomic exchange: the MMU cannot
 *                set D in between), tlb_remove_tlb_entry gathers the page. Z1: a dirty PTE of a
 *                struct page marks it dirty (folio_mark_dirty / set_page_dirty) and forces a TLB
 *                flush before the PTL is dropped (tlb_flush_mmu_tlbonly); a special PTE
 *                (vm_normal_page() NULL: VM_PFNMAP, or a VM_MIXEDMAP pfn without a page) is
 *                cleared and its dirty bit is dropped.
 *   notifierEnd  mmu_notifier_invalidate_range_end — before the flush, as in the kernel.
 *   finish       tlb_finish_mmu: mm_tlb_flush_nested → flush the whole mm (99baac21e458, S-1),
 *                else the gathered range; dec_tlb_flush_pending; drop mmap_lock.
 *
 * Before 99baac21e458 (kernel option `pre-4.13`, S-1): tlb_gather_mmu raised no
 * tlb_flush_pending (only change_protection set it then, and only with NUMA balancing or
 * compaction), so there was nothing to be nested in: tlb_finish_mmu → tlb_flush_mmu flushed
 * what was gathered, and a zap that found every PTE already none flushed nothing. zap_pte_range
 * did not call flush_tlb_batched_pending yet either (3ea277194daa, same release, S-6).
 *
 * A user syscall's zap marks the writable TLB entries of each PTE it leaves none (cleared here
 * or found none) with its ghost bit (`ghost/wp-seen`): when it returns none of them may be left
 * (`wrprotect-post`, S-1).
 *
 * After the zap the PTEs are none: the next access faults the page in again (Z4, F1 doFault).
 */
/**
 * Locals: `how` (0 MADV_DONTNEED, 1 munmap, 2 a zap_page_range_single of unmap_mapping_range),
 * `mm` and `vma` (its index in the mm), the zapped vpns [`from`, `to`), the cursor `vpn`, the
 * PTL held (`ptl`, -1 = none), the range gathered for the flush [`gatherFrom`, `gatherTo`),
 * `force` (a dirty page-backed PTE was zapped under the held PTL: force_flush) and `total`
 * (PTEs cleared).
 */
export const ZAP = defineMachine('zap', {
  locals: [
    'how',
    'mm',
    'vma',
    'from',
    'to',
    'vpn',
    'ptl',
    'gatherFrom',
    'gatherTo',
    'force',
    'total',
  ],
  labels: ['enter', 'pte', 'notifierEnd', 'finish'],
});
const get = ZAP.get;
const walk = new PteWalk(ZAP, 'ptl');

export const ZAP_HOW = { dontneed: 0, munmap: 1, mapping: 2 } as const;

/** The functions a user syscall's zap is reported as (actor/call, actor/return). */
export const ZAP_FNS: readonly string[] = ['madvise_dontneed', 'munmap'];

/** The kernel function a zap of kind `how` is reported as (actor/call, actor/return). */
function zapFn(how: number): string {
  return how === ZAP_HOW.munmap ? 'munmap' : 'madvise_dontneed';
}

function vmaOfFrame(ctx: StepCtx, frame: FrameView): VmaSpec {
  return at(at(ctx.layout.scenario.mms, get(frame, 'mm')).vmas, get(frame, 'vma'));
}

/** mmap_lock of the zap's mm and the mode it takes it in (-1: not taken or not modelled). */
function mmapOf(ctx: StepCtx, frame: FrameView): { lock: number; mode: 'r' | 'w' } {
  const how = get(frame, 'how');
  if (how === ZAP_HOW.mapping) return { lock: -1, mode: 'r' };
  return {
    lock: mmapLock(ctx.layout, get(frame, 'mm')),
    mode: how === ZAP_HOW.munmap ? 'w' : 'r',
  };
}

/**
 * Some CPU still caches a writable entry for `vpn`, or a secondary MMU a writable SPTE, that this
 * caller has not marked yet (what `ghost/wp-seen` would mark).
 */
function staleWritable(ctx: StepCtx, mm: number, vpn: number): boolean {
  const bit = 1 << ctx.tid;
  return (
    ctx.state.tlbs.some((tlb) => tlb.some((t) => wpSeenMarksEntry(t, mm, vpn, bit))) ||
    ctx.state.smmus.some((sub) => wpSeenMarksSpte(sub, mm, vpn, bit))
  );
}

export const zapProgram: StepMachine = {
  layout: ZAP,
  options(ctx, frame) {
    switch (frame.pc) {
      case ZAP.pc.enter: {
        const { lock, mode } = mmapOf(ctx, frame);
        return lock < 0 || canAcquire(ctx.state, lock, mode) ? 1 : 0;
      }
      case ZAP.pc.pte:
        return walk.ready(ctx, frame, get(frame, 'mm'), get(frame, 'vpn'));
      default:
        return 1;
    }
  },
  step(ctx, frame) {
    const e = ZAP.emit(ctx.tid);
    const mm = get(frame, 'mm');
    const how = get(frame, 'how');
    const from = get(frame, 'from');
    const to = get(frame, 'to');
    switch (frame.pc) {
      case ZAP.pc.enter: {
        const vma = vmaOfFrame(ctx, frame);
        if (how !== ZAP_HOW.mapping)
          e.push({
            type: 'actor/call',
            tid: ctx.tid,
            fn: zapFn(how),
            first: vma.pgoff + from - vma.start,
            nr: to - from,
          });
        const { lock, mode } = mmapOf(ctx, frame);
        if (lock >= 0) e.acquire(lock, mode);
        // munmap removes the VMA; the model keeps it without VM_WRITE (U3).
        if (how === ZAP_HOW.munmap && (ctx.state.vmWrite?.[mm]?.[get(frame, 'vma')] ?? 1) !== 0)
          e.push({ type: 'vma/write', tid: ctx.tid, mm, vma: get(frame, 'vma'), value: 0 });
        // tlb_gather_mmu (Z2): inc_tlb_flush_pending since 99baac21e458 (S-1).
        if (!eraBefore(ctx, 'pre-4.13')) e.push({ type: 'pending/inc', tid: ctx.tid, mm });
        e.pushAll(mmuNotifierInvalidateRangeStart(ctx, mm, from, to));
        return e.set('vpn', from).set('gatherFrom', to).set('gatherTo', from).goto('pte').ev;
      }
      case ZAP.pc.pte: {
        const vpn = get(frame, 'vpn');
        const { ptl, taken } = walk.lock(ctx, frame, e, mm, vpn);
        // zap_pte_range, under the PTL (S-6; since 3ea277194daa, v4.13).
        if (taken && !eraBefore(ctx, 'pre-4.13')) flushTlbBatchedPending(ctx, e, mm);
        const pte = ptePeek(ctx, mm, vpn);
        // S-1: a user syscall's zap leaves this PTE none; the writable entries still cached for
        // it are stale for this caller until flushed (the ghost of wrprotect-post; after the
        // clear below, or now if it is none already).
        const mark = how !== ZAP_HOW.mapping && staleWritable(ctx, mm, vpn);
        const was = {
          gatherFrom: get(frame, 'gatherFrom'),
          gatherTo: get(frame, 'gatherTo'),
          force: get(frame, 'force'),
          total: get(frame, 'total'),
        };
        const now = { ...was };
        if (pteIsPresent(pte)) {
          // Z1: ptep_get_and_clear_full — one exchange, the old value carries the final D.
          e.push(ptepGetAndClear(ctx.tid, mm, vpn, 'ptep_get_and_clear_full'));
          if (mark) e.push({ type: 'ghost/wp-seen', tid: ctx.tid, mm, vpn });
          // A special PTE's D bit is dropped: there is no struct page to carry it (Z1, Z5).
          if (ctx.arch.pteDirty(pte) && (pte & PTE_SPECIAL) === 0) {
            // zap_present_folio_ptes: folio_mark_dirty; force_flush before the PTL is dropped.
            const vma = vmaOfFrame(ctx, frame);
            const page = vma.pgoff + vpn - vma.start;
            if (ctx.state.pageDirty?.[page] === 0)
              e.push({ type: 'page/dirty', tid: ctx.tid, page, value: 1 });
            now.force = 1;
          }
          now.gatherFrom = Math.min(now.gatherFrom, vpn); // tlb_remove_tlb_entry
          now.gatherTo = Math.max(now.gatherTo, vpn + 1);
          now.total++;
        } else if (mark) e.push({ type: 'ghost/wp-seen', tid: ctx.tid, mm, vpn });
        const next = vpn + 1;
        if (now.force === 1 && (next >= to || ptlLock(ctx.layout, mm, next) !== ptl)) {
          // "Do the actual TLB flush before dropping ptl" (zap_pte_range): tlb_flush_mmu_tlbonly
          // flushes the gathered range and resets it.
          if (now.gatherFrom < now.gatherTo) flushTlbSync(ctx, e, mm, now.gatherFrom, now.gatherTo);
          now.gatherFrom = to;
          now.gatherTo = from;
          now.force = 0;
        }
        for (const k of ['gatherFrom', 'gatherTo', 'force', 'total'] as const)
          if (now[k] !== was[k]) e.set(k, now[k]);
        walk.unlockUnlessNext(ctx, e, mm, ptl, next < to ? next : undefined);
        return e.set('vpn', next).goto(next >= to ? 'notifierEnd' : 'pte').ev;
      }
      case ZAP.pc.notifierEnd:
        e.push({ type: 'notifier/end', tid: ctx.tid, mm, from, to });
        return e.goto('finish').ev;
      case ZAP.pc.finish: {
        // tlb_finish_mmu (Z2): a parallel gatherer (nested) forces a flush of everything
        // (99baac21e458, S-1); before it (`pre-4.13`) only what was gathered is flushed.
        const gFrom = get(frame, 'gatherFrom');
        const gTo = get(frame, 'gatherTo');
        const pre413 = eraBefore(ctx, 'pre-4.13');
        const nested = !pre413 && (ctx.state.mms[mm]?.pending ?? 0) > 1;
        const all = ctx.layout.mmSize[mm] ?? 0;
        // Decisions (src/events/decide.ts): the nested branch widened the flush; or this zap
        // cleared no PTE, so nothing is flushed (S-1 before the fix: the PTEs were already none).
        if (nested && (gFrom !== 0 || gTo !== all))
          e.push({ type: 'decide/nested-flush', tid: ctx.tid, mm, from: 0, to: all });
        if (!nested && get(frame, 'total') === 0)
          e.push({ type: 'decide/skip-flush', tid: ctx.tid, mm, from, to, why: 'empty' });
        if (nested) flushTlbMm(ctx, e, mm);
        else if (gFrom < gTo) flushTlbSync(ctx, e, mm, gFrom, gTo);
        if (!pre413) e.push({ type: 'pending/dec', tid: ctx.tid, mm });
        const { lock, mode } = mmapOf(ctx, frame);
        if (lock >= 0) e.release(lock, mode);
        if (how !== ZAP_HOW.mapping)
          e.push({
            type: 'actor/return',
            tid: ctx.tid,
            fn: zapFn(how),
            total: get(frame, 'total'),
          });
        return e.ret().ev;
      }
      default:
        return ZAP.badPc(frame);
    }
  },
};
