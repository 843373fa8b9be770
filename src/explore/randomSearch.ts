import { initialMutableState } from '../sim/init.js';
import type { SimState } from '../state/types.js';
import type { Model } from '../sim/model.js';
import { Prng } from '../sim/prng.js';
import type { Pick } from '../sim/schedule.js';
import type { Checks, FoundViolation } from '../check/checks.js';
import { enabledList, enabledSteps, endRun, takeStep } from '../sim/step.js';
import type { ExploreOptions, ExploreResult } from './types.js';

/**
 * Random and PCT testing for configurations too big to exhaust. Execution i uses seed
 * `seed + i`, so every run is reproducible from its seed alone, and a violation comes back
 * as the exact picks.
 *
 * PCT (Burckhardt, Kothari, Musuvathi, Nagarakatte, ASPLOS 2010): threads get distinct random
 * priorities above d - 1; d - 1 change points are drawn in [1, k] (k = the step bound, or the
 * length of the longest execution seen so far); the highest-priority enabled thread runs, and
 * at the i-th change point the running thread drops to priority i. A bug of depth d is found
 * with probability at least 1 / (n k^(d-1)) per execution.
 */
export function randomSearch(
  model: Model,
  makeChecks: () => Checks,
  o: ExploreOptions,
): ExploreResult {
  let checks = makeChecks();
  const strategy = o.strategy === 'pct' ? 'pct' : 'random';
  const runs = o.runs ?? 1000;
  const seed0 = o.seed ?? 1;
  const maxSteps = o.depth ?? 10_000;
  const d = Math.max(1, o.pctDepth ?? 3);
  const every = o.progressEvery ?? 20_000;
  const n = model.scenario.threads.length;
  let transitions = 0;
  let states = 0;
  let maxDepth = 0;
  let deadlocks = 0;
  let k = o.depth ?? 0;
  let stopped: string | null = null;
  let done = 0;
  const en = enabledList();
  const result = (v: FoundViolation | null, picks: Pick[] | null): ExploreResult => ({
    verdict: v ? 'violated' : 'inconclusive',
    exhaustive: false,
    reason: v ? null : (stopped ?? `${strategy} testing: ${done} executions, not a proof`),
    strategy,
    properties: checks.properties.map((p) => p.id),
    property: v?.property ?? null,
    message: v?.message ?? null,
    schedule: picks,
    stats: {
      states,
      transitions,
      maxDepth,
      ampleStates: 0,
      sleepPruned: 0,
      symmetryHits: 0,
      deadlocks,
      runs: done,
      visitedBytes: 0,
    },
  });
  for (let r = 0; r < runs; r++) {
    const prng = new Prng(seed0 + r);
    if (r > 0) checks = makeChecks();
    const state = initialMutableState(model.scenario);
    const view = state as unknown as SimState;
    const picks: Pick[] = [];
    // PCT priorities: d .. d + n - 1, shuffled; change points in [1, k].
    const prio = Array.from({ length: n }, (_, i) => d + i);
    for (let i = n - 1; i > 0; i--) {
      const j = prng.int(i + 1);
      [prio[i], prio[j]] = [prio[j] as number, prio[i] as number];
    }
    const change: number[] = [];
    if (strategy === 'pct')
      for (let i = 1; i < d; i++) change.push(1 + prng.int(Math.max(1, k || 100)));
    let index = 0;
    let steps = 0;
    for (;;) {
      enabledSteps(model, view, en);
      if (en.tids.length === 0) {
        endRun(state, checks, index);
        if (view.threads.some((t) => t.stack.length > 0)) deadlocks++;
        break;
      }
      if (steps >= maxSteps) break;
      let i: number;
      if (strategy === 'pct') {
        i = 0;
        for (let j = 1; j < en.tids.length; j++)
          if ((prio[en.tids[j] as number] ?? 0) > (prio[en.tids[i] as number] ?? 0)) i = j;
      } else i = prng.int(en.tids.length);
      const tid = en.tids[i] as number;
      const of = en.opts[i] as number;
      const choice = of > 1 ? prng.int(of) : 0;
      picks.push({ tid, choice });
      index = takeStep(model, view, tid, choice, of, state, checks, index).next;
      steps++;
      transitions++;
      states++;
      if (checks.first) break;
      if (strategy === 'pct') {
        const c = change.indexOf(steps);
        if (c >= 0) prio[tid] = c + 1;
      }
      if (transitions % every === 0) {
        o.onProgress?.({ states, transitions, depth: maxDepth, queue: 0, runs: done });
        stopped = o.shouldStop?.() ?? null;
        if (stopped !== null) break;
      }
    }
    done++;
    if (steps > maxDepth) maxDepth = steps;
    if (steps > k && o.depth === undefined) k = steps;
    if (checks.first) return result(checks.first, picks);
    if (stopped !== null) break;
  }
  return result(null, null);
}
