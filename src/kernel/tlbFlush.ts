import { invariant } from '../errors.js';
import type { SimEvent } from '../events/index.js';
import type { StepCtx } from './step.js';

/** mm_cpumask(mm): the CPUs that run user threads of the mm (the flush targets, T1). */
export function flushTargets(ctx: StepCtx, mm: number): readonly number[] {
  return ctx.layout.mmCpus[mm] ?? [];
}

/** The flush events of this step, and the CPUs (bitmask) still to be shot down in later steps. */
export interface FlushStep {
  readonly events: SimEvent[];
  /** Bit c: CPU c still needs its IPI; 0 = the flush completed in this step (flush/done emitted). */
  readonly remaining: number;
}

/** Bit c: CPU c is sent an IPI by a shootdown of `mm` now ('ipi' archs; lazy CPUs skipped, T2). */
function ipiMask(ctx: StepCtx, mm: number): number {
  let ipi = 0;
  for (const cpu of flushTargets(ctx, mm)) if (ctx.state.cpus?.[cpu]?.lazy !== 1) ipi |= 1 << cpu;
  return ipi;
}

function popcount(mask: number): number {
  let n = 0;
  for (let m = mask; m !== 0; m &= m - 1) n++;
  return n;
}

/** Does a per-CPU shootdown let the CPUs complete in any order (T8)? */
function anyOrder(ctx: StepCtx): boolean {
  const o = ctx.layout.scenario.options;
  return o.flush === 'per-cpu' && o.shootdownOrder !== 'ascending';
}

/**
 * T8: how many alternatives the first step of a per-CPU flush of `mm` has: one per CPU that
 * is sent an IPI (which completes first is a recorded choice), 1 when the flush is one step
 * (broadcast archs, `flush: atomic`, `shootdownOrder: ascending`, at most one target).
 */
export function flushOptions(ctx: StepCtx, mm: number): number {
  if (ctx.arch.flushStyle === 'broadcast' || !anyOrder(ctx)) return 1;
  return Math.max(1, popcount(ipiMask(ctx, mm)));
}

/** T8: alternatives of a later step of a per-CPU shootdown (`remaining` CPUs still owed). */
export function flushContinueOptions(ctx: StepCtx, remaining: number): number {
  return anyOrder(ctx) ? Math.max(1, popcount(remaining)) : 1;
}

/**
 * flush_tlb_range(vma, from, to) as step-machine events (docs/rules/tlb.md §5):
 * - 'broadcast' archs (arm64: dsb(ishst); tlbi ...is; dsb(ish)): every target in this one step,
 *   no IPI (T3). With arch option `tlbi: nosync` the final DSB is missing: each target only owes
 *   the invalidation (`tlb/defer`) and drops the entries at its next barrier.
 * - 'ipi' archs (x86 flush_tlb_mm_range → native_flush_tlb_multi; RISC-V remote sfence): lazy-TLB
 *   CPUs are skipped and owe a catch-up (T2); the others are shot down, all in this step when the
 *   scenario's `flush` is 'atomic' (or `atomic` is forced), else one CPU per step with the caller
 *   waiting until every IPI was acknowledged (T1). Which CPU completes in each step is the
 *   step's `choice`, the index among the CPUs still owed in ascending order (T8: IPIs complete
 *   in any order); `shootdownOrder: ascending` pins choice 0, the lowest CPU first.
 */
export function flushTlbRange(
  ctx: StepCtx,
  mm: number,
  from: number,
  to: number,
  atomic = false,
  choice = 0,
): FlushStep {
  const ev: SimEvent[] = [{ type: 'flush/start', tid: ctx.tid, mm, from, to }];
  const cpus = flushTargets(ctx, mm);
  const tid = ctx.tid;
  if (ctx.arch.flushStyle === 'broadcast') {
    const nosync = ctx.layout.scenario.options.arch['tlbi'] === 'nosync';
    for (const cpu of cpus)
      ev.push(
        nosync
          ? { type: 'tlb/defer', tid, cpu, mm }
          : { type: 'tlb/flush', tid, cpu, mm, from, to },
      );
    ev.push({ type: 'flush/done', tid, mm, from, to });
    return { events: ev, remaining: 0 };
  }
  for (const cpu of cpus)
    if (ctx.state.cpus?.[cpu]?.lazy === 1) ev.push({ type: 'tlb/defer', tid, cpu, mm }); // T2
  const perCpu = !atomic && ctx.layout.scenario.options.flush === 'per-cpu';
  return shootdown(ctx, mm, from, to, ipiMask(ctx, mm), perCpu, ev, choice);
}

/** The next IPI(s) of a per-CPU shootdown in progress (T1); flush/done after the last. */
export function flushTlbRangeContinue(
  ctx: StepCtx,
  mm: number,
  from: number,
  to: number,
  remaining: number,
  choice = 0,
): FlushStep {
  return shootdown(ctx, mm, from, to, remaining, true, [], choice);
}

function shootdown(
  ctx: StepCtx,
  mm: number,
  from: number,
  to: number,
  mask: number,
  perCpu: boolean,
  ev: SimEvent[],
  choice: number,
): FlushStep {
  let left = mask;
  let skip = perCpu ? choice : 0; // T8: the choice-th owed CPU completes in this step
  for (let cpu = 0; left !== 0 && cpu < 31; cpu++) {
    if ((left & (1 << cpu)) === 0) continue;
    if (skip > 0) {
      skip--;
      continue;
    }
    ev.push({ type: 'tlb/flush', tid: ctx.tid, cpu, mm, from, to });
    left &= ~(1 << cpu);
    if (perCpu) break;
  }
  // The message is built only when it fails (a template per call costs a string each step).
  if (skip !== 0) invariant(false, `shootdown choice ${choice} beyond the CPUs still owed`);
  if (left === 0) ev.push({ type: 'flush/done', tid: ctx.tid, mm, from, to });
  return { events: ev, remaining: left };
}
