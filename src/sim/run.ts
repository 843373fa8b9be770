import type { EndReason } from '../events/index.js';
import { initialMutableState } from './init.js';
import { stateHash } from '../state/hash.js';
import type { SimState } from '../state/types.js';
import type { Property, PropertyVerdict } from '../check/types.js';
import { Checks } from '../check/checks.js';
import { listProperties } from '../check/registry.js';
import { SimError } from '../errors.js';
import { allDone } from './decide.js';
import {
  enabledList,
  enabledSteps,
  endRun,
  takeStep,
  type Enabled,
  type EventSink,
} from './step.js';
import type { Model } from './model.js';
import { Prng } from './prng.js';
import type { Pick } from './schedule.js';

export interface RunOptions {
  /** PRNG seed for scheduler picks and choices. @default 1 */
  readonly seed?: number;
  /** Stop after this many scheduler steps ('step-bound'). @default 100000 */
  readonly maxSteps?: number;
  /** Follow these picks first (then continue with the seeded scheduler). */
  readonly schedule?: readonly Pick[];
  /** Properties checked on the fly. @default every registered property */
  readonly properties?: readonly Property[];
  /** Stop at the first failure of any property. @default false */
  readonly stopOnViolation?: boolean;
}

export interface RunResult {
  /** Events emitted (scheduler, decision and model events alike). */
  readonly events: number;
  /** Scheduler steps taken. */
  readonly steps: number;
  /** Why the run stopped. */
  readonly end: EndReason;
  readonly finalState: SimState;
  /** The fingerprint of `finalState`, as the log's footer records it. */
  readonly finalStateHash: string;
  /** The schedule: each step's pick (thread and choice), enough to run it again (`run`'s `schedule`). */
  readonly picks: readonly Pick[];
  /** Each checked property's verdict at the end of the run. */
  readonly verdicts: readonly PropertyVerdict[];
}

export type { EventSink } from './step.js';

/**
 * One execution: the scheduler picks uniformly among enabled threads (a thread blocked on a
 * lock is not enabled), choices are uniform, and both are recorded as `@sim/sched` and
 * `@sim/choice` events. The recipes run on a private mutable copy (STYLE §4: hot paths may),
 * so the run costs one decide and one recipe per event.
 */
export function runModel(model: Model, options: RunOptions = {}, sink?: EventSink): RunResult {
  const seed = options.seed ?? 1;
  const maxSteps = options.maxSteps ?? 100_000;
  const props = options.properties ?? listProperties();
  const prng = new Prng(seed);
  const state = initialMutableState(model.scenario);
  const view = state as unknown as SimState;
  const checks = new Checks(model, props);
  const picks: Pick[] = [];
  let index = 0;
  let steps = 0;
  let end: EndReason = 'done';
  const schedule = options.schedule ?? [];
  const en = enabledList();
  for (;;) {
    if (options.stopOnViolation && checks.failed) {
      end = 'step-bound';
      break;
    }
    enabledSteps(model, view, en);
    if (en.tids.length === 0) {
      end = allDone(view) ? 'done' : 'deadlock';
      break;
    }
    if (steps >= maxSteps) {
      end = 'step-bound';
      break;
    }
    const forced = schedule[steps];
    const k = forced ? forcedPick(en, forced, steps) : prng.int(en.tids.length);
    const tid = en.tids[k] as number;
    const n = en.opts[k] as number;
    const choice = forced ? forced.choice : n > 1 ? prng.int(n) : 0;
    picks.push({ tid, choice });
    index = takeStep(model, view, tid, choice, n, state, checks, index, sink).next;
    steps++;
  }
  endRun(state, checks, index++, sink, end);
  const verdicts: PropertyVerdict[] = props.map((p, i) => {
    const v = checks.found[i];
    return {
      id: p.id,
      severity: p.severity,
      ok: v ? false : end === 'done' ? true : null,
      firstViolationEvent: v ? v.index : null,
      message: v ? v.message : null,
    };
  });
  return {
    events: index,
    steps,
    end,
    finalState: view,
    finalStateHash: stateHash(view),
    picks,
    verdicts,
  };
}

/** The position in `en` of a forced pick; a clear error when it cannot be taken here. */
function forcedPick(en: Enabled, forced: Pick, steps: number): number {
  const k = en.tids.indexOf(forced.tid);
  if (k < 0)
    throw new SimError(
      'SCHEDULE_INVALID',
      `thread ${forced.tid} is not enabled (enabled: ${en.tids.join(', ') || 'none'})`,
      `schedule entry ${steps + 1}`,
    );
  const n = en.opts[k] as number;
  if (forced.choice >= n)
    throw new SimError(
      'SCHEDULE_INVALID',
      `thread ${forced.tid} has ${n} alternatives, choice ${forced.choice} is out of range`,
      `schedule entry ${steps + 1}`,
    );
  return k;
}
