import type { Property } from '../check/types.js';
import { initialMutableState } from '../sim/init.js';
import type { SimState } from '../state/types.js';
import type { Model } from '../sim/model.js';
import type { Pick } from '../sim/schedule.js';
import { Checks } from '../check/checks.js';
import { enabledList, enabledSteps, endRun, takeStep } from '../sim/step.js';
import { exhaustive } from './exhaustive.js';

export interface ReplayOutcome {
  /** The property violated, or null when the picks are invalid or violate nothing. */
  readonly property: string | null;
  readonly message: string | null;
  /** Picks up to and including the one whose events (or terminal state) broke it. */
  readonly length: number;
  /** Preemptions on the way (see {@link preemptions}). */
  readonly preemptions: number;
}

/**
 * Follow `picks` from the initial state, checking `props` as the explorer does; stop at the
 * first violation. Invalid picks (thread not enabled, choice out of range) give property null.
 */
export function replayPicks(
  model: Model,
  picks: readonly Pick[],
  props: readonly Property[],
): ReplayOutcome {
  const checks = new Checks(model, props, true);
  const state = initialMutableState(model.scenario);
  const view = state as unknown as SimState;
  const en = enabledList();
  let pre = 0;
  let last = -1;
  let index = 0;
  const outcome = (n: number): ReplayOutcome => ({
    property: checks.first?.property ?? null,
    message: checks.first?.message ?? null,
    length: n,
    preemptions: pre,
  });
  for (let i = 0; i <= picks.length; i++) {
    enabledSteps(model, view, en);
    if (en.tids.length === 0) {
      endRun(state, checks, index);
      return outcome(i);
    }
    const p = picks[i];
    if (!p) return outcome(i);
    const k = en.tids.indexOf(p.tid);
    if (k < 0 || p.choice >= (en.opts[k] as number)) return outcome(i);
    if (last >= 0 && p.tid !== last && en.tids.includes(last)) pre++;
    last = p.tid;
    index = takeStep(model, view, p.tid, p.choice, en.opts[k] as number, state, checks, index).next;
    if (checks.first) return outcome(i + 1);
  }
  return outcome(picks.length);
}

/** Context switches away from a thread that could have kept running (CHESS preemptions). */
export function preemptions(model: Model, picks: readonly Pick[]): number {
  return replayPicks(model, picks, []).preemptions;
}

export interface MinimiseOptions {
  /** Try a breadth-first search (POR off, symmetry on) for a shortest counterexample. @default true */
  readonly shortest?: boolean;
  /** State budget of that BFS; beyond it the given schedule is kept. @default 3_000_000 */
  readonly bfsMaxStates?: number;
  /** Replays the preemption shrinker may spend. @default 2000 */
  readonly maxReplays?: number;
}

export interface Minimised {
  readonly schedule: readonly Pick[];
  readonly property: string;
  readonly message: string;
  /** True when BFS proved no shorter schedule violates `property`. */
  readonly shortest: boolean;
  readonly preemptions: number;
  /** The length before shrinking. */
  readonly originalLength: number;
}

/**
 * Minimise a counterexample: (1) breadth-first search for a shortest schedule violating the
 * same property (POR off, so the length is minimal over all schedules, not only the reduced
 * ones), (2) delta debugging towards fewer preemptions: repeatedly move a later step of the
 * preempted thread up to the preemption point and keep the change when the violation stays
 * (same property) and the schedule gets no longer, (3) a final replay re-checks the result.
 */
export function minimise(
  model: Model,
  picks: readonly Pick[],
  props: readonly Property[],
  o: MinimiseOptions = {},
): Minimised {
  const first = replayPicks(model, picks, props);
  if (first.property === null)
    throw new Error('minimise: the schedule violates none of the properties');
  const target = props.filter((p) => p.id === first.property);
  let best: Pick[] = picks.slice(0, first.length);
  let shortest = false;
  // BFS merges paths that reach one state: sound only for properties that are pure functions of
  // (event, state). A history-keeping property (audit rules) keeps the found schedule and is
  // only shrunk by replays below, which run fresh checkers.
  if ((o.shortest ?? true) && target.every((p) => p.statePure === true)) {
    const r = exhaustive(model, new Checks(model, target, true), {
      strategy: 'bfs',
      por: false,
      symmetry: true,
      maxStates: o.bfsMaxStates ?? 3_000_000,
      depth: best.length,
    });
    if (r.verdict === 'violated' && r.schedule && r.schedule.length <= best.length) {
      best = r.schedule.slice();
      shortest = true;
    }
  }
  let cur = replayPicks(model, best, target);
  let budget = o.maxReplays ?? 2000;
  let improved = true;
  while (improved && budget > 0) {
    improved = false;
    for (let i = 1; i < best.length && budget > 0; i++) {
      const prev = (best[i - 1] as Pick).tid;
      if ((best[i] as Pick).tid === prev) continue;
      const k = best.findIndex((p, j) => j > i && p.tid === prev);
      if (k < 0) continue;
      const cand = best.slice();
      const [moved] = cand.splice(k, 1);
      cand.splice(i, 0, moved as Pick);
      budget--;
      const r = replayPicks(model, cand, target);
      if (r.property !== null && r.length <= cur.length && r.preemptions < cur.preemptions) {
        best = cand.slice(0, r.length);
        cur = r;
        improved = true;
      }
    }
  }
  const final = replayPicks(model, best, target);
  if (final.property === null)
    throw new Error('minimise: the shrunk schedule no longer violates the property');
  return {
    schedule: best,
    property: final.property,
    message: final.message ?? '',
    shortest: shortest && final.length === best.length,
    preemptions: final.preemptions,
    originalLength: picks.length,
  };
}
