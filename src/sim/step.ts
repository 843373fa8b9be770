import type { EndReason, SimEvent } from '../events/index.js';
import { applyEvent } from '../evolve/index.js';
import type { Checks, FoundViolation } from '../check/checks.js';
import type { MutableSimState, SimState } from '../state/types.js';
import { allDone, decide, stepOptions } from './decide.js';
import type { Model } from './model.js';

/** Called with every event as it is produced (the log writer, a progress meter). */
export type EventSink = (e: SimEvent, index: number) => void;

/** Enabled threads and their alternative counts, in tid order (filled into `out`). */
export interface Enabled {
  readonly tids: number[];
  readonly opts: number[];
}

/** Fill `out` with the threads that can step in `state` and their alternative counts. */
export function enabledSteps(model: Model, state: SimState, out: Enabled): void {
  const tids = out.tids;
  const opts = out.opts;
  let k = 0;
  for (let t = 0; t < state.threads.length; t++) {
    const n = stepOptions(model, state, t);
    if (n > 0) {
      tids[k] = t;
      opts[k] = n;
      k++;
    }
  }
  // Shortened by pops (inlined), not `length = k` (a runtime call on every state).
  while (tids.length > k) tids.pop();
  while (opts.length > k) opts.pop();
}

/** A fresh, empty {@link Enabled}. */
export function enabledList(): Enabled {
  return { tids: [], opts: [] };
}

/** The outcome of {@link takeStep}. */
export interface Step {
  /** The state after the step (the driver's own, or the successor `into` made). */
  readonly state: MutableSimState;
  /** decide's events (without the scheduler's `@sim/sched` / `@sim/choice`). */
  readonly events: readonly SimEvent[];
  /** The index the next event gets. */
  readonly next: number;
  /** The first violation `checks` holds after the step (null without checks or violation). */
  readonly violation: FoundViolation | null;
}

/** How {@link takeStep} applies an event (the default; footprint tracking wraps it). */
export type Apply = (state: MutableSimState, e: SimEvent) => void;

/**
 * Take one step, the one definition every driver uses (run, explore, minimise, random/PCT,
 * schedule adaptation): thread `tid` takes alternative `choice` of its `of`; the scheduler's
 * `@sim/sched` (and, when `of > 1`, `@sim/choice`) events come first, then decide's events on
 * `parent`; each is applied to the target state, given to `sink` and fed to `checks` with the
 * state after it, numbered from `index`.
 *
 * @param into the state to apply to: the driver's own mutable state (`parent` itself, for a
 * run), or a function making it from decide's events and `parent` (the explorer's
 * copy-on-write successor).
 */
export function takeStep(
  model: Model,
  parent: SimState,
  tid: number,
  choice: number,
  of: number,
  into: MutableSimState | ((events: readonly SimEvent[], parent: SimState) => MutableSimState),
  checks: Checks | null,
  index: number,
  sink?: EventSink,
  apply: Apply = applyEvent,
): Step {
  const events = decide(model, parent, tid, choice);
  const state = typeof into === 'function' ? into(events, parent) : into;
  const view = state as unknown as SimState;
  let i = emit(state, view, schedEvent(tid), index, checks, sink, apply);
  if (of > 1)
    i = emit(state, view, { type: '@sim/choice', tid, value: choice, of }, i, checks, sink, apply);
  for (let k = 0; k < events.length; k++)
    i = emit(state, view, events[k] as SimEvent, i, checks, sink, apply);
  return { state, events, next: i, violation: checks === null ? null : checks.first };
}

/** Apply, sink and check one event; the next index. */
function emit(
  state: MutableSimState,
  view: SimState,
  e: SimEvent,
  i: number,
  checks: Checks | null,
  sink: EventSink | undefined,
  apply: Apply,
): number {
  apply(state, e);
  if (sink !== undefined) sink(e, i);
  if (checks !== null) checks.feed(e, i, view);
  return i + 1;
}

/**
 * End a run or a search path where no thread can step (or a bound cut it): the `@sim/end`
 * event, applied, given to `sink` and fed to `checks` like any other. The reason is 'done'
 * when every thread finished, 'deadlock' when some are blocked, or `reason` when given.
 */
export function endRun(
  state: MutableSimState | SimState,
  checks: Checks | null,
  index: number,
  sink?: EventSink,
  reason?: EndReason,
): SimEvent {
  const view = state as SimState;
  const e: SimEvent = {
    type: '@sim/end',
    reason: reason ?? (allDone(view) ? 'done' : 'deadlock'),
  };
  applyEvent(state as MutableSimState, e);
  sink?.(e, index);
  checks?.feed(e, index, view);
  return e;
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
