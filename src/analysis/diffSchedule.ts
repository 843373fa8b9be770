import type { SimEvent } from '../events/index.js';
import { initialMutableState } from '../sim/init.js';
import type { SimState } from '../state/types.js';
import { allDone } from '../sim/decide.js';
import { enabledList, enabledSteps, takeStep } from '../sim/step.js';
import type { Model } from '../sim/model.js';
import { Prng } from '../sim/prng.js';
import type { Pick } from '../sim/schedule.js';

/** Where following the other run's picks first stopped being exact. */
export interface ScheduleMismatch {
  /** Scheduler step (0-based) of the run that follows. */
  readonly step: number;
  /**
   * 'skipped': the next pick's thread was not enabled here, a later pick was taken instead;
   * 'choice-clamped': the thread has fewer alternatives here, choice taken modulo their count;
   * 'fallback': no remaining pick's thread was enabled (or none was left): seeded scheduler.
   */
  readonly reason: 'skipped' | 'choice-clamped' | 'fallback';
  readonly detail: string;
}

export interface AdaptedSchedule {
  /** The picks the following run took, to replay it exactly with `run --schedule`. */
  readonly picks: Pick[];
  /** Steps that took the next pick exactly as given. */
  readonly followed: number;
  /** Thread picks of the leading run never used (their thread had finished or stayed blocked). */
  readonly unused: number;
  readonly firstMismatch: ScheduleMismatch | null;
}

/** The other run's scheduling, split the way adaptSchedule uses it. */
export interface LeadSchedule {
  /** Thread of every scheduler step, in order. */
  readonly order: readonly number[];
  /** Per thread, the choices it made at its steps that had several alternatives, in order. */
  readonly choices: ReadonlyMap<number, readonly number[]>;
}

/** Split a run's `@sim/sched` / `@sim/choice` events into thread order and per-thread choices. */
export function leadScheduleOf(events: Iterable<SimEvent>): LeadSchedule {
  const order: number[] = [];
  const choices = new Map<number, number[]>();
  for (const e of events) {
    if (e.type === '@sim/sched') order.push(e.tid);
    else if (e.type === '@sim/choice') {
      const list = choices.get(e.tid) ?? [];
      list.push(e.value);
      choices.set(e.tid, list);
    }
  }
  return { order, choices };
}

/**
 * Follow another run's scheduling on a different model (other arch or variant), in terms that
 * survive the difference: "thread T takes its next step" and "thread T's k-th choice", never an
 * event index.
 *
 * The rule, at every step of this run:
 * 1. The other run's thread picks form a queue. Take the first queued thread that is enabled
 *    here; picks before it stay queued (a thread blocked here is postponed, never dropped).
 * 2. A step with several alternatives here takes that thread's next choice from the other run
 *    (its k-th choice for its k-th such step), modulo the count if there are fewer alternatives.
 *    Deterministic steps consume no choice, so a write that faults here but not there (extra
 *    fault steps) still writes the same page.
 * 3. If no queued thread is enabled (queue empty, or every remaining one finished or blocked), or
 *    the thread has no choices left, pick with a seeded scheduler (PRNG seeded with `seed`).
 * The first step where 1's skipping, 2's modulo or 3 was needed is reported as `firstMismatch`.
 */
export function adaptSchedule(
  model: Model,
  lead: LeadSchedule,
  seed: number,
  maxSteps = 100_000,
): AdaptedSchedule {
  const state = initialMutableState(model.scenario);
  const view = state as unknown as SimState;
  const queue = lead.order.slice();
  const choices = new Map<number, number[]>();
  for (const [t, c] of lead.choices) choices.set(t, c.slice());
  const prng = new Prng(seed);
  const picks: Pick[] = [];
  let followed = 0;
  let firstMismatch: ScheduleMismatch | null = null;
  const note = (m: ScheduleMismatch): void => {
    firstMismatch ??= m;
  };
  const en = enabledList();
  const { tids: enabled, opts } = en;
  for (let step = 0; step < maxSteps; step++) {
    enabledSteps(model, view, en);
    if (enabled.length === 0 || allDone(view)) break;
    let tid: number;
    let exact = true;
    const qi = queue.findIndex((t) => enabled.includes(t));
    if (qi >= 0) {
      tid = queue[qi] as number;
      if (qi > 0) {
        exact = false;
        note({
          step,
          reason: 'skipped',
          detail: `thread ${queue[0] ?? '?'} is not enabled here; took thread ${tid}'s next pick`,
        });
      }
      queue.splice(qi, 1);
    } else {
      exact = false;
      note({
        step,
        reason: 'fallback',
        detail: queue.length
          ? `no enabled thread among the ${queue.length} remaining picks`
          : "the other run's picks are used up",
      });
      tid = enabled[prng.int(enabled.length)] as number;
    }
    const n = opts[enabled.indexOf(tid)] as number;
    let choice = 0;
    if (n > 1) {
      const c = choices.get(tid)?.shift();
      if (c === undefined) {
        exact = false;
        note({
          step,
          reason: 'fallback',
          detail: `thread ${tid} made fewer choices in the other run`,
        });
        choice = prng.int(n);
      } else {
        if (c >= n) {
          exact = false;
          note({
            step,
            reason: 'choice-clamped',
            detail: `thread ${tid} has ${n} alternatives here, choice ${c} taken as ${c % n}`,
          });
        }
        choice = c % n;
      }
    }
    if (exact) followed++;
    picks.push({ tid, choice });
    takeStep(model, view, tid, choice, n, state, null, 0);
  }
  return { picks, followed, unused: queue.length, firstMismatch };
}
