import type { SimEvent } from '../events/index.js';
import { applyEvent } from '../evolve/index.js';
import { initialMutableState } from '../sim/init.js';
import type { MutableSimState, SimState } from '../state/types.js';
import type { Scenario } from '../scenario/types.js';
import type { Model } from '../sim/model.js';
import type { Property } from '../check/types.js';
import { SimError } from '../errors.js';
import { diffStates, type StateChange } from './diffState.js';

/**
 * Random access to the states of a recorded run: what `bisect` searches. `stateAfter(n)` is the
 * state after the first `n` events (0 = the initial state, `length` = the final one) and must
 * be a copy the caller may keep. The streaming log reader (on-disk checkpoints) and
 * `memoryStates` (checkpoints built in memory) both provide it.
 */
export interface StateSource {
  readonly length: number;
  stateAfter(n: number): SimState;
  /** Events [from, to). */
  events(from: number, to: number): readonly SimEvent[];
}

/** An in-memory StateSource that also counts its work, so tests can assert on counts. */
export interface MemoryStates extends StateSource {
  /** A checkpoint every `every` events. */
  readonly every: number;
  /** stateAfter() calls so far (state reconstructions). */
  readonly reconstructions: number;
  /** Events folded by stateAfter() so far (each call folds fewer than `every`). */
  readonly folded: number;
}

/**
 * Checkpoints every `every` events, built by one fold at construction (a log with on-disk
 * checkpoints needs no such pass); afterwards each `stateAfter(n)` copies the nearest
 * checkpoint at or before `n` and folds fewer than `every` events.
 */
export function memoryStates(
  scenario: Scenario,
  events: readonly SimEvent[],
  every = 1024,
): MemoryStates {
  if (!Number.isSafeInteger(every) || every < 1)
    throw new SimError('BAD_ARGUMENT', `checkpoint interval must be ≥ 1, got ${every}`);
  const checkpoints: MutableSimState[] = [];
  const state = initialMutableState(scenario);
  for (let i = 0; i <= events.length; i++) {
    if (i % every === 0) checkpoints.push(structuredClone(state));
    if (i < events.length) applyEvent(state, events[i] as SimEvent);
  }
  let reconstructions = 0;
  let folded = 0;
  return {
    length: events.length,
    every,
    get reconstructions() {
      return reconstructions;
    },
    get folded() {
      return folded;
    },
    stateAfter(n) {
      if (!Number.isSafeInteger(n) || n < 0 || n > events.length)
        throw new SimError('BAD_ARGUMENT', `event count must be 0..${events.length}, got ${n}`);
      reconstructions++;
      const k = Math.floor(n / every);
      const s = structuredClone(checkpoints[k] as MutableSimState);
      for (let i = k * every; i < n; i++) applyEvent(s, events[i] as SimEvent);
      folded += n - k * every;
      return s as unknown as SimState;
    },
    events: (from, to) => events.slice(from, to),
  };
}

/** A question about one state: true (or a message) = bad, false/null = good (`git bisect run`). */
export type StateQuestion = (state: SimState, n: number) => boolean | string | null;

export type BisectVerdict = 'good' | 'bad' | 'cannot-tell';

export interface BisectResult {
  /** good: the final state is good; bad: the first bad event is found; cannot-tell: see `reason`. */
  readonly verdict: BisectVerdict;
  /**
   * The first event after which the question answers bad; -1 when the initial state is
   * already bad; null when good or undecided.
   */
  readonly firstBad: number | null;
  readonly event: SimEvent | null;
  /** State reconstructions (probes) made; 0 for a linear scan. */
  readonly probes: number;
  readonly method: 'bisect' | 'scan';
  /** What the question said at the first bad state (its message, or 'bad'). */
  readonly message: string | null;
  /** The state changes made by the first bad event. */
  readonly diff: readonly StateChange[];
  readonly reason: string | null;
}

const badText = (v: boolean | string | null): string | null =>
  typeof v === 'string' ? v : v ? 'bad' : null;

/**
 * The first event after which `bad` holds, in at most ⌈log2(length)⌉ + 2 state reconstructions:
 * probe the final state (good ⇒ done), the initial state (bad ⇒ bad from the start), then
 * halve [good, bad). The answer is the first bad event only when the question is monotone
 * (good … good bad … bad); for other questions it is *a* good→bad boundary. A question that
 * throws makes the result cannot-tell (`git bisect run` exit 125).
 */
export function bisectStates(source: StateSource, bad: StateQuestion, model?: Model): BisectResult {
  const probed = new Map<number, SimState>();
  let probes = 0;
  const ask = (n: number): string | null => {
    probes++;
    const s = source.stateAfter(n);
    probed.set(n, s);
    return badText(bad(s, n));
  };
  const none = {
    firstBad: null,
    event: null,
    diff: [] as StateChange[],
    method: 'bisect' as const,
  };
  try {
    const atEnd = ask(source.length);
    if (atEnd === null) return { ...none, verdict: 'good', probes, message: null, reason: null };
    const atStart = ask(0);
    if (atStart !== null)
      return {
        ...none,
        verdict: 'bad',
        firstBad: -1,
        probes,
        message: atStart,
        reason: 'already bad in the initial state',
      };
    let lo = 0;
    let hi = source.length;
    let msg = atEnd;
    while (hi - lo > 1) {
      const mid = lo + Math.floor((hi - lo) / 2);
      const m = ask(mid);
      if (m === null) lo = mid;
      else {
        hi = mid;
        msg = m;
      }
    }
    return finish(source, model, hi - 1, probes, 'bisect', msg, probed);
  } catch (e) {
    if (e instanceof SimError) throw e;
    return {
      ...none,
      verdict: 'cannot-tell',
      probes,
      message: null,
      reason: `the question failed at a probe: ${(e as Error).message}`,
    };
  }
}

/** The bad result at event `i`, with the state diff across it (reusing probed states). */
function finish(
  source: StateSource,
  model: Model | undefined,
  i: number,
  probes: number,
  method: 'bisect' | 'scan',
  message: string,
  probed = new Map<number, SimState>(),
): BisectResult {
  const before = probed.get(i) ?? source.stateAfter(i);
  const after = probed.get(i + 1) ?? source.stateAfter(i + 1);
  const diff = model
    ? diffStates(
        { state: before, arch: model.arch, layout: model.layout },
        { state: after, arch: model.arch, layout: model.layout },
      )
    : [];
  return {
    verdict: 'bad',
    firstBad: i,
    event: source.events(i, i + 1)[0] ?? null,
    probes,
    method,
    message,
    diff,
    reason: null,
  };
}

/** The same question answered by folding every state in order: the reference bisect must agree with. */
export function scanStates(
  scenario: Scenario,
  events: readonly SimEvent[],
  bad: StateQuestion,
): number | null {
  const s = initialMutableState(scenario);
  if (badText(bad(s as unknown as SimState, 0)) !== null) return -1;
  for (let i = 0; i < events.length; i++) {
    applyEvent(s, events[i] as SimEvent);
    if (badText(bad(s as unknown as SimState, i + 1)) !== null) return i;
  }
  return null;
}

/**
 * The first event at which `property` fails. With a state form (`stateCheck`) it bisects in
 * O(log n) reconstructions; otherwise — a property is a statement about the event history,
 * which a single state does not hold — one linear pass of its checker finds it (no state
 * copies, the checker sees every event as `run` does). A run that did not finish and shows no
 * violation is cannot-tell: properties decided at the end give no verdict on it.
 */
export function bisectProperty(
  source: StateSource,
  model: Model,
  property: Property,
  options: { linear?: boolean } = {},
): BisectResult {
  const check = property.stateCheck;
  if (check && !options.linear) return bisectStates(source, (s) => check(s, model), model);
  const checker = property.start(model);
  const state = initialMutableState(model.scenario);
  const view = state as unknown as SimState;
  let last: SimEvent | undefined;
  const step = 4096;
  for (let from = 0; from < source.length; from += step) {
    const evs = source.events(from, Math.min(source.length, from + step));
    for (let k = 0; k < evs.length; k++) {
      const e = evs[k] as SimEvent;
      applyEvent(state, e);
      last = e;
      const v = checker.onEvent(e, from + k, view);
      if (v) return finish(source, model, v.index, 0, 'scan', v.message);
    }
  }
  const none = {
    firstBad: null,
    event: null,
    diff: [],
    probes: 0,
    method: 'scan' as const,
    message: null,
  };
  if (last?.type === '@sim/end' && last.reason === 'done')
    return { ...none, verdict: 'good', reason: null };
  return {
    ...none,
    verdict: 'cannot-tell',
    reason: `no violation, but the run did not finish (${last?.type === '@sim/end' ? `ended ${last.reason}` : 'no end event'}); a property decided at the end gives no verdict`,
  };
}
