import type { SimEvent } from '../events/index.js';
import type { MachineLayout } from './machine.js';
import { at, ModelInvariantError } from '../errors.js';
import type { ThreadSpec } from '../scenario/types.js';
import type { ArchModel } from '../arch/types.js';
import type { Layout } from '../state/layout.js';
import type { FrameView, SimState } from '../state/types.js';
import type { HelperVariant } from './variants/types.js';

/**
 * Everything a step machine may read; nothing here is mutable by a machine. decide() reuses one
 * context per thread and sets its `state` before each call, so a machine must not keep the
 * context (or hand it to anything that outlives the call).
 */
export interface StepCtx {
  readonly state: SimState;
  readonly layout: Layout;
  readonly arch: ArchModel;
  readonly variant: HelperVariant;
  readonly tid: number;
}

/**
 * A kernel routine, user program or hardware access as a step machine: `options` says how many
 * alternatives its next step has (0 = blocked on a lock or waiting), `step` returns the events
 * of alternative `choice`. Both are pure functions of (ctx, frame). A step is atomic: no other
 * thread runs between its events.
 */
export interface StepMachine {
  /** Its declared locals and labels (src/kernel/machine.ts). */
  readonly layout: MachineLayout;
  options(ctx: StepCtx, frame: FrameView): number;
  step(ctx: StepCtx, frame: FrameView, choice: number): SimEvent[];
  /**
   * Local slots holding ids that symmetry reduction renames when it swaps threads (`tid`: a
   * thread id or -1) or their private bitmaps (`bitmap`: a bitmap id). Slots not listed hold
   * no such id (src/state/schema.ts, frame locals).
   */
  readonly ids?: { readonly tid?: readonly number[]; readonly bitmap?: readonly number[] };
}

/** Lock availability: a rwsem reader waits for a writer; a writer/spinlock for everyone. */
export function canAcquire(state: SimState, lock: number, mode: 'r' | 'w'): boolean {
  const l = state.locks[lock];
  if (!l) return false;
  return mode === 'r' ? l.owner === -1 : l.owner === -1 && l.readers === 0;
}

/** Thread `ctx.tid`'s scenario spec, which must be of kind `kind` (or `alt`): the machine's own. */
export function threadSpec<TKind extends ThreadSpec['kind']>(
  ctx: StepCtx,
  kind: TKind,
  alt?: TKind,
): Extract<ThreadSpec, { kind: TKind }> {
  const spec = at(ctx.layout.scenario.threads, ctx.tid);
  if (spec.kind !== kind && spec.kind !== alt)
    throw new ModelInvariantError(`thread ${ctx.tid} is a ${spec.kind} thread, not ${kind}`);
  return spec as Extract<ThreadSpec, { kind: TKind }>;
}
