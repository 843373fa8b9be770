import { at } from '../errors.js';
import type { WritebackThreadSpec } from '../scenario/types.js';
import type { FrameView } from '../state/types.js';
import { PTE_NONE, pteIsPresent } from '../state/pte.js';
import { pageLock } from '../state/layout.js';
import { mmuNotifierInvalidateRangeStart } from './notifier.js';
import { canAcquire, threadSpec, type StepCtx, type StepMachine } from './step.js';
import { defineMachine } from './machine.js';
import { ptlFree, underPtl } from './pteWalk.js';
import { flushTlbSync } from './actorFlush.js';
import { drainReady } from './caller.js';
import { hasFlag, hasSpecialPtes, mappingVmas } from './vmas.js';

/**
 * Writeback of the pages [first, first + nr): mm/page-writeback.c write_cache_pages →
 * folio_clear_dirty_for_io → folio_mkclean → rmap_walk_file → page_mkclean_one (mm/rmap.c;
 * docs/rules/bugs.md §8 S-14). For each page:
 *
 *   page  folio_lock (the page lock, F6); !PG_dirty → unlock, next page; else
 *         i_mmap_lock_read.
 *   vma   next VM_SHARED page-backed VMA mapping the page (invalid_mkclean_vma skips the
 *         others): mmu_notifier_invalidate_range_start(MMU_NOTIFY_PROTECTION_PAGE, that page)
 *         → pte; none left → i_mmap_unlock_read → io.
 *   pte   [PTL] page_mkclean_one: `if (!pte_dirty && !pte_write) continue` — it never looks at
 *       mm_tlb_flush_pending (S-14); else ptep_clear_flush (clear + synchronous flush of the
 *       page), set_pte_at(pte_mkclean(pte_wrprotect(old))). Unlock, invalidate_range_end.
 *       Option `checksFlushPending` adds `|| mm_tlb_flush_pending(mm)` (the shape of KSM's fix
 *       b3a81d0841a9 for S-3; a counterfactual for writeback).
 *   io    folio_test_clear_dirty (PG_dirty = 0), set writeback, folio_unlock, and the I/O: the
 *       page's content reaches the backing store (`dev/copy`: for page-backed mappings the
 *       `device` ghost copy is the file on disk), end_page_writeback.
 * A `final` writeback waits for every non-final thread, like a drain.
 */
export const WRITEBACK = defineMachine('writeback', {
  locals: [
    'page',
    /** The next VMA index in the i_mmap order. */
    'vma',
    /** write_cache_pages' actor/call emitted (0/1). */
    'called',
    /** U1: msync from a user thread calls it with the range [first, first + nr). */
    'first',
    'nr',
  ],
  labels: ['page', 'vma', 'pte', 'io'],
});
const P = WRITEBACK.pc;
const get = WRITEBACK.get;

export function writebackSpec(
  ctx: StepCtx,
  frame: FrameView,
): Pick<WritebackThreadSpec, 'first' | 'nr' | 'final' | 'checksFlushPending'> {
  // U1: msync(MS_SYNC) of a user thread: the range is in the frame, never final.
  if (at(ctx.layout.scenario.threads, ctx.tid).kind === 'user')
    return {
      first: get(frame, 'first'),
      nr: get(frame, 'nr'),
      final: false,
      checksFlushPending: false,
    };
  return threadSpec(ctx, 'writeback');
}

/** The (mm, vpn) of `page` in the i_mmap VMA at index `i`, or null if it does not map it. */
export function rmapVpn(ctx: StepCtx, i: number, page: number): { mm: number; vpn: number } | null {
  const { mm, vma } = at(mappingVmas(ctx.layout.scenario), i);
  if (page < vma.pgoff || page >= vma.pgoff + vma.npages || hasSpecialPtes(vma)) return null;
  return { mm, vpn: vma.start + page - vma.pgoff };
}

/**
 * The rmap walk's next step from VMA index `from`: the first VMA that maps `page` and passes
 * `accept`, with the (mm, vpn) of the page in it; null when none is left.
 */
export function nextRmapVma(
  ctx: StepCtx,
  from: number,
  page: number,
  accept: (i: number) => boolean = () => true,
): { i: number; mm: number; vpn: number } | null {
  const n = mappingVmas(ctx.layout.scenario).length;
  for (let i = from; i < n; i++) {
    const where = rmapVpn(ctx, i, page);
    if (where && accept(i)) return { i, ...where };
  }
  return null;
}

export const writebackProgram: StepMachine = {
  layout: WRITEBACK,
  options(ctx, frame) {
    const spec = writebackSpec(ctx, frame);
    const page = get(frame, 'page');
    switch (frame.pc) {
      case P.page:
        if (spec.final && get(frame, 'called') === 0 && !drainReady(ctx.state, ctx)) return 0;
        if (page >= spec.first + spec.nr) return 1;
        return canAcquire(ctx.state, pageLock(ctx.layout, page), 'w') ? 1 : 0;
      case P.pte: {
        const where = rmapVpn(ctx, get(frame, 'vma'), page);
        return where ? ptlFree(ctx, where.mm, where.vpn) : 0;
      }
      default:
        return 1;
    }
  },
  step(ctx, frame) {
    const spec = writebackSpec(ctx, frame);
    const e = WRITEBACK.emit(ctx.tid);
    const page = get(frame, 'page');
    const end = spec.first + spec.nr;
    switch (frame.pc) {
      case P.page: {
        if (get(frame, 'called') === 0) {
          e.push({
            type: 'actor/call',
            tid: ctx.tid,
            fn: 'write_cache_pages',
            first: spec.first,
            nr: spec.nr,
          });
          e.set('called', 1);
        }
        if (page >= end) {
          e.push({ type: 'actor/return', tid: ctx.tid, fn: 'write_cache_pages', total: spec.nr });
          return e.ret().ev;
        }
        const lock = pageLock(ctx.layout, page);
        e.acquire(lock);
        if (ctx.state.pageDirty?.[page] !== 1) return e.release(lock).set('page', page + 1).ev;
        e.acquire(ctx.layout.immapLock, 'r'); // rmap_walk_file: i_mmap_lock_read
        return e.set('vma', 0).goto('vma').ev;
      }
      case P.vma: {
        const vmas = mappingVmas(ctx.layout.scenario);
        const next = nextRmapVma(ctx, get(frame, 'vma'), page, (i) =>
          hasFlag(at(vmas, i).vma, 'shared'),
        );
        if (next) {
          e.pushAll(mmuNotifierInvalidateRangeStart(ctx, next.mm, next.vpn, next.vpn + 1));
          return e.set('vma', next.i).goto('pte').ev;
        }
        e.release(ctx.layout.immapLock, 'r');
        return e.goto('io').ev;
      }
      case P.pte: {
        const i = get(frame, 'vma');
        const { mm, vpn } = rmapVpn(ctx, i, page) ?? { mm: 0, vpn: 0 };
        const a = ctx.arch;
        const pending = (ctx.state.mms[mm]?.pending ?? 0) > 0;
        underPtl(ctx, e, mm, vpn, (pte) => {
          if (
            !pteIsPresent(pte) ||
            !(a.pteDirty(pte) || a.pteWrite(pte) || (spec.checksFlushPending && pending))
          )
            return;
          // ptep_clear_flush: clear, then flush_tlb_page (synchronous) with the PTL held.
          e.push({
            type: 'pte/set',
            tid: ctx.tid,
            mm,
            vpn,
            pte: PTE_NONE,
            src: 'sw',
            fn: 'ptep_clear_flush',
          });
          flushTlbSync(ctx, e, mm, vpn, vpn + 1);
          const next = a.pteMkclean(a.pteWrprotect(pte, ctx.layout.scenario.options.arch));
          e.push({
            type: 'pte/set',
            tid: ctx.tid,
            mm,
            vpn,
            pte: next,
            src: 'sw',
            fn: 'page_mkclean_one',
          });
        });
        e.push({ type: 'notifier/end', tid: ctx.tid, mm, from: vpn, to: vpn + 1 });
        return e.set('vma', i + 1).goto('vma').ev;
      }
      case P.io: {
        if (ctx.state.pageDirty?.[page] === 1)
          e.push({ type: 'page/dirty', tid: ctx.tid, page, value: 0 });
        e.release(pageLock(ctx.layout, page));
        e.push({ type: 'dev/copy', tid: ctx.tid, page });
        return e.set('page', page + 1).goto('page').ev;
      }
      default:
        return WRITEBACK.badPc(frame);
    }
  },
};
