import type { SimEvent } from '../events/index.js';
import { applyEvent } from '../evolve/index.js';
import type { Checker, Property } from '../check/types.js';
import type { MutableSimState, SimState } from '../state/types.js';
import { allDone, decide, stepOptions } from '../sim/decide.js';
import type { Model } from '../sim/model.js';
import { cloneKnown } from './knownShape.js';
import { cloneTouched } from './cloneTouched.js';
import type { Footprints } from './footprint.js';

/** A property violation found while executing a transition or at a terminal state. */
export interface FoundViolation {
  readonly property: string;
  readonly message: string;
}

/**
 * Properties that are pure functions of (event, state after it), which is what a search that
 * merges paths reaching one state needs. test/explore/purity.test.ts checks each of them
 * against a fresh checker per event on random runs. Others (the audit rules, which keep a
 * history) are checked by the random and PCT strategies only.
 */
export const STATE_PURE_PROPERTIES: readonly string[] = [
  'lost-write',
  'wrprotect-post',
  'dirty-bit-lost',
  'flush-complete',
];

/**
 * The checkers of one search. Properties used by the explorer must be pure functions of
 * (event, state after it): the search merges paths that reach one state, so a checker's own
 * memory would be unsound (test/explore/purity.test.ts checks every registered property).
 */
export class CheckSet {
  readonly checkers: readonly Checker[];
  constructor(
    model: Model,
    readonly properties: readonly Property[],
  ) {
    this.checkers = properties.map((p) => p.start(model));
  }

  /** Feed one event with the state after it; the first violation, if any. */
  check(e: SimEvent, index: number, state: SimState): FoundViolation | null {
    const cs = this.checkers;
    for (let i = 0; i < cs.length; i++) {
      const v = (cs[i] as Checker).onEvent(e, index, state);
      if (v) return { property: (this.properties[i] as Property).id, message: v.message };
    }
    return null;
  }

  /** A state where no thread can step: feed the synthetic end of run. */
  checkTerminal(state: SimState, index: number): FoundViolation | null {
    return this.check(
      { type: '@sim/end', reason: allDone(state) ? 'done' : 'deadlock' },
      index,
      state,
    );
  }
}

export interface Executed {
  readonly state: MutableSimState;
  readonly events: readonly SimEvent[];
  readonly violation: FoundViolation | null;
}

/**
 * Execute one scheduler pick on a private copy of `parent`: the `@sim/sched` (and
 * `@sim/choice`) events, then decide's events, each applied and checked in order exactly as
 * runModel does, so a violation found here is found again by `run --schedule`.
 */
export function execute(
  model: Model,
  checks: CheckSet,
  parent: SimState,
  tid: number,
  choice: number,
  of: number,
  depth: number,
): Executed {
  const events = decide(model, parent, tid, choice);
  // Copy only what these events touch; the rest is shared with the parent.
  const state = cloneTouched(parent, events);
  const view = state as unknown as SimState;
  let violation: FoundViolation | null = null;
  violation = checks.check(schedEvent(tid), depth, view);
  if (!violation && of > 1)
    violation = checks.check({ type: '@sim/choice', tid, value: choice, of }, depth, view);
  for (let i = 0; i < events.length; i++) {
    const e = events[i] as SimEvent;
    applyEvent(state, e);
    if (!violation) violation = checks.check(e, depth, view);
  }
  return { state, events, violation };
}

/** `@sim/sched` events by tid, made once (events are read-only facts). */
const schedEvents: SimEvent[] = [];
function schedEvent(tid: number): SimEvent {
  let e = schedEvents[tid];
  if (e === undefined) {
    e = { type: '@sim/sched', tid };
    schedEvents[tid] = e;
  }
  return e;
}

/** Enabled threads and their alternative counts, in tid order. */
export function enabledSteps(
  model: Model,
  state: SimState,
  out: { tids: number[]; opts: number[] },
): void {
  out.tids.length = 0;
  out.opts.length = 0;
  for (let t = 0; t < state.threads.length; t++) {
    const n = stepOptions(model, state, t);
    if (n > 0) {
      out.tids.push(t);
      out.opts.push(n);
    }
  }
}

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
  checks: CheckSet,
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
  const events = fp.track(parent, reads, (v) => decide(model, v, tid, choice));
  const state = cloneKnown(parent);
  const view = state as unknown as SimState;
  let violation: FoundViolation | null = null;
  const feed = (e: SimEvent): void => {
    const v = fp.track(view, reads, (s) => checks.check(e, depth, s));
    if (!violation) violation = v;
  };
  feed({ type: '@sim/sched', tid });
  if (of > 1) feed({ type: '@sim/choice', tid, value: choice, of });
  for (const e of events) {
    fp.track(view, writes, (s) => applyEvent(s as unknown as MutableSimState, e));
    feed(e);
  }
  return { state, events, violation, reads, writes };
}
