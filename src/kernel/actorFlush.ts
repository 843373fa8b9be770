import type { Emit } from './machine.js';
import type { StepCtx } from './step.js';
import { flushTlbRange } from './tlbFlush.js';

/**
 * flush_tlb_range()/flush_tlb_mm() for the other actors of an mm, as one synchronous step
 * (docs/rules/tlb.md §5, T1): the shootdown of every target happens in this step (lazy-TLB CPUs and
 * the arm64 nosync flavour are honoured by flushTlbRange, T2/T3). Only the helpers model the
 * per-CPU IPI steps.
 */
export function flushTlbSync(ctx: StepCtx, e: Emit, mm: number, from: number, to: number): void {
  e.pushAll(flushTlbRange(ctx, mm, from, to, true).events);
}

/** flush_tlb_mm(): the whole address space of `mm`. */
export function flushTlbMm(ctx: StepCtx, e: Emit, mm: number): void {
  flushTlbSync(ctx, e, mm, 0, ctx.layout.mmSize[mm] ?? 0);
}

/**
 * flush_tlb_batched_pending() (mm/rmap.c): if reclaim deferred a flush of this mm
 * (tlb_flush_batched pending != flushed), flush the whole mm and record the generation
 * (the atomic_cmpxchg of `flushed`). Called with the PTL held by mprotect, munmap and
 * madvise — never by the helpers (H13).
 */
export function flushTlbBatchedPending(ctx: StepCtx, e: Emit, mm: number): void {
  const u = ctx.state.ubc?.[mm];
  if (!u || u.pending === u.flushed) return;
  flushTlbMm(ctx, e, mm);
  e.push({ type: 'ubc/flushed', tid: ctx.tid, mm, gen: u.pending });
}
