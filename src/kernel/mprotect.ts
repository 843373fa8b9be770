import { at } from '../errors.js';
import type { MprotectThreadSpec } from '../scenario/types.js';
import { PTE_NONE, pteIsPresent } from '../state/pte.js';
import { mmapLock, ptlLock } from '../state/layout.js';
import { mmuNotifierInvalidateRangeStart } from './notifier.js';
import { canAcquire, Emit, local, type StepCtx, type StepMachine } from './step.js';
import { ptepModifyProtCommit, ptepModifyProtStart } from './ptepModifyProt.js';
import { flushTlbBatchedPending, flushTlbSync } from './actorFlush.js';

/**
 * mprotect(PROT_READ) of one VMA: mm/mprotect.c do_mprotect_pkey → mprotect_fixup →
 * change_protection → change_pte_range, as of v6.x (SEMANTICS §1.6, §5):
 *
 *   pc0 mmap_write_lock; tlb_gather_mmu (inc_tlb_flush_pending, §1.6: before any PTL);
 *       change_pmd_range: mmu_notifier_invalidate_range_start(MMU_NOTIFY_PROTECTION_VMA) (R1).
 *   pc1 [PTL of the table] on taking it, flush_tlb_batched_pending(mm) (3ea277194daa, S-6);
 *       present PTE → ptep_modify_prot_start (P1).
 *   pc2 ptep_modify_prot_commit(pte_modify(old, PAGE_READONLY)) (P2) — modelled as the
 *       arch's pte_wrprotect; tlb_flush_pte_range gathers the page. PTL dropped at table end.
 *   pc3 change_pmd_range: mmu_notifier_invalidate_range_end — before the flush, as the kernel
 *       does for mprotect.
 *   pc4 tlb_finish_mmu: mm_tlb_flush_nested → flush everything, else the gathered range;
 *       dec_tlb_flush_pending; mmap_write_unlock.
 * Locals: 0 vpn, 1 PTL held (-1), 2 old PTE, 3/4 gathered range [from, to), 5 PTEs changed.
 * VM_WRITE is cleared in pc0 (`vma/write`), so later write faults get SIGSEGV; a store that
 * still completes after mprotect returned went through a stale TLB entry (S-6).
 * @remarks The helpers' VMA filters (H3) read the scenario's flags, not this state.
 */
export function mprotectSpec(ctx: StepCtx): MprotectThreadSpec {
  const spec = at(ctx.layout.scenario.threads, ctx.tid);
  if (spec.kind !== 'mprotect') throw new Error(`thread ${ctx.tid} is not an mprotect thread`);
  return spec;
}

function vmaRange(ctx: StepCtx, spec: MprotectThreadSpec): readonly [number, number] {
  const vma = at(at(ctx.layout.scenario.mms, spec.mm).vmas, spec.vma);
  return [vma.start, vma.start + vma.npages];
}

/** After PTE `vpn`: next PTE, dropping the PTL at a table or range end (pte_unmap_unlock). */
function advance(ctx: StepCtx, e: Emit, vpn: number, ptl: number, end: number): void {
  const next = vpn + 1;
  if (next >= end || next % ctx.layout.ptesPerTable === 0) {
    e.release(ptl);
    e.set(1, -1);
  }
  e.set(0, next).goto(next >= end ? 3 : 1);
}

export const mprotectProgram: StepMachine = {
  options(ctx, frame) {
    const spec = mprotectSpec(ctx);
    if (frame.pc === 0) return canAcquire(ctx.state, mmapLock(ctx.layout, spec.mm), 'w') ? 1 : 0;
    if (frame.pc === 1 && local(frame, 1) === -1)
      return canAcquire(ctx.state, ptlLock(ctx.layout, spec.mm, local(frame, 0)), 'w') ? 1 : 0;
    return 1;
  },
  step(ctx, frame) {
    const spec = mprotectSpec(ctx);
    const mm = spec.mm;
    const [start, end] = vmaRange(ctx, spec);
    const e = new Emit(ctx.tid);
    switch (frame.pc) {
      case 0: {
        const vma = at(at(ctx.layout.scenario.mms, mm).vmas, spec.vma);
        e.push({
          type: 'actor/call',
          tid: ctx.tid,
          fn: 'mprotect',
          first: vma.pgoff,
          nr: vma.npages,
        });
        e.acquire(mmapLock(ctx.layout, mm), 'w');
        // mprotect_fixup: vm_flags_reset(vma, newflags) drops VM_WRITE before change_protection.
        if (ctx.state.vmWrite?.[mm]?.[spec.vma] === 1)
          e.push({ type: 'vma/write', tid: ctx.tid, mm, vma: spec.vma, value: 0 });
        e.push({ type: 'pending/inc', tid: ctx.tid, mm }); // tlb_gather_mmu
        e.push(...mmuNotifierInvalidateRangeStart(ctx, mm, start, end));
        return e.set(0, start).set(1, -1).set(3, end).set(4, start).goto(1).ev;
      }
      case 1: {
        const vpn = local(frame, 0);
        let ptl = local(frame, 1);
        if (ptl === -1) {
          ptl = ptlLock(ctx.layout, mm, vpn);
          e.acquire(ptl).set(1, ptl);
          // change_pte_range: flush_tlb_batched_pending() right after pte_offset_map_lock.
          if (spec.batchedPendingFlush) flushTlbBatchedPending(ctx, e, mm);
        }
        const pte = ctx.state.mms[mm]?.ptes[vpn] ?? PTE_NONE;
        if (pteIsPresent(pte)) {
          e.push(ptepModifyProtStart(ctx.tid, mm, vpn));
          return e.set(2, pte).goto(2).ev;
        }
        // A none PTE (e.g. reclaim cleared it): nothing to change, nothing gathered.
        advance(ctx, e, vpn, ptl, end);
        return e.ev;
      }
      case 2: {
        const vpn = local(frame, 0);
        const next = ctx.arch.pteWrprotect(local(frame, 2), ctx.layout.scenario.options.arch);
        e.push(ptepModifyProtCommit(ctx.tid, mm, vpn, next));
        e.push({ type: 'ghost/wp-seen', tid: ctx.tid, mm, vpn });
        e.set(3, Math.min(local(frame, 3), vpn))
          .set(4, Math.max(local(frame, 4), vpn + 1))
          .set(5, local(frame, 5) + 1);
        advance(ctx, e, vpn, local(frame, 1), end);
        return e.ev;
      }
      case 3:
        e.push({ type: 'notifier/end', tid: ctx.tid, mm, from: start, to: end });
        return e.goto(4).ev;
      case 4: {
        // tlb_finish_mmu(): a parallel batcher (nested) forces a full flush (99baac21e458).
        const nested = (ctx.state.mms[mm]?.pending ?? 0) > 1;
        if (nested) flushTlbSync(ctx, e, mm, 0, ctx.layout.mmSize[mm] ?? 0);
        else if (local(frame, 3) < local(frame, 4))
          flushTlbSync(ctx, e, mm, local(frame, 3), local(frame, 4));
        e.push({ type: 'pending/dec', tid: ctx.tid, mm });
        e.release(mmapLock(ctx.layout, mm), 'w');
        e.push({ type: 'actor/return', tid: ctx.tid, fn: 'mprotect', total: local(frame, 5) });
        return e.ret().ev;
      }
      default:
        throw new Error(`mprotect: bad pc ${frame.pc}`);
    }
  },
};
