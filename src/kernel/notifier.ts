import type { SimEvent } from '../events/index.js';
import type { StepCtx } from './step.js';

/**
 * mmu_notifier_invalidate_range_start() (mm/mmu_notifier.c): opens the window (R1) and runs
 * every overlapping interval subscription's invalidate() callback, which sets the subscription's
 * sequence to the odd cur_seq and removes its SPTEs in range before returning (R4).
 */
export function mmuNotifierInvalidateRangeStart(
  ctx: StepCtx,
  mm: number,
  from: number,
  to: number,
): SimEvent[] {
  const ev: SimEvent[] = [{ type: 'notifier/start', tid: ctx.tid, mm, from, to }];
  const m = ctx.state.mms[mm];
  if (!m) return ev;
  const curSeq = m.active === 0 ? m.seq + 1 : m.seq; // odd while any invalidation is active (§6)
  ctx.state.smmus.forEach((sub, i) => {
    if (sub.mm === mm)
      ev.push({ type: 'smmu/invalidate', tid: ctx.tid, sub: i, mm, from, to, seq: curSeq });
  });
  return ev;
}
