import type { Pick } from '../../sim/schedule.js';
import type { ExploreResult, ExploreStats } from '../types.js';
import type { FoundViolation } from '../../check/checks.js';
import type { PartStats } from './searchPart.js';

/** What one thread's part of a parallel search ended with (plain data). */
export interface PartOutcome {
  readonly stats: PartStats;
  readonly violation: FoundViolation | null;
  readonly picks: readonly Pick[] | null;
  readonly cut: string | null;
}

/** A parallel search's result: also how many states the cycle proviso expanded fully. */
export type ParallelResult = ExploreResult & {
  readonly stats: ExploreStats & { readonly localCycleStates: number };
};

/**
 * The result of a parallel exhaustive search from its parts: violated when a part found a
 * violation (the first in `parts` order that did), holds only when no part was cut and
 * nothing else (`stopped`: Ctrl-C, a memory limit, a failed thread) stopped it, else unknown.
 */
export function mergeParts(
  parts: readonly PartOutcome[],
  properties: readonly string[],
  states: number,
  visitedBytes: number,
  stopped: string | null,
): ParallelResult {
  const hit = parts.find((p) => p.violation !== null);
  const cut = stopped ?? parts.find((p) => p.cut !== null)?.cut ?? null;
  const sum = (f: (s: PartStats) => number): number => parts.reduce((n, p) => n + f(p.stats), 0);
  return {
    verdict: hit ? 'violated' : cut === null ? 'holds' : 'inconclusive',
    exhaustive: !hit && cut === null,
    reason: hit ? null : cut,
    strategy: 'dfs',
    properties,
    property: hit?.violation?.property ?? null,
    message: hit?.violation?.message ?? null,
    schedule: hit?.picks ?? null,
    stats: {
      states,
      transitions: sum((s) => s.transitions),
      maxDepth: Math.max(0, ...parts.map((p) => p.stats.maxDepth)),
      ampleStates: sum((s) => s.ampleStates),
      sleepPruned: 0,
      symmetryHits: sum((s) => s.symmetryHits),
      deadlocks: sum((s) => s.deadlocks),
      runs: 0,
      visitedBytes,
      localCycleStates: sum((s) => s.localCycleStates),
    },
  };
}
