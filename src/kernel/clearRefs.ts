import { at } from '../errors.js';
import type { ClearRefsThreadSpec, Scenario } from '../scenario/types.js';
import { PTE_YOUNG, pteIsPresent } from '../state/pte.js';
import { mmapLock } from '../state/layout.js';
import type { FrameView } from '../state/types.js';
import { mmuNotifierInvalidateRangeStart } from './notifier.js';
import { canAcquire, threadSpec, type StepCtx, type StepMachine } from './step.js';
import { defineMachine, type EmitOf } from './machine.js';
import { ptePeek, PteWalk } from './pteWalk.js';
import { ptepModifyProtCommit, ptepModifyProtStart } from './ptepModifyProt.js';
import { flushTlbMm } from './actorFlush.js';
import { hasFlag } from './vmas.js';

/**
 * A write to /proc/PID/clear_refs: fs/proc/task_mmu.c clear_refs_write → walk_page_range with
 * clear_refs_pte_range (docs/rules/bugs.md §8 S-3, S-9, S-14):
 *
 *   enter   mmap_write_lock (current mainline); soft-dirty: inc_tlb_flush_pending and
 *           mmu_notifier_invalidate_range_start(MMU_NOTIFY_SOFT_DIRTY, whole mm).
 *   pte     [PTL per table] soft-dirty: clear_soft_dirty on every present PTE:
 *           ptep_modify_prot_start (P1) → commit; young: ptep_test_and_clear_young (an atomic
 *           bit clear). clear_refs_test_walk skips VM_PFNMAP VMAs (walk_page_range then
 *           *continues*).
 *   commit  ptep_modify_prot_commit(pte_clear_soft_dirty(pte_wrprotect(old))) (P2).
 *   finish  soft-dirty: invalidate_range_end, then flush_tlb_mm and dec_tlb_flush_pending
 *           (912efa17e512). With `missingFlush` (0758cd830494 .. 912efa17e512, S-9):
 *           tlb_finish_mmu found nothing gathered and flushed nothing.
 * The soft-dirty bit itself is not in the PTE model; the write-protect is what matters.
 */
export const CLEAR_REFS = defineMachine('clearRefs', {
  locals: [
    /** Index into the walk's vpn list ({@link clearRefsVpns}). */
    'i',
    /** The PTL held (-1 = none). */
    'ptl',
    /** The PTE read by ptep_modify_prot_start (P1). */
    'old',
    /** PTEs changed (the return value). */
    'total',
  ],
  labels: ['enter', 'pte', 'commit', 'finish'],
});
const P = CLEAR_REFS.pc;
const get = CLEAR_REFS.get;
const walk = new PteWalk(CLEAR_REFS, 'ptl');

export function clearRefsSpec(ctx: StepCtx): ClearRefsThreadSpec {
  return threadSpec(ctx, 'clear-refs');
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
function advance(
  ctx: StepCtx,
  frame: FrameView,
  e: EmitOf<typeof CLEAR_REFS>,
  mm: number,
  ptl: number,
): void {
  const i = get(frame, 'i');
  const next = clearRefsVpns(ctx.layout.scenario, mm)[i + 1];
  walk.unlockUnlessNext(ctx, e, mm, ptl, next);
  e.set('i', i + 1).goto(next === undefined ? 'finish' : 'pte');
}

export const clearRefsProgram: StepMachine = {
  layout: CLEAR_REFS,
  options(ctx, frame) {
    const spec = clearRefsSpec(ctx);
    if (frame.pc === P.enter)
      return canAcquire(ctx.state, mmapLock(ctx.layout, spec.mm), 'w') ? 1 : 0;
    if (frame.pc === P.pte) {
      const vpn = at(clearRefsVpns(ctx.layout.scenario, spec.mm), get(frame, 'i'));
      return walk.ready(ctx, frame, spec.mm, vpn);
    }
    return 1;
  },
  step(ctx, frame) {
    const spec = clearRefsSpec(ctx);
    const mm = spec.mm;
    const softDirty = spec.type === 'soft-dirty';
    const size = ctx.layout.mmSize[mm] ?? 0;
    const vpns = clearRefsVpns(ctx.layout.scenario, mm);
    const e = CLEAR_REFS.emit(ctx.tid);
    switch (frame.pc) {
      case P.enter:
        e.push({ type: 'actor/call', tid: ctx.tid, fn: 'clear_refs_write', first: 0, nr: size });
        e.acquire(mmapLock(ctx.layout, mm), 'w');
        if (softDirty) {
          e.push({ type: 'pending/inc', tid: ctx.tid, mm });
          e.pushAll(mmuNotifierInvalidateRangeStart(ctx, mm, 0, size));
        }
        return e
          .set('i', 0)
          .set('ptl', -1)
          .goto(vpns.length > 0 ? 'pte' : 'finish').ev;
      case P.pte: {
        const vpn = at(vpns, get(frame, 'i'));
        const { ptl } = walk.lock(ctx, frame, e, mm, vpn);
        const pte = ptePeek(ctx, mm, vpn);
        if (pteIsPresent(pte) && softDirty) {
          e.push(ptepModifyProtStart(ctx.tid, mm, vpn));
          return e.set('old', pte).goto('commit').ev;
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
          e.set('total', get(frame, 'total') + 1);
        }
        advance(ctx, frame, e, mm, ptl);
        return e.ev;
      }
      case P.commit: {
        const vpn = at(vpns, get(frame, 'i'));
        const next = ctx.arch.pteWrprotect(get(frame, 'old'), ctx.layout.scenario.options.arch);
        e.push(ptepModifyProtCommit(ctx.tid, mm, vpn, next));
        e.push({ type: 'ghost/wp-seen', tid: ctx.tid, mm, vpn });
        e.set('total', get(frame, 'total') + 1);
        advance(ctx, frame, e, mm, walk.held(frame));
        return e.ev;
      }
      case P.finish:
        if (softDirty) {
          e.push({ type: 'notifier/end', tid: ctx.tid, mm, from: 0, to: size });
          if (!spec.missingFlush)
            flushTlbMm(ctx, e, mm); // 912efa17e512
          // S-9: tlb_finish_mmu found nothing gathered (src/events/decide.ts).
          else
            e.push({
              type: 'decide/skip-flush',
              tid: ctx.tid,
              mm,
              from: 0,
              to: size,
              why: 'empty',
            });
          e.push({ type: 'pending/dec', tid: ctx.tid, mm });
        }
        e.release(mmapLock(ctx.layout, mm), 'w');
        e.push({
          type: 'actor/return',
          tid: ctx.tid,
          fn: 'clear_refs_write',
          total: get(frame, 'total'),
        });
        return e.ret().ev;
      default:
        return CLEAR_REFS.badPc(frame);
    }
  },
};
