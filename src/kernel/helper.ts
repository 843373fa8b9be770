import { at } from '../errors.js';
import { PTE_NONE, pteIsPresent } from '../state/pte.js';
import { ptlLock } from '../state/layout.js';
import type { FrameView } from '../state/types.js';
import { canAcquire, Emit, local, type StepCtx, type StepMachine } from './step.js';
import { ptepModifyProtCommit, ptepModifyProtStart } from './ptepModifyProt.js';
import { mappingVmas } from './vmas.js';
import type { VmaSpec } from '../scenario/types.js';
import { mmuNotifierInvalidateRangeStart } from './notifier.js';
import { flushTlbRange, flushTlbRangeContinue } from './tlbFlush.js';

/**
 * The dirty-tracking helpers, step by step, for every variant (SEMANTICS §1, H1–H10):
 * seed-v4 apply_as_range() and upstream walk_page_mapping() share this order and differ in
 * the variant's VMA verdict (H3) and flush range (H9).
 *
 * Locals (slot: meaning):
 *   0 op (0 wrprotect, 1 clean)  1 first page  2 nr  3 bitmap id  4 total
 *   5 VMA index in the i_mmap order  6 current vpn  7/8 clipped [from, to)
 *   9/10 flush window [from, to)  11/12 range being flushed  13 next CPU to shoot down
 *   14 old PTE from ptep_modify_prot_start  15 mm  16 PTL held (-1 = none)
 *
 * pc 0 i_mmap_lock_read (H1)            pc 1 next VMA: verdict, clip, notifier start (H2–H4, R1)
 * pc 2 inc_tlb_flush_pending (H4)       pc 3 [PTL] read PTE, ptep_modify_prot_start (H5, P1)
 * pc 4 ptep_modify_prot_commit (P2, H7/H8), [unlock PTL at table/range end]
 * pc 5 post_vma: flush decision + flush_tlb_range start (H9, T1)
 * pc 6 shootdown of the next CPU (per-cpu flush, T1)
 * pc 7 invalidate_range_end (R7)        pc 8 dec_tlb_flush_pending (H4, R9), next VMA
 * pc 9 flush-under-ptl variant only: flush the PTE just committed, PTL still held
 *
 * Variant knobs: `rmw: 'naive'` makes pc 3 a plain read and pc 4 a plain store of the value
 * computed from it (no P1/P2); `flushUnderPtl` inserts pc 9 after every commit. The flush itself
 * (T1–T3: IPIs, lazy CPUs, arm64 broadcast/nosync) is src/kernel/tlbFlush.ts.
 */
export const enum HelperSlot {
  Op = 0,
  First = 1,
  Nr = 2,
  Bm = 3,
  Total = 4,
  Vma = 5,
  Vpn = 6,
  ClipFrom = 7,
  ClipTo = 8,
  WinFrom = 9,
  WinTo = 10,
  FlFrom = 11,
  FlTo = 12,
  /** Bitmask of CPUs still owed a shootdown IPI (T1). */
  CpuI = 13,
  Old = 14,
  Mm = 15,
  Ptl = 16,
}

/** Initial locals of a helper call. */
export function helperArgs(
  op: 'wrprotect' | 'clean',
  first: number,
  nr: number,
  bm: number,
): number[] {
  const l = new Array<number>(17).fill(0);
  l[HelperSlot.Op] = op === 'wrprotect' ? 0 : 1;
  l[HelperSlot.First] = first;
  l[HelperSlot.Nr] = nr;
  l[HelperSlot.Bm] = bm;
  l[HelperSlot.Ptl] = -1;
  return l;
}

function fnName(ctx: StepCtx, frame: FrameView): string {
  return local(frame, HelperSlot.Op) === 0
    ? ctx.variant.fnNames.wrprotect
    : ctx.variant.fnNames.clean;
}

/**
 * Walk the interval tree from VMA index `from` (H2): apply the variant's verdict (H3), clip,
 * and either open the notifier window of the next processed VMA or leave the helper.
 */
function nextVma(ctx: StepCtx, frame: FrameView, e: Emit, from: number): void {
  const vmas = mappingVmas(ctx.layout.scenario);
  const first = local(frame, HelperSlot.First);
  const last = first + local(frame, HelperSlot.Nr);
  for (let i = from; i < vmas.length; i++) {
    const { mm, index, vma } = at(vmas, i);
    if (vma.pgoff >= last || vma.pgoff + vma.npages <= first) continue;
    const verdict = ctx.variant.vmaVerdict(liveFlags(ctx, mm, index, vma));
    if (verdict === 'stop') break; // H3: walk_page_mapping() breaks out of the whole walk
    if (verdict === 'skip') continue;
    if (verdict === 'skip-warn') {
      e.push({
        type: 'warn',
        tid: ctx.tid,
        what: `${fnName(ctx, frame)}: VMA without VM_IO or with VM_HUGETLB`,
      });
      continue;
    }
    const clipFrom = vma.start + Math.max(first, vma.pgoff) - vma.pgoff;
    const clipTo = vma.start + Math.min(last, vma.pgoff + vma.npages) - vma.pgoff;
    if (clipFrom >= clipTo) continue;
    e.set(HelperSlot.Vma, i)
      .set(HelperSlot.Mm, mm)
      .set(HelperSlot.ClipFrom, clipFrom)
      .set(HelperSlot.ClipTo, clipTo)
      .set(HelperSlot.WinFrom, clipTo)
      .set(HelperSlot.WinTo, clipFrom)
      .set(HelperSlot.Vpn, clipFrom)
      .goto(ctx.variant.flushPending ? 2 : 3);
    // R1: invalidate_range_start before any PTE of the range is touched; then
    // flush_cache_range (a no-op on x86/arm64/riscv, not recorded).
    e.push(...mmuNotifierInvalidateRangeStart(ctx, mm, clipFrom, clipTo));
    return;
  }
  // H1: i_mmap_unlock_read; return the count of modified PTEs.
  e.release(ctx.layout.immapLock, 'r');
  e.push({
    type: 'helper/return',
    tid: ctx.tid,
    fn: fnName(ctx, frame),
    total: local(frame, HelperSlot.Total),
  });
  e.ret();
}

/**
 * The VMA as the helper sees it now: `READ_ONCE(vma->vm_flags)` (H3-v4, H3) includes an
 * mprotect's change of VM_WRITE (state.vmWrite), not only the scenario's flags.
 */
function liveFlags(ctx: StepCtx, mm: number, index: number, vma: VmaSpec): VmaSpec {
  const w = ctx.state.vmWrite?.[mm]?.[index];
  if (w === undefined || (w === 1) === vma.flags.includes('write')) return vma;
  return {
    ...vma,
    flags: w === 1 ? [...vma.flags, 'write'] : vma.flags.filter((f) => f !== 'write'),
  };
}

/** After PTE `vpn`: move on, dropping the PTL at a table or range end (H5). */
function advance(ctx: StepCtx, frame: FrameView, e: Emit, vpn: number, ptl: number): void {
  const next = vpn + 1;
  const clipTo = local(frame, HelperSlot.ClipTo);
  const endOfTable = next % ctx.layout.ptesPerTable === 0;
  if (next >= clipTo || endOfTable) {
    e.release(ptl);
    e.set(HelperSlot.Ptl, -1);
  }
  e.set(HelperSlot.Vpn, next).goto(next >= clipTo ? 5 : 3);
}

export const helperProgram: StepMachine = {
  // A clean caller's private bitmap moves with it under symmetry.
  ids: { bitmap: [HelperSlot.Bm] },
  options(ctx, frame) {
    switch (frame.pc) {
      case 0:
        return canAcquire(ctx.state, ctx.layout.immapLock, 'r') ? 1 : 0;
      case 3: {
        if (local(frame, HelperSlot.Ptl) !== -1) return 1;
        const ptl = ptlLock(ctx.layout, local(frame, HelperSlot.Mm), local(frame, HelperSlot.Vpn));
        return canAcquire(ctx.state, ptl, 'w') ? 1 : 0;
      }
      default:
        return 1;
    }
  },
  step(ctx, frame) {
    const e = new Emit(ctx.tid);
    const mm = local(frame, HelperSlot.Mm);
    const isWp = local(frame, HelperSlot.Op) === 0;
    switch (frame.pc) {
      case 0:
        e.push({
          type: 'helper/call',
          tid: ctx.tid,
          fn: fnName(ctx, frame),
          first: local(frame, HelperSlot.First),
          nr: local(frame, HelperSlot.Nr),
        });
        e.acquire(ctx.layout.immapLock, 'r'); // H1
        nextVma(ctx, frame, e, 0);
        return e.ev;
      case 1:
        nextVma(ctx, frame, e, local(frame, HelperSlot.Vma));
        return e.ev;
      case 2:
        // H4: inc_tlb_flush_pending() before taking any PTL (§1.6 ordering contract).
        e.push({ type: 'pending/inc', tid: ctx.tid, mm });
        return e.goto(3).ev;
      case 3: {
        const vpn = local(frame, HelperSlot.Vpn);
        let ptl = local(frame, HelperSlot.Ptl);
        if (ptl === -1) {
          ptl = ptlLock(ctx.layout, mm, vpn);
          e.acquire(ptl);
          e.set(HelperSlot.Ptl, ptl);
        }
        const pte = ctx.state.mms[mm]?.ptes[vpn] ?? PTE_NONE;
        const applicable =
          pteIsPresent(pte) && (isWp ? ctx.arch.pteWrite(pte) : ctx.arch.pteDirty(pte));
        if (applicable) {
          // P1: old = ptep_modify_prot_start(): atomically fetch and clear to none.
          // naive-rmw: a plain read; the PTE stays live, so the MMU can still set A/D in it.
          if (ctx.variant.rmw !== 'naive') e.push(ptepModifyProtStart(ctx.tid, mm, vpn));
          e.set(HelperSlot.Old, pte);
          return e.goto(4).ev;
        }
        // wp_pte(): already read-only; this caller relies on whoever made it so to flush.
        if (isWp && pteIsPresent(pte)) e.push({ type: 'ghost/wp-seen', tid: ctx.tid, mm, vpn });
        advance(ctx, frame, e, vpn, ptl);
        return e.ev;
      }
      case 4: {
        const vpn = local(frame, HelperSlot.Vpn);
        const old = local(frame, HelperSlot.Old);
        const opts = ctx.layout.scenario.options.arch;
        // P2: ptep_modify_prot_commit(old, new) under the same PTL. H7: wrprotect; H8: mkclean.
        const next = isWp ? ctx.arch.pteWrprotect(old, opts) : ctx.arch.pteMkclean(old);
        // naive-rmw: set_pte_at() of the value computed from the early read (no P2).
        const naive = ctx.variant.rmw === 'naive';
        e.push(
          ptepModifyProtCommit(
            ctx.tid,
            mm,
            vpn,
            next,
            naive ? 'set_pte_at' : 'ptep_modify_prot_commit',
          ),
        );
        e.set(HelperSlot.Total, local(frame, HelperSlot.Total) + 1)
          .set(HelperSlot.WinFrom, Math.min(local(frame, HelperSlot.WinFrom), vpn))
          .set(HelperSlot.WinTo, Math.max(local(frame, HelperSlot.WinTo), vpn + 1));
        if (isWp) e.push({ type: 'ghost/wp-seen', tid: ctx.tid, mm, vpn });
        else {
          // H8: bit = page offset - bitmap_pgoff (bitmap_pgoff = 0), __set_bit (non-atomic).
          const { vma } = at(mappingVmas(ctx.layout.scenario), local(frame, HelperSlot.Vma));
          const page = vma.pgoff + (vpn - vma.start);
          const bm = local(frame, HelperSlot.Bm);
          e.push({ type: 'bitmap/set', tid: ctx.tid, bm, bit: page });
          if (bm === 0) {
            const b = ctx.state.bounds;
            const start = Math.min(b.start, page);
            const end = Math.max(b.end, page + 1);
            if (start !== b.start || end !== b.end)
              e.push({ type: 'bounds/set', tid: ctx.tid, start, end });
          }
        }
        if (ctx.variant.flushUnderPtl) return e.goto(9).ev;
        advance(ctx, frame, e, vpn, local(frame, HelperSlot.Ptl));
        return e.ev;
      }
      case 9: {
        // flush-under-ptl: flush_tlb_page() of the PTE just changed, before its PTL is dropped.
        const vpn = local(frame, HelperSlot.Vpn);
        e.push(...flushTlbRange(ctx, mm, vpn, vpn + 1, true).events);
        advance(ctx, frame, e, vpn, local(frame, HelperSlot.Ptl));
        return e.ev;
      }
      case 5: {
        const range = ctx.variant.flushRange({
          pending: ctx.state.mms[mm]?.pending ?? 0,
          window: [local(frame, HelperSlot.WinFrom), local(frame, HelperSlot.WinTo)],
          clip: [local(frame, HelperSlot.ClipFrom), local(frame, HelperSlot.ClipTo)],
        });
        if (range === null) {
          e.push({
            type: 'notifier/end',
            tid: ctx.tid,
            mm,
            from: local(frame, HelperSlot.ClipFrom),
            to: local(frame, HelperSlot.ClipTo),
          });
          return e.goto(8).ev;
        }
        const [from, to] = range;
        const f = flushTlbRange(ctx, mm, from, to);
        e.push(...f.events);
        if (f.remaining === 0) return e.goto(7).ev;
        return e
          .set(HelperSlot.FlFrom, from)
          .set(HelperSlot.FlTo, to)
          .set(HelperSlot.CpuI, f.remaining)
          .goto(6).ev;
      }
      case 6: {
        // T1: the next CPU's shootdown; the caller waits until all are done.
        const f = flushTlbRangeContinue(
          ctx,
          mm,
          local(frame, HelperSlot.FlFrom),
          local(frame, HelperSlot.FlTo),
          local(frame, HelperSlot.CpuI),
        );
        e.push(...f.events);
        if (f.remaining === 0) return e.goto(7).ev;
        return e.set(HelperSlot.CpuI, f.remaining).ev;
      }
      case 7:
        // R7: invalidate_range_end after the flush.
        e.push({
          type: 'notifier/end',
          tid: ctx.tid,
          mm,
          from: local(frame, HelperSlot.ClipFrom),
          to: local(frame, HelperSlot.ClipTo),
        });
        return e.goto(8).ev;
      case 8:
        // H4/R9: dec_tlb_flush_pending() after the end; then the next VMA (or return, same step).
        if (ctx.variant.flushPending) e.push({ type: 'pending/dec', tid: ctx.tid, mm });
        e.goto(1);
        nextVma(ctx, frame, e, local(frame, HelperSlot.Vma) + 1);
        return e.ev;
      default:
        throw new Error(`helper: bad pc ${frame.pc}`);
    }
  },
};
