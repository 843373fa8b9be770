import { at } from '../errors.js';
import type { WritebackThreadSpec } from '../scenario/types.js';
import { PTE_NONE, pteIsPresent } from '../state/pte.js';
import { pageLock, ptlLock } from '../state/layout.js';
import { mmuNotifierInvalidateRangeStart } from './notifier.js';
import { canAcquire, Emit, local, type StepCtx, type StepMachine } from './step.js';
import { flushTlbSync } from './actorFlush.js';
import { drainReady } from './caller.js';
import { hasFlag, mappingVmas } from './vmas.js';

/**
 * Writeback of the pages [first, first + nr): mm/page-writeback.c write_cache_pages →
 * folio_clear_dirty_for_io → folio_mkclean → rmap_walk_file → page_mkclean_one (mm/rmap.c;
 * SEMANTICS §8 S-14). For each page:
 *
 *   pc0 folio_lock (the page lock, F6); !PG_dirty → unlock, next page; else i_mmap_lock_read.
 *   pc1 next VM_SHARED page-backed VMA mapping the page (invalid_mkclean_vma skips the others):
 *       mmu_notifier_invalidate_range_start(MMU_NOTIFY_PROTECTION_PAGE, that page) → pc2;
 *       none left → i_mmap_unlock_read → pc3.
 *   pc2 [PTL] page_mkclean_one: `if (!pte_dirty && !pte_write) continue` — it never looks at
 *       mm_tlb_flush_pending (S-14); else ptep_clear_flush (clear + synchronous flush of the
 *       page), set_pte_at(pte_mkclean(pte_wrprotect(old))). Unlock, invalidate_range_end.
 *       Option `checksFlushPending` adds `|| mm_tlb_flush_pending(mm)` (the shape of KSM's fix
 *       b3a81d0841a9 for S-3; a counterfactual for writeback).
 *   pc3 folio_test_clear_dirty (PG_dirty = 0), set writeback, folio_unlock, and the I/O: the
 *       page's content reaches the backing store (`dev/copy`: for page-backed mappings the
 *       `device` ghost copy is the file on disk), end_page_writeback.
 * Locals: 0 page, 1 next VMA index in the i_mmap order, 2 bracket emitted (0/1).
 * A `final` writeback waits for every non-final thread, like a drain.
 */
export function writebackSpec(ctx: StepCtx): WritebackThreadSpec {
  const spec = at(ctx.layout.scenario.threads, ctx.tid);
  if (spec.kind !== 'writeback') throw new Error(`thread ${ctx.tid} is not a writeback thread`);
  return spec;
}

/** The (mm, vpn) of `page` in the i_mmap VMA at index `i`, or null if it does not map it. */
export function rmapVpn(ctx: StepCtx, i: number, page: number): { mm: number; vpn: number } | null {
  const { mm, vma } = at(mappingVmas(ctx.layout.scenario), i);
  if (page < vma.pgoff || page >= vma.pgoff + vma.npages || hasFlag(vma, 'pfnmap')) return null;
  return { mm, vpn: vma.start + page - vma.pgoff };
}

const enum Pc {
  Page = 0,
  Vma = 1,
  Pte = 2,
  Io = 3,
}

export const writebackProgram: StepMachine = {
  options(ctx, frame) {
    const spec = writebackSpec(ctx);
    const page = local(frame, 0);
    switch (frame.pc) {
      case Pc.Page:
        if (spec.final && local(frame, 2) === 0 && !drainReady(ctx.state, ctx)) return 0;
        if (page >= spec.first + spec.nr) return 1;
        return canAcquire(ctx.state, pageLock(ctx.layout, page), 'w') ? 1 : 0;
      case Pc.Pte: {
        const at_ = rmapVpn(ctx, local(frame, 1), page);
        return at_ && canAcquire(ctx.state, ptlLock(ctx.layout, at_.mm, at_.vpn), 'w') ? 1 : 0;
      }
      default:
        return 1;
    }
  },
  step(ctx, frame) {
    const spec = writebackSpec(ctx);
    const e = new Emit(ctx.tid);
    const page = local(frame, 0);
    const end = spec.first + spec.nr;
    switch (frame.pc) {
      case Pc.Page: {
        if (local(frame, 2) === 0) {
          e.push({
            type: 'actor/call',
            tid: ctx.tid,
            fn: 'write_cache_pages',
            first: spec.first,
            nr: spec.nr,
          });
          e.set(2, 1);
        }
        if (page >= end) {
          e.push({ type: 'actor/return', tid: ctx.tid, fn: 'write_cache_pages', total: spec.nr });
          return e.ret().ev;
        }
        const lock = pageLock(ctx.layout, page);
        e.acquire(lock);
        if (ctx.state.pageDirty?.[page] !== 1) return e.release(lock).set(0, page + 1).ev;
        e.acquire(ctx.layout.immapLock, 'r'); // rmap_walk_file: i_mmap_lock_read
        return e.set(1, 0).goto(Pc.Vma).ev;
      }
      case Pc.Vma: {
        const vmas = mappingVmas(ctx.layout.scenario);
        for (let i = local(frame, 1); i < vmas.length; i++) {
          const where = rmapVpn(ctx, i, page);
          if (!where || !hasFlag(at(vmas, i).vma, 'shared')) continue;
          e.push(...mmuNotifierInvalidateRangeStart(ctx, where.mm, where.vpn, where.vpn + 1));
          return e.set(1, i).goto(Pc.Pte).ev;
        }
        e.release(ctx.layout.immapLock, 'r');
        return e.goto(Pc.Io).ev;
      }
      case Pc.Pte: {
        const i = local(frame, 1);
        const { mm, vpn } = rmapVpn(ctx, i, page) ?? { mm: 0, vpn: 0 };
        const ptl = ptlLock(ctx.layout, mm, vpn);
        e.acquire(ptl);
        const pte = ctx.state.mms[mm]?.ptes[vpn] ?? PTE_NONE;
        const a = ctx.arch;
        const pending = (ctx.state.mms[mm]?.pending ?? 0) > 0;
        if (
          pteIsPresent(pte) &&
          (a.pteDirty(pte) || a.pteWrite(pte) || (spec.checksFlushPending && pending))
        ) {
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
        }
        e.release(ptl);
        e.push({ type: 'notifier/end', tid: ctx.tid, mm, from: vpn, to: vpn + 1 });
        return e.set(1, i + 1).goto(Pc.Vma).ev;
      }
      case Pc.Io: {
        if (ctx.state.pageDirty?.[page] === 1)
          e.push({ type: 'page/dirty', tid: ctx.tid, page, value: 0 });
        e.release(pageLock(ctx.layout, page));
        e.push({ type: 'dev/copy', tid: ctx.tid, page });
        return e.set(0, page + 1).goto(Pc.Page).ev;
      }
      default:
        throw new Error(`writeback: bad pc ${frame.pc}`);
    }
  },
};
