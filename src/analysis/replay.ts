import type { SimEvent } from '../events/index.js';
import { applyEvent } from '../evolve/index.js';
import { initialMutableState } from '../sim/init.js';
import { stateHash } from '../state/hash.js';
import type { SimState } from '../state/types.js';
import type { Scenario } from '../scenario/types.js';
import { makeModel } from '../sim/model.js';
import { runModel } from '../sim/run.js';
import type { Pick } from '../sim/schedule.js';
import type { ParsedLog } from '../log/reader.js';
import { requireModelLayout } from '../log/headerCheck.js';
import { firstFrame } from '../kernel/programs.js';
import type { LogReader } from '../log/logReader.js';
import type { MutableSimState } from '../state/types.js';

/**
 * Fold events with the recipes only: the state after event `until` (inclusive), or after all
 * of them. From a log header's initial state (no decide, no arch model), or from a scenario's
 * (built by the model). Runs the recipes on a private copy.
 */
export function foldEvents(
  start: Scenario | { readonly initial: SimState },
  events: readonly SimEvent[],
  until?: number,
): SimState {
  const state =
    'initial' in start
      ? (structuredClone(start.initial) as MutableSimState)
      : initialMutableState(start);
  const n = until === undefined ? events.length : Math.min(events.length, until + 1);
  for (let i = 0; i < n; i++) applyEvent(state, events[i] as SimEvent);
  return state as unknown as SimState;
}

export interface ReplayResult {
  readonly events: number;
  readonly finalStateHash: string;
  /** The footer's hash, when replaying to the end of a complete log. */
  readonly recordedHash: string | null;
  readonly matches: boolean | null;
}

export function replayLog(log: ParsedLog, until?: number): ReplayResult {
  const state = foldEvents(log.header, log.events, until);
  const n = until === undefined ? log.events.length : Math.min(log.events.length, until + 1);
  return outcome(n, state, until === undefined && log.footer ? log.footer.finalStateHash : null);
}

/** The replay's verdict: events folded, the final hash, and whether it matches the recorded one. */
function outcome(n: number, state: SimState, recorded: string | null): ReplayResult {
  const hash = stateHash(state);
  return {
    events: n,
    finalStateHash: hash,
    recordedHash: recorded,
    matches: recorded === null ? null : recorded === hash,
  };
}

export interface StreamReplayResult extends ReplayResult {
  /** Checkpoints used to seek (0 or 1) and events actually folded. */
  readonly seekedFrom: number;
  readonly folded: number;
}

/**
 * Replay an open log without materialising it: to the end (fold every event from the
 * initial state, one chunk at a time), or to event `until` (inclusive) by seeking from the
 * nearest checkpoint, so `--until` costs at most one checkpoint interval of folding.
 */
export function replayStream(reader: LogReader, until?: number): StreamReplayResult {
  const n = until === undefined ? reader.length : Math.min(reader.length, until + 1);
  let state: SimState;
  let seekedFrom = 0;
  if (until === undefined)
    state = reader.foldInto(reader.initialState(), 0, n) as unknown as SimState;
  else {
    for (const cp of reader.checkpoints) if (cp.at <= n) seekedFrom = cp.at;
    state = reader.stateAfter(n);
  }
  const recorded = until === undefined && reader.footer ? reader.footer.finalStateHash : null;
  return { ...outcome(n, state, recorded), seekedFrom, folded: n - seekedFrom };
}

export interface FirstStateResult {
  /** First event index after which `pred` holds (-1: already in the initial state), or null. */
  readonly index: number | null;
  /** Checkpoint states read during the search (the binary-search probes). */
  readonly probes: number;
  /** Events folded in the final linear pass (at most one checkpoint interval). */
  readonly folded: number;
}

/**
 * Bisect over an open log for the first state where `pred` holds, assuming it is monotone
 * (false, ..., false, true, ...: `git bisect` style, true = bad). Binary search over the
 * checkpoints (O(log n) state reads, no folding), then one linear fold of at most one
 * checkpoint interval testing `pred` after every event. `pred` must not keep the state.
 */
export function firstStateWhere(
  reader: LogReader,
  pred: (s: SimState) => boolean,
): FirstStateResult {
  let probes = 1;
  const init = reader.initialState();
  if (pred(init as unknown as SimState)) return { index: -1, probes, folded: 0 };
  // Last checkpoint whose state does not satisfy pred (-1 = the initial state).
  let lo = -1;
  let hi = reader.checkpoints.length;
  let base: MutableSimState = init;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    const s = reader.checkpointState(mid);
    probes++;
    if (pred(s as unknown as SimState)) hi = mid;
    else {
      lo = mid;
      base = s;
    }
  }
  const from = lo >= 0 ? (reader.checkpoints[lo] as { at: number }).at : 0;
  const to =
    hi < reader.checkpoints.length ? (reader.checkpoints[hi] as { at: number }).at : reader.length;
  const found = { i: -2 };
  try {
    // foldInto, not forEach: a fold from a checkpoint checks call depth and TLB capacity too.
    reader.foldInto(base, from, to, (i) => {
      if (pred(base as unknown as SimState)) {
        found.i = i;
        throw found;
      }
    });
  } catch (e) {
    if (e !== found) throw e;
  }
  return {
    index: found.i === -2 ? null : found.i,
    probes,
    folded: found.i === -2 ? to - from : found.i + 1 - from,
  };
}

/** The scheduler picks recorded in a log (`@sim/sched` + optional `@sim/choice`). */
export function picksOf(events: readonly SimEvent[]): Pick[] {
  const picks: Pick[] = [];
  for (const e of events) {
    if (e.type === '@sim/sched') picks.push({ tid: e.tid, choice: 0 });
    else if (e.type === '@sim/choice') {
      const last = picks[picks.length - 1];
      if (last) picks[picks.length - 1] = { tid: last.tid, choice: e.value };
    }
  }
  return picks;
}

export interface ResimulateResult {
  readonly identical: boolean;
  /**
   * The header's initial state differs from the one today's model builds for the scenario (an
   * arch's encoding or an entry point changed since the log was written). The events are
   * still compared.
   */
  readonly initialDiffers: boolean;
  /** First index where the re-derived events differ from the log's, or null. */
  readonly firstDifference: number | null;
  readonly recorded: SimEvent | null;
  readonly derived: SimEvent | null;
}

const same = (a: SimEvent | undefined, b: SimEvent | undefined): boolean =>
  JSON.stringify(a) === JSON.stringify(b);

/**
 * Re-derive the initial state and the events from the header's scenario and the recorded picks
 * with today's model and report the first difference (DESIGN §1: re-simulation).
 */
export function resimulate(log: ParsedLog, where = 'log'): ResimulateResult {
  const machines = new Set(
    log.header.scenario.threads.map((_, t) => firstFrame(log.header.scenario, t).fn),
  );
  for (const e of log.events) if (e.type === 'thread/call') machines.add(e.fn);
  requireModelLayout(log.header, machines, where);
  const model = makeModel(log.header.scenario, {
    arch: log.header.arch,
    variant: log.header.variant,
  });
  const initialDiffers =
    stateHash(log.header.initial) !== stateHash(initialMutableState(model.scenario));
  const picks = picksOf(log.events);
  const derived: SimEvent[] = [];
  runModel(model, { schedule: picks, maxSteps: picks.length, seed: log.header.seed }, (e) =>
    derived.push(e),
  );
  const n = Math.max(derived.length, log.events.length);
  for (let i = 0; i < n; i++) {
    if (!same(derived[i], log.events[i]))
      return {
        identical: false,
        initialDiffers,
        firstDifference: i,
        recorded: log.events[i] ?? null,
        derived: derived[i] ?? null,
      };
  }
  return {
    identical: !initialDiffers,
    initialDiffers,
    firstDifference: null,
    recorded: null,
    derived: null,
  };
}
