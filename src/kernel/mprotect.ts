import { at } from '../errors.js';
import type { MprotectThreadSpec } from '../scenario/types.js';
import { pteIsPresent } from '../state/pte.js';
import { mmapLock } from '../state/layout.js';
import type { FrameView } from '../state/types.js';
import { mmuNotifierInvalidateRangeStart } from './notifier.js';
import { canAcquire, threadSpec, type StepCtx, type StepMachine } from './step.js';
import { defineMachine, type EmitOf } from './machine.js';
import { ptePeek, PteWalk } from './pteWalk.js';
import { ptepModifyProtCommit, ptepModifyProtStart } from './ptepModifyProt.js';
import { flushTlbBatchedPending, flushTlbSync } from './actorFlush.js';

/**
 * mprotect(PROT_READ) of one VMA: mm/mprotect.c do_mprotect_pkey → mprotect_fixup →
 * change_protection → change_pte_range, as of v6.x (SEMANTICS §1.6, §5):
 *
 *   enter    mmap_write_lock; tlb_gather_mmu (inc_tlb_flush_pending, §1.6: before any PTL);
 *            change_pmd_range: mmu_notifier_invalidate_range_start(MMU_NOTIFY_PROTECTION_VMA)
 *            (R1).
 *   pte      [PTL of the table] on taking it, flush_tlb_batched_pending(mm) (3ea277194daa,
 *            S-6); present PTE → ptep_modify_prot_start (P1).
 *   commit   ptep_modify_prot_commit(pte_modify(old, PAGE_READONLY)) (P2) — modelled as the
 *            arch's pte_wrprotect; tlb_flush_pte_range gathers the page. PTL dropped at table
 *            end.
 *   notifierEnd  change_pmd_range: mmu_notifier_invalidate_range_end — before the flush, as
 *            the kernel does for mprotect.
 *   finish   tlb_finish_mmu: mm_tlb_flush_nested → flush everything, else the gathered range;
 *            dec_tlb_flush_pending; mmap_write_unlock.
 * VM_WRITE is cleared in pc0 (`vma/write`), so later write faults get SIGSEGV; a store that
 * still completes after mprotect returned went through a stale TLB entry (S-6).
 * @remarks The helpers' VMA filters (H3) read the scenario's flags, not this state.
 */
export const MPROTECT = defineMachine('mprotect', {
  locals: [
    'vpn',
    /** The PTL held (-1 = none). */
    'ptl',
    /** The PTE read by ptep_modify_prot_start (P1). */
    'old',
    /** The range gathered for the flush [from, to) (tlb_flush_pte_range). */
    'gatherFrom',
    'gatherTo',
    /** PTEs changed (the return value). */
    'total',
  ],
  labels: ['enter', 'pte', 'commit', 'notifierEnd', 'finish'],
});
const P = MPROTECT.pc;
const get = MPROTECT.get;
const walk = new PteWalk(MPROTECT, 'ptl');

export function mprotectSpec(ctx: StepCtx): MprotectThreadSpec {
  return threadSpec(ctx, 'mprotect');
}

function vmaRange(ctx: StepCtx, spec: MprotectThreadSpec): readonly [number, number] {
  const vma = at(at(ctx.layout.scenario.mms, spec.mm).vmas, spec.vma);
  return [vma.start, vma.start + vma.npages];
}

/** After PTE `vpn`: next PTE, dropping the PTL at a table or range end (pte_unmap_unlock). */
function advance(
  ctx: StepCtx,
  frame: FrameView,
  e: EmitOf<typeof MPROTECT>,
  mm: number,
  ptl: number,
  end: number,
): void {
  const next = get(frame, 'vpn') + 1;
  walk.unlockUnlessNext(ctx, e, mm, ptl, next < end ? next : undefined);
  e.set('vpn', next).goto(next >= end ? 'notifierEnd' : 'pte');
}

export const mprotectProgram: StepMachine = {
  layout: MPROTECT,
  options(ctx, frame) {
    const spec = mprotectSpec(ctx);
    if (frame.pc === P.enter)
      return canAcquire(ctx.state, mmapLock(ctx.layout, spec.mm), 'w') ? 1 : 0;
    if (frame.pc === P.pte) return walk.ready(ctx, frame, spec.mm, get(frame, 'vpn'));
    return 1;
  },
  step(ctx, frame) {
    const spec = mprotectSpec(ctx);
    const mm = spec.mm;
    const [start, end] = vmaRange(ctx, spec);
    const e = MPROTECT.emit(ctx.tid);
    switch (frame.pc) {
      case P.enter: {
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
        return e
          .set('vpn', start)
          .set('ptl', -1)
          .set('gatherFrom', end)
          .set('gatherTo', start)
          .goto('pte').ev;
      }
      case P.pte: {
        const vpn = get(frame, 'vpn');
        const { ptl, taken } = walk.lock(ctx, frame, e, mm, vpn);
        // change_pte_range: flush_tlb_batched_pending() right after pte_offset_map_lock.
        if (taken && spec.batchedPendingFlush) flushTlbBatchedPending(ctx, e, mm);
        const pte = ptePeek(ctx, mm, vpn);
        if (pteIsPresent(pte)) {
          e.push(ptepModifyProtStart(ctx.tid, mm, vpn));
          return e.set('old', pte).goto('commit').ev;
        }
        // A none PTE (e.g. reclaim cleared it): nothing to change, nothing gathered.
        advance(ctx, frame, e, mm, ptl, end);
        return e.ev;
      }
      case P.commit: {
        const vpn = get(frame, 'vpn');
        const next = ctx.arch.pteWrprotect(get(frame, 'old'), ctx.layout.scenario.options.arch);
        e.push(ptepModifyProtCommit(ctx.tid, mm, vpn, next));
        e.push({ type: 'ghost/wp-seen', tid: ctx.tid, mm, vpn });
        e.set('gatherFrom', Math.min(get(frame, 'gatherFrom'), vpn))
          .set('gatherTo', Math.max(get(frame, 'gatherTo'), vpn + 1))
          .set('total', get(frame, 'total') + 1);
        advance(ctx, frame, e, mm, walk.held(frame), end);
        return e.ev;
      }
      case P.notifierEnd:
        e.push({ type: 'notifier/end', tid: ctx.tid, mm, from: start, to: end });
        return e.goto('finish').ev;
      case P.finish: {
        // tlb_finish_mmu(): a parallel batcher (nested) forces a full flush (99baac21e458).
        const nested = (ctx.state.mms[mm]?.pending ?? 0) > 1;
        const from = get(frame, 'gatherFrom');
        const to = get(frame, 'gatherTo');
        if (nested) flushTlbSync(ctx, e, mm, 0, ctx.layout.mmSize[mm] ?? 0);
        else if (from < to) flushTlbSync(ctx, e, mm, from, to);
        e.push({ type: 'pending/dec', tid: ctx.tid, mm });
        e.release(mmapLock(ctx.layout, mm), 'w');
        e.push({ type: 'actor/return', tid: ctx.tid, fn: 'mprotect', total: get(frame, 'total') });
        return e.ret().ev;
      }
      default:
        return MPROTECT.badPc(frame);
    }
  },
};
