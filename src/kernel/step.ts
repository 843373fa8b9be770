import type { SimEvent } from '../events/index.js';
import type { ArchModel } from '../arch/types.js';
import type { Layout } from '../state/layout.js';
import type { FrameView, SimState } from '../state/types.js';
import type { HelperVariant } from './variants/types.js';

/** Everything a step machine may read. decide() builds one per step; nothing here is mutable. */
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
  options(ctx: StepCtx, frame: FrameView): number;
  step(ctx: StepCtx, frame: FrameView, choice: number): SimEvent[];
  /**
   * Local slots holding ids that symmetry reduction renames when it swaps threads (`tid`: a
   * thread id or -1) or their private bitmaps (`bitmap`: a bitmap id). Slots not listed hold
   * no such id (src/state/schema.ts, frame locals).
   */
  readonly ids?: { readonly tid?: readonly number[]; readonly bitmap?: readonly number[] };
}

/** Event builder for one step. Frame edits (goto/set) must precede a call (which pushes). */
export class Emit {
  readonly ev: SimEvent[] = [];
  constructor(readonly tid: number) {}
  push(...e: SimEvent[]): this {
    this.ev.push(...e);
    return this;
  }
  goto(pc: number): this {
    this.ev.push({ type: 'thread/goto', tid: this.tid, pc });
    return this;
  }
  set(slot: number, value: number): this {
    this.ev.push({ type: 'thread/set', tid: this.tid, slot, value });
    return this;
  }
  call(fn: string, l: readonly number[]): this {
    this.ev.push({ type: 'thread/call', tid: this.tid, fn, l });
    return this;
  }
  ret(): this {
    this.ev.push({ type: 'thread/return', tid: this.tid });
    return this;
  }
  acquire(lock: number, mode: 'r' | 'w' = 'w'): this {
    this.ev.push({ type: 'lock/acquire', tid: this.tid, lock, mode });
    return this;
  }
  release(lock: number, mode: 'r' | 'w' = 'w'): this {
    this.ev.push({ type: 'lock/release', tid: this.tid, lock, mode });
    return this;
  }
}

/** Lock availability: a rwsem reader waits for a writer; a writer/spinlock for everyone. */
export function canAcquire(state: SimState, lock: number, mode: 'r' | 'w'): boolean {
  const l = state.locks[lock];
  if (!l) return false;
  return mode === 'r' ? l.owner === -1 : l.owner === -1 && l.readers === 0;
}

export function local(frame: FrameView, slot: number): number {
  return frame.l[slot] ?? 0;
}
