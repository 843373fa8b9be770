import { at } from '../errors.js';
import type { SimEvent } from '../events/index.js';
import { pteIsPresent } from '../state/pte.js';
import type { FrameView } from '../state/types.js';
import { canAcquire, type StepCtx, type StepMachine } from './step.js';
import { defineMachine, resultSlotOf, type EmitOf } from './machine.js';
import { ptePeek, PteWalk } from './pteWalk.js';
import { ptepModifyProtCommit, ptepModifyProtStart } from './ptepModifyProt.js';
import { mappingVmas } from './vmas.js';
import type { VmaSpec } from '../scenario/types.js';
import { mmuNotifierInvalidateRangeStart } from './notifier.js';
import {
  flushContinueOptions,
  flushOptions,
  flushTlbRange,
  flushTlbRangeContinue,
} from './tlbFlush.js';

/**
 * The dirty-tracking helpers, step by step, for every variant (docs/rules/helpers.md §1, H1–H10):
 * seed-v4 apply_as_range() and upstream walk_page_mapping() share this order and differ in
 * the variant's VMA verdict (H3) and flush range (H9).
 *
 * Locals and labels: {@link HELPER} (declared once; the log records their numbers).
 *
 * Variant knobs: `rmw: 'naive'` makes pc 3 a plain read and pc 4 a plain store of the value
 * computed from it (no P1/P2); `flushUnderPtl` inserts pc 9 after every commit. The flush itself
 * (T1–T3: IPIs, lazy CPUs, arm64 broadcast/nosync) is src/kernel/tlbFlush.ts.
 */
export const HELPER = defineMachine('helper', {
  locals: [
    /** 0 wrprotect, 1 clean. */
    'op',
    'first',
    'nr',
    /** The bitmap id a clean records into (symmetry renames it: `ids` below). */
    'bm',
    /** PTEs modified so far (the helper's return value). */
    'total',
    /** Index of the current VMA in the i_mmap order (H2). */
    'vma',
    'vpn',
    /** The current VMA clipped to [first, first + nr), as vpns [from, to). */
    'clipFrom',
    'clipTo',
    /** The window of PTEs changed in this VMA [from, to) (H9). */
    'winFrom',
    'winTo',
    /** The range being flushed [from, to). */
    'flFrom',
    'flTo',
    /** Bitmask of CPUs still owed a shootdown IPI (T1). */
    'cpus',
    /** The PTE read by ptep_modify_prot_start (P1). */
    'old',
    'mm',
    /** The PTL held (-1 = none). */
    'ptl',
  ],
  labels: [
    /** i_mmap_lock_read (H1). */
    'immapLock',
    /** Next VMA: verdict, clip, notifier start (H2–H4, R1). */
    'nextVma',
    /** inc_tlb_flush_pending (H4). */
    'pendingInc',
    /** [PTL] read PTE, ptep_modify_prot_start (H5, P1). */
    'pte',
    /** ptep_modify_prot_commit (P2, H7/H8), [unlock PTL at table/range end]. */
    'commit',
    /** post_vma: flush decision + flush_tlb_range start (H9, T1). */
    'postVma',
    /** Shootdown of the next CPU (per-cpu flush, T1). */
    'shootdown',
    /** invalidate_range_end (R7). */
    'notifierEnd',
    /** dec_tlb_flush_pending (H4, R9), next VMA. */
    'pendingDec',
    /** flush-under-ptl variant only: flush the PTE just committed, PTL still held. */
    'flushUnderPtl',
  ],
});

const walk = new PteWalk(HELPER, 'ptl');
const P = HELPER.pc;
type HelperEmit = EmitOf<typeof HELPER>;

/** Initial locals of a helper call. */
export function helperArgs(
  op: 'wrprotect' | 'clean',
  first: number,
  nr: number,
  bm: number,
): { op: number; first: number; nr: number; bm: number; ptl: number } {
  return { op: op === 'wrprotect' ? 0 : 1, first, nr, bm, ptl: -1 };
}

const get = HELPER.get;

/** R7: invalidate_range_end over the clipped VMA range, then H4's dec_tlb_flush_pending. */
function notifierEnd(ctx: StepCtx, mm: number, frame: FrameView, e: HelperEmit): HelperEmit['ev'] {
  e.push({
    type: 'notifier/end',
    tid: ctx.tid,
    mm,
    from: get(frame, 'clipFrom'),
    to: get(frame, 'clipTo'),
  });
  return e.goto('pendingDec').ev;
}

function fnName(ctx: StepCtx, frame: FrameView): string {
  return get(frame, 'op') === 0 ? ctx.variant.fnNames.wrprotect : ctx.variant.fnNames.clean;
}

/**
 * Walk the interval tree from VMA index `from` (H2): apply the variant's verdict (H3), clip,
 * and either open the notifier window of the next processed VMA or leave the helper.
 */
function nextVma(ctx: StepCtx, frame: FrameView, e: HelperEmit, from: number): void {
  const vmas = mappingVmas(ctx.layout.scenario);
  const first = get(frame, 'first');
  const last = first + get(frame, 'nr');
  for (let i = from; i < vmas.length; i++) {
    const { mm, index, vma } = at(vmas, i);
    if (vma.pgoff >= last || vma.pgoff + vma.npages <= first) continue;
    const flags = liveFlags(ctx, mm, index, vma);
    const verdict = ctx.variant.vmaVerdict(flags);
    if (verdict === 'stop' || verdict === 'skip') e.push(skipVma(ctx, mm, index, flags, verdict));
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
    e.set('vma', i)
      .set('mm', mm)
      .set('clipFrom', clipFrom)
      .set('clipTo', clipTo)
      .set('winFrom', clipTo)
      .set('winTo', clipFrom)
      .set('vpn', clipFrom)
      .goto(ctx.variant.flushPending ? 'pendingInc' : 'pte');
    // R1: invalidate_range_start before any PTE of the range is touched; then
    // flush_cache_range (a no-op on x86/arm64/riscv, not recorded).
    e.pushAll(mmuNotifierInvalidateRangeStart(ctx, mm, clipFrom, clipTo));
    return;
  }
  // H1: i_mmap_unlock_read; return the count of modified PTEs.
  e.release(ctx.layout.immapLock, 'r');
  e.push({
    type: 'helper/return',
    tid: ctx.tid,
    fn: fnName(ctx, frame),
    total: get(frame, 'total'),
  });
  e.ret();
  // The caller's frame receives the count when its machine uses it (vmwgfx's scans, V5).
  const stack = ctx.state.threads[ctx.tid]?.stack ?? [];
  const slot = resultSlotOf(stack[stack.length - 2]?.fn ?? '');
  if (slot !== undefined)
    e.push({ type: 'thread/set', tid: ctx.tid, slot, value: get(frame, 'total') });
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

/** H9: the range post_vma flushes (the variant's rule), or null for no flush. */
function flushRangeOf(ctx: StepCtx, frame: FrameView): readonly [number, number] | null {
  return ctx.variant.flushRange({
    pending: ctx.state.mms[get(frame, 'mm')]?.pending ?? 0,
    window: [get(frame, 'winFrom'), get(frame, 'winTo')],
    clip: [get(frame, 'clipFrom'), get(frame, 'clipTo')],
  });
}

/** The decision event of a VMA the walk leaves out (H3 stops, H3-v4 skips). */
function skipVma(
  ctx: StepCtx,
  mm: number,
  vma: number,
  flags: VmaSpec,
  verdict: 'skip' | 'stop',
): SimEvent {
  const why = ctx.variant.vmaReason?.(flags) ?? `rejected by ${ctx.variant.name}`;
  return { type: 'decide/skip-vma', tid: ctx.tid, mm, vma, why, stop: verdict === 'stop' ? 1 : 0 };
}

/**
 * The decision at post_vma when it is one a reader needs (H9 / H9-v4): no flush because this
 * caller changed no PTE (or the variant flushes no range), or a flush that only
 * mm_tlb_flush_nested() asked for (the range the variant would flush with pending = 1 differs).
 */
function skipFlush(
  ctx: StepCtx,
  mm: number,
  frame: FrameView,
  range: readonly [number, number] | null,
): SimEvent | null {
  const clip = [get(frame, 'clipFrom'), get(frame, 'clipTo')] as const;
  const window = [get(frame, 'winFrom'), get(frame, 'winTo')] as const;
  const pending = ctx.state.mms[mm]?.pending ?? 0;
  if (range === null) {
    const why = window[0] < window[1] ? 'variant' : 'empty';
    return { type: 'decide/skip-flush', tid: ctx.tid, mm, from: clip[0], to: clip[1], why };
  }
  if (pending <= 1) return null;
  const alone = ctx.variant.flushRange({ pending: 1, window, clip });
  if (alone !== null && alone[0] === range[0] && alone[1] === range[1]) return null;
  return { type: 'decide/nested-flush', tid: ctx.tid, mm, from: range[0], to: range[1] };
}

/** After PTE `vpn`: move on, dropping the PTL at a table or range end (H5). */
function advance(ctx: StepCtx, frame: FrameView, e: HelperEmit, vpn: number, ptl: number): void {
  const next = vpn + 1;
  const clipTo = get(frame, 'clipTo');
  walk.unlockUnlessNext(ctx, e, get(frame, 'mm'), ptl, next < clipTo ? next : undefined);
  e.set('vpn', next).goto(next >= clipTo ? 'postVma' : 'pte');
}

export const helperProgram: StepMachine = {
  layout: HELPER,
  // A clean caller's private bitmap moves with it under symmetry.
  ids: { bitmap: [HELPER.slot.bm] },
  options(ctx, frame) {
    switch (frame.pc) {
      case P.immapLock:
        return canAcquire(ctx.state, ctx.layout.immapLock, 'r') ? 1 : 0;
      case P.pte:
        return walk.ready(ctx, frame, get(frame, 'mm'), get(frame, 'vpn'));
      case P.postVma:
        // T8: which targeted CPU's IPI completes first is a choice (only if a flush is made).
        return flushRangeOf(ctx, frame) === null ? 1 : flushOptions(ctx, get(frame, 'mm'));
      case P.shootdown:
        return flushContinueOptions(ctx, get(frame, 'cpus'));
      default:
        return 1;
    }
  },
  step(ctx, frame, choice) {
    const e = HELPER.emit(ctx.tid);
    const mm = get(frame, 'mm');
    const isWp = get(frame, 'op') === 0;
    switch (frame.pc) {
      case P.immapLock:
        e.push({
          type: 'helper/call',
          tid: ctx.tid,
          fn: fnName(ctx, frame),
          first: get(frame, 'first'),
          nr: get(frame, 'nr'),
        });
        e.acquire(ctx.layout.immapLock, 'r'); // H1
        nextVma(ctx, frame, e, 0);
        return e.ev;
      case P.nextVma:
        nextVma(ctx, frame, e, get(frame, 'vma'));
        return e.ev;
      case P.pendingInc:
        // H4: inc_tlb_flush_pending() before taking any PTL (§1.6 ordering contract).
        e.push({ type: 'pending/inc', tid: ctx.tid, mm });
        return e.goto('pte').ev;
      case P.pte: {
        const vpn = get(frame, 'vpn');
        const { ptl } = walk.lock(ctx, frame, e, mm, vpn);
        const pte = ptePeek(ctx, mm, vpn);
        const applicable =
          pteIsPresent(pte) && (isWp ? ctx.arch.pteWrite(pte) : ctx.arch.pteDirty(pte));
        if (applicable) {
          // P1: old = ptep_modify_prot_start(): atomically fetch and clear to none.
          // naive-rmw: a plain read; the PTE stays live, so the MMU can still set A/D in it.
          if (ctx.variant.rmw !== 'naive') e.push(ptepModifyProtStart(ctx.tid, mm, vpn));
          e.set('old', pte);
          return e.goto('commit').ev;
        }
        // wp_pte(): already read-only; this caller relies on whoever made it so to flush.
        if (isWp && pteIsPresent(pte)) e.push({ type: 'ghost/wp-seen', tid: ctx.tid, mm, vpn });
        advance(ctx, frame, e, vpn, ptl);
        return e.ev;
      }
      case P.commit: {
        const vpn = get(frame, 'vpn');
        const old = get(frame, 'old');
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
        e.set('total', get(frame, 'total') + 1)
          .set('winFrom', Math.min(get(frame, 'winFrom'), vpn))
          .set('winTo', Math.max(get(frame, 'winTo'), vpn + 1));
        if (isWp) e.push({ type: 'ghost/wp-seen', tid: ctx.tid, mm, vpn });
        else {
          // H8: bit = page offset - bitmap_pgoff (bitmap_pgoff = 0), __set_bit (non-atomic).
          const { vma } = at(mappingVmas(ctx.layout.scenario), get(frame, 'vma'));
          const page = vma.pgoff + (vpn - vma.start);
          const bm = get(frame, 'bm');
          e.push({ type: 'bitmap/set', tid: ctx.tid, bm, bit: page });
          if (bm === 0) {
            const b = ctx.state.bounds;
            const start = Math.min(b.start, page);
            const end = Math.max(b.end, page + 1);
            if (start !== b.start || end !== b.end)
              e.push({ type: 'bounds/set', tid: ctx.tid, start, end });
          }
        }
        if (ctx.variant.flushUnderPtl) return e.goto('flushUnderPtl').ev;
        advance(ctx, frame, e, vpn, walk.held(frame));
        return e.ev;
      }
      case P.flushUnderPtl: {
        // flush-under-ptl: flush_tlb_page() of the PTE just changed, before its PTL is dropped.
        const vpn = get(frame, 'vpn');
        e.pushAll(flushTlbRange(ctx, mm, vpn, vpn + 1, true).events);
        advance(ctx, frame, e, vpn, walk.held(frame));
        return e.ev;
      }
      case P.postVma: {
        const range = flushRangeOf(ctx, frame);
        const why = skipFlush(ctx, mm, frame, range);
        if (why) e.push(why);
        if (range === null) {
          return notifierEnd(ctx, mm, frame, e);
        }
        const [from, to] = range;
        const f = flushTlbRange(ctx, mm, from, to, false, choice);
        e.pushAll(f.events);
        if (f.remaining === 0) return e.goto('notifierEnd').ev;
        return e.set('flFrom', from).set('flTo', to).set('cpus', f.remaining).goto('shootdown').ev;
      }
      case P.shootdown: {
        // T1: the next CPU's shootdown; the caller waits until all are done.
        const f = flushTlbRangeContinue(
          ctx,
          mm,
          get(frame, 'flFrom'),
          get(frame, 'flTo'),
          get(frame, 'cpus'),
          choice,
        );
        e.pushAll(f.events);
        if (f.remaining === 0) return e.goto('notifierEnd').ev;
        return e.set('cpus', f.remaining).ev;
      }
      case P.notifierEnd:
        // R7: invalidate_range_end after the flush.
        return notifierEnd(ctx, mm, frame, e);
      case P.pendingDec:
        // H4/R9: dec_tlb_flush_pending() after the end; then the next VMA (or return, same step).
        if (ctx.variant.flushPending) e.push({ type: 'pending/dec', tid: ctx.tid, mm });
        e.goto('nextVma');
        nextVma(ctx, frame, e, get(frame, 'vma') + 1);
        return e.ev;
      default:
        return HELPER.badPc(frame);
    }
  },
};
