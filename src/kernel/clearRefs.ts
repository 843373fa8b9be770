import { at } from '../errors.js';
import type { ClearRefsThreadSpec, Scenario } from '../scenario/types.js';
import { PTE_NONE, PTE_YOUNG, pteIsPresent } from '../state/pte.js';
import { mmapLock, ptlLock } from '../state/layout.js';
import { mmuNotifierInvalidateRangeStart } from './notifier.js';
import { canAcquire, Emit, local, type StepCtx, type StepMachine } from './step.js';
import { ptepModifyProtCommit, ptepModifyProtStart } from './ptepModifyProt.js';
import { flushTlbMm } from './actorFlush.js';
import { hasFlag } from './vmas.js';

/**
 * A write to /proc/PID/clear_refs: fs/proc/task_mmu.c clear_refs_write → walk_page_range with
 * clear_refs_pte_range (SEMANTICS §8 S-3, S-9, S-14):
 *
 *   pc0 mmap_write_lock (current mainline); soft-dirty: inc_tlb_flush_pending and
 *       mmu_notifier_invalidate_range_start(MMU_NOTIFY_SOFT_DIRTY, whole mm).
 *   pc1 [PTL per table] soft-dirty: clear_soft_dirty on every present PTE:
 *       ptep_modify_prot_start (P1) → pc2; young: ptep_test_and_clear_young (an atomic bit clear).
 *       clear_refs_test_walk skips VM_PFNMAP VMAs (walk_page_range then *continues*).
 *   pc2 ptep_modify_prot_commit(pte_clear_soft_dirty(pte_wrprotect(old))) (P2).
 *   pc3 soft-dirty: invalidate_range_end, then flush_tlb_mm and dec_tlb_flush_pending
 *       (912efa17e512). With `missingFlush` (0758cd830494 .. 912efa17e512, S-9):
 *       tlb_finish_mmu found nothing gathered and flushed nothing.
 * Locals: 0 index into the walk's vpn list, 1 PTL held (-1), 2 old PTE, 3 PTEs changed.
 * The soft-dirty bit itself is not in the PTE model; the write-protect is what matters.
 */
export function clearRefsSpec(ctx: StepCtx): ClearRefsThreadSpec {
  const spec = at(ctx.layout.scenario.threads, ctx.tid);
  if (spec.kind !== 'clear-refs') throw new Error(`thread ${ctx.tid} is not a clear_refs thread`);
  return spec;
}

const walkCache = new WeakMap<Scenario, Map<number, readonly number[]>>();
/** The vpns walk_page_range visits: VMAs in address order, VM_PFNMAP ones skipped. */
export function clearRefsVpns(scenario: Scenario, mm: number): readonly number[] {
  let per = walkCache.get(scenario);
  if (!per) walkCache.set(scenario, (per = new Map()));
  const hit = per.get(mm);
  if (hit) return hit;
  const vmas = [...at(scenario.mms, mm).vmas].sort((a, b) => a.start - b.start);
  const vpns: number[] = [];
  for (const vma of vmas)
    if (!hasFlag(vma, 'pfnmap')) for (let i = 0; i < vma.npages; i++) vpns.push(vma.start + i);
  per.set(mm, vpns);
  return vpns;
}

/** Next vpn of the walk; drop the PTL when the next PTE is under another one (or none). */
function advance(ctx: StepCtx, e: Emit, spec: ClearRefsThreadSpec, i: number, ptl: number): void {
  const vpns = clearRefsVpns(ctx.layout.scenario, spec.mm);
  const next = vpns[i + 1];
  if (next === undefined || ptlLock(ctx.layout, spec.mm, next) !== ptl) {
    e.release(ptl);
    e.set(1, -1);
  }
  e.set(0, i + 1).goto(next === undefined ? 3 : 1);
}

export const clearRefsProgram: StepMachine = {
  options(ctx, frame) {
    const spec = clearRefsSpec(ctx);
    if (frame.pc === 0) return canAcquire(ctx.state, mmapLock(ctx.layout, spec.mm), 'w') ? 1 : 0;
    if (frame.pc === 1 && local(frame, 1) === -1) {
      const vpn = at(clearRefsVpns(ctx.layout.scenario, spec.mm), local(frame, 0));
      return canAcquire(ctx.state, ptlLock(ctx.layout, spec.mm, vpn), 'w') ? 1 : 0;
    }
    return 1;
  },
  step(ctx, frame) {
    const spec = clearRefsSpec(ctx);
    const mm = spec.mm;
    const softDirty = spec.type === 'soft-dirty';
    const size = ctx.layout.mmSize[mm] ?? 0;
    const vpns = clearRefsVpns(ctx.layout.scenario, mm);
    const e = new Emit(ctx.tid);
    switch (frame.pc) {
      case 0:
        e.push({ type: 'actor/call', tid: ctx.tid, fn: 'clear_refs_write', first: 0, nr: size });
        e.acquire(mmapLock(ctx.layout, mm), 'w');
        if (softDirty) {
          e.push({ type: 'pending/inc', tid: ctx.tid, mm });
          e.push(...mmuNotifierInvalidateRangeStart(ctx, mm, 0, size));
        }
        return e
          .set(0, 0)
          .set(1, -1)
          .goto(vpns.length > 0 ? 1 : 3).ev;
      case 1: {
        const i = local(frame, 0);
        const vpn = at(vpns, i);
        let ptl = local(frame, 1);
        if (ptl === -1) {
          ptl = ptlLock(ctx.layout, mm, vpn);
          e.acquire(ptl).set(1, ptl);
        }
        const pte = ctx.state.mms[mm]?.ptes[vpn] ?? PTE_NONE;
        if (pteIsPresent(pte) && softDirty) {
          e.push(ptepModifyProtStart(ctx.tid, mm, vpn));
          return e.set(2, pte).goto(2).ev;
        }
        if (pteIsPresent(pte) && (pte & PTE_YOUNG) !== 0) {
          e.push({
            type: 'pte/set',
            tid: ctx.tid,
            mm,
            vpn,
            pte: pte & ~PTE_YOUNG,
            src: 'sw',
            fn: 'ptep_test_and_clear_young',
          });
          e.set(3, local(frame, 3) + 1);
        }
        advance(ctx, e, spec, i, ptl);
        return e.ev;
      }
      case 2: {
        const i = local(frame, 0);
        const vpn = at(vpns, i);
        const next = ctx.arch.pteWrprotect(local(frame, 2), ctx.layout.scenario.options.arch);
        e.push(ptepModifyProtCommit(ctx.tid, mm, vpn, next));
        e.push({ type: 'ghost/wp-seen', tid: ctx.tid, mm, vpn });
        e.set(3, local(frame, 3) + 1);
        advance(ctx, e, spec, i, local(frame, 1));
        return e.ev;
      }
      case 3:
        if (softDirty) {
          e.push({ type: 'notifier/end', tid: ctx.tid, mm, from: 0, to: size });
          if (!spec.missingFlush) flushTlbMm(ctx, e, mm); // 912efa17e512
          e.push({ type: 'pending/dec', tid: ctx.tid, mm });
        }
        e.release(mmapLock(ctx.layout, mm), 'w');
        e.push({
          type: 'actor/return',
          tid: ctx.tid,
          fn: 'clear_refs_write',
          total: local(frame, 3),
        });
        return e.ret().ev;
      default:
        throw new Error(`clear_refs: bad pc ${frame.pc}`);
    }
  },
};
