import type { SimEvent } from '../events/index.js';
import { applyEvent } from '../evolve/index.js';
import type { Checks, FoundViolation } from '../check/checks.js';
import type { MutableSimState, SimState } from '../state/types.js';
import { stepOptions } from '../sim/decide.js';
import type { Model } from '../sim/model.js';
import { takeStep, type Enabled } from '../sim/step.js';
import { STATE_OPS } from './stateOps.js';
import { cloneTouched } from './cloneTouched.js';
import type { Footprints } from './footprint.js';
import type { LocalSteps } from './localStep.js';

export type { FoundViolation } from '../check/checks.js';

export interface Executed {
  readonly state: MutableSimState;
  readonly events: readonly SimEvent[];
  readonly violation: FoundViolation | null;
}

/**
 * Execute one scheduler pick on a copy-on-write successor of `parent` ({@link takeStep}, as
 * every driver does, so a violation found here is found again by `run --schedule`). `checks`
 * stops at its first violation (a search's {@link Checks} is made with `untilFirst`); null
 * checks nothing (re-executing a path that was checked when it was first taken).
 */
export function execute(
  model: Model,
  checks: Checks | null,
  parent: SimState,
  tid: number,
  choice: number,
  of: number,
  depth: number,
): Executed {
  return takeStep(model, parent, tid, choice, of, successor, checks, depth);
}

/** Copy only what the events touch; the rest is shared with the parent. */
const successor = (events: readonly SimEvent[], parent: SimState): MutableSimState =>
  cloneTouched(parent, events);

/** A transition executed with its footprint (sleep sets). */
export interface TrackedExecuted extends Executed {
  readonly reads: Set<number>;
  readonly writes: Set<number>;
}

/**
 * {@link execute}, recording the footprint: what `options`, `decide` and the checkers read
 * (on the parent and on the intermediate states) and what the recipes touch.
 */
export function executeTracked(
  model: Model,
  checks: Checks,
  fp: Footprints,
  parent: SimState,
  tid: number,
  choice: number,
  of: number,
  depth: number,
): TrackedExecuted {
  const reads = new Set<number>();
  const writes = new Set<number>();
  fp.track(parent, reads, (v) => stepOptions(model, v, tid));
  const state = STATE_OPS.clone(parent);
  const view = state as unknown as SimState;
  const step = fp.track(parent, reads, (v) =>
    takeStep(
      model,
      v,
      tid,
      choice,
      of,
      state,
      null,
      depth,
      (e, i) => fp.track(view, reads, (s) => checks.feed(e, i, s)),
      (s, e) =>
        fp.track(s as unknown as SimState, writes, (w) =>
          applyEvent(w as unknown as MutableSimState, e),
        ),
    ),
  );
  return { state, events: step.events, violation: checks.first, reads, writes };
}

/**
 * The transitions to explore among the enabled steps `en`, appended to `todo` as (tid, choice,
 * of) triples: only thread `only`'s when it is >= 0 (an ample set), and none that would take
 * the path past `bound` preemptions (after thread `lastTid`, `pre` so far). Returns true when
 * the bound left one out.
 */
export function transitionsOf(
  en: Enabled,
  only: number,
  lastTid: number,
  pre: number,
  bound: number | undefined,
  todo: number[],
): boolean {
  let cut = false;
  const lastEnabled = lastTid >= 0 && en.tids.includes(lastTid);
  for (let i = 0; i < en.tids.length; i++) {
    const t = en.tids[i] as number;
    if (only >= 0 && t !== only) continue;
    if (bound !== undefined && lastEnabled && t !== lastTid && pre + 1 > bound) {
      cut = true;
      continue;
    }
    const n = en.opts[i] as number;
    for (let c = 0; c < n; c++) todo.push(t, c, n);
  }
  return cut;
}

/** Search bookkeeping hashed with a state: last thread and preemptions, under a bound only. */
export function boundExtra(
  bound: number | undefined,
  lastTid: number,
  pre: number,
): number[] | undefined {
  return bound === undefined ? undefined : [lastTid, pre];
}

/** The thread whose local step alone is explored from `s` (an ample set), or -1. */
export function ampleOf(local: LocalSteps | null, s: SimState, en: Enabled): number {
  return local !== null && en.tids.length > 1 ? local.find(s, en.tids) : -1;
}
