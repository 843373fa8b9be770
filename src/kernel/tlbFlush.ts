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

/**
 * flush_tlb_range(vma, from, to) as step-machine events (SEMANTICS §5):
 * - 'broadcast' archs (arm64: dsb(ishst); tlbi ...is; dsb(ish)): every target in this one step,
 *   no IPI (T3). With arch option `tlbi: nosync` the final DSB is missing: each target only owes
 *   the invalidation (`tlb/defer`) and drops the entries at its next barrier.
 * - 'ipi' archs (x86 flush_tlb_mm_range → native_flush_tlb_multi; RISC-V remote sfence): lazy-TLB
 *   CPUs are skipped and owe a catch-up (T2); the others are shot down, all in this step when the
 *   scenario's `flush` is 'atomic' (or `atomic` is forced), else one CPU per step with the caller
 *   waiting until every IPI was acknowledged (T1).
 */
export function flushTlbRange(
  ctx: StepCtx,
  mm: number,
  from: number,
  to: number,
  atomic = false,
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
  let ipi = 0;
  for (const cpu of cpus) {
    if (ctx.state.cpus?.[cpu]?.lazy === 1)
      ev.push({ type: 'tlb/defer', tid, cpu, mm }); // T2
    else ipi |= 1 << cpu;
  }
  const perCpu = !atomic && ctx.layout.scenario.options.flush === 'per-cpu';
  return shootdown(ctx, mm, from, to, ipi, perCpu, ev);
}

/** The next IPI(s) of a per-CPU shootdown in progress (T1); flush/done after the last. */
export function flushTlbRangeContinue(
  ctx: StepCtx,
  mm: number,
  from: number,
  to: number,
  remaining: number,
): FlushStep {
  return shootdown(ctx, mm, from, to, remaining, true, []);
}

function shootdown(
  ctx: StepCtx,
  mm: number,
  from: number,
  to: number,
  mask: number,
  perCpu: boolean,
  ev: SimEvent[],
): FlushStep {
  let left = mask;
  for (let cpu = 0; left !== 0 && cpu < 31; cpu++) {
    if ((left & (1 << cpu)) === 0) continue;
    ev.push({ type: 'tlb/flush', tid: ctx.tid, cpu, mm, from, to });
    left &= ~(1 << cpu);
    if (perCpu) break;
  }
  if (left === 0) ev.push({ type: 'flush/done', tid: ctx.tid, mm, from, to });
  return { events: ev, remaining: left };
}
