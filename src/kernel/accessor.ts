import { at, ModelInvariantError } from '../errors.js';
import type { StepCtx } from './step.js';

/** Who is accessing memory: a CPU running a user thread, or a device through its SPTEs. */
export interface Accessor {
  readonly kind: 'user' | 'device';
  readonly mm: number;
  /** The CPU, or -1 for a device (secondary MMU). */
  readonly cpu: number;
}

/**
 * The mm and CPU on whose behalf thread `ctx.tid` faults: a user thread's own, or for a device
 * thread the mm its secondary MMU mirrors (hmm_range_fault → handle_mm_fault runs the CPU fault
 * path for the device, docs/rules/notifier.md §6).
 */
export function accessorOf(ctx: StepCtx): Accessor {
  const spec = at(ctx.layout.scenario.threads, ctx.tid);
  if (spec.kind === 'user') return { kind: 'user', mm: spec.mm, cpu: spec.cpu };
  if (spec.kind === 'device')
    return { kind: 'device', mm: at(ctx.layout.scenario.secondaryMmus, spec.sub).mm, cpu: -1 };
  throw new ModelInvariantError(`thread ${ctx.tid} (${spec.kind}) does not access user memory`);
}
