import type { EndReason, SimEvent } from '../events/index.js';
import { applyEvent } from '../evolve/index.js';
import { initialMutableState } from '../state/init.js';
import { stateHash } from '../state/hash.js';
import type { SimState } from '../state/types.js';
import type { Property, PropertyVerdict, Violation } from '../check/types.js';
import { CheckerTable } from '../check/dispatch.js';
import { listProperties } from '../check/registry.js';
import { SimError } from '../errors.js';
import { allDone, decide, stepOptions } from './decide.js';
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
  readonly events: number;
  readonly steps: number;
  readonly end: EndReason;
  readonly finalState: SimState;
  readonly finalStateHash: string;
  readonly picks: readonly Pick[];
  readonly verdicts: readonly PropertyVerdict[];
}

/** Called with every event as it is produced (the log writer, a progress meter). */
export type EventSink = (e: SimEvent, index: number) => void;

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
  const table = new CheckerTable(model, props);
  const found: (Violation | null)[] = props.map(() => null);
  const onFound = (i: number, v: Violation): void => {
    if (found[i]) return; // the run reports each property's first violation
    found[i] = v;
    if ((props[i] as Property).severity === 'failure') failed = true;
  };
  const picks: Pick[] = [];
  let index = 0;
  let failed = false;
  const emit = (e: SimEvent): void => {
    applyEvent(state, e);
    sink?.(e, index);
    table.feed(e, index, view, onFound);
    index++;
  };
  let steps = 0;
  let end: EndReason = 'done';
  const schedule = options.schedule ?? [];
  const enabled: number[] = [];
  const opts: number[] = [];
  for (;;) {
    if (options.stopOnViolation && failed) {
      end = 'step-bound';
      break;
    }
    enabled.length = 0;
    opts.length = 0;
    for (let t = 0; t < state.threads.length; t++) {
      const n = stepOptions(model, view, t);
      if (n > 0) {
        enabled.push(t);
        opts.push(n);
      }
    }
    if (enabled.length === 0) {
      end = allDone(view) ? 'done' : 'deadlock';
      break;
    }
    if (steps >= maxSteps) {
      end = 'step-bound';
      break;
    }
    let tid: number;
    let choice: number;
    let n: number;
    const forced = schedule[steps];
    if (forced) {
      const k = enabled.indexOf(forced.tid);
      if (k < 0)
        throw new SimError(
          'SCHEDULE_INVALID',
          `thread ${forced.tid} is not enabled (enabled: ${enabled.join(', ') || 'none'})`,
          `schedule entry ${steps + 1}`,
        );
      n = opts[k] as number;
      if (forced.choice >= n)
        throw new SimError(
          'SCHEDULE_INVALID',
          `thread ${forced.tid} has ${n} alternatives, choice ${forced.choice} is out of range`,
          `schedule entry ${steps + 1}`,
        );
      tid = forced.tid;
      choice = forced.choice;
    } else {
      const k = prng.int(enabled.length);
      tid = enabled[k] as number;
      n = opts[k] as number;
      choice = n > 1 ? prng.int(n) : 0;
    }
    picks.push({ tid, choice });
    emit({ type: '@sim/sched', tid });
    if (n > 1) emit({ type: '@sim/choice', tid, value: choice, of: n });
    for (const e of decide(model, view, tid, choice)) emit(e);
    steps++;
  }
  emit({ type: '@sim/end', reason: end });
  const verdicts: PropertyVerdict[] = props.map((p, i) => {
    const v = found[i];
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
