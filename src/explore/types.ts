import type { Property } from '../check/types.js';
import type { Pick } from '../sim/schedule.js';

export type Strategy = 'dfs' | 'bfs' | 'random' | 'pct';

/** Progress of a running search, for a TTY meter. */
export interface ExploreProgress {
  readonly states: number;
  readonly transitions: number;
  readonly depth: number;
  /** DFS stack depth or BFS frontier size. */
  readonly queue: number;
  /** Random/PCT: runs done so far. */
  readonly runs: number;
}

export interface ExploreOptions {
  /** @default 'dfs' */
  readonly strategy?: Strategy;
  /** Properties to check. @default every registered property of severity 'failure' */
  readonly properties?: readonly Property[];
  /** Partial-order reduction (local steps as ample sets, sleep sets). @default true */
  readonly por?: boolean;
  /** Symmetry reduction over interchangeable threads the scenario allows. @default true */
  readonly symmetry?: boolean;
  /**
   * Sleep sets (DFS only): skip transitions independent of the ones taken since they were
   * explored elsewhere, by footprints observed on the state. Turns symmetry reduction off
   * (sleep sets name threads, which a symmetric merge would rename). @default false
   */
  readonly sleepSets?: boolean;
  /**
   * Store exact state keys instead of 64-bit fingerprints (no collision possible, more memory).
   * @default false
   */
  readonly exact?: boolean;
  /** CHESS-style bound on preemptions per path (turns POR off). @default none */
  readonly preemptionBound?: number;
  /** Bound on scheduler steps per path. @default none */
  readonly depth?: number;
  /** Stop after storing this many states. @default none */
  readonly maxStates?: number;
  /** Random/PCT: executions to try. @default 1000 */
  readonly runs?: number;
  /** Random/PCT: seed of the first execution (execution i uses seed + i). @default 1 */
  readonly seed?: number;
  /** PCT bug depth d (d - 1 priority change points). @default 3 */
  readonly pctDepth?: number;
  /** Called every `progressEvery` transitions. */
  readonly onProgress?: (p: ExploreProgress) => void;
  /** @default 20000 */
  readonly progressEvery?: number;
  /**
   * Polled with the progress: return a reason to stop (Ctrl-C, memory limit) or null. The
   * search then ends with `exhaustive: false` and that reason. (src/ reads no clock or process
   * state itself; the CLI passes this in.)
   */
  readonly shouldStop?: () => string | null;
}

export interface ExploreStats {
  /** Distinct states stored (exhaustive) or visited (random/PCT). */
  readonly states: number;
  readonly transitions: number;
  readonly maxDepth: number;
  /** States where POR explored one thread's local step only. */
  readonly ampleStates: number;
  /** Transitions skipped by sleep sets. */
  readonly sleepPruned: number;
  /** Successors merged with a symmetric state already stored. */
  readonly symmetryHits: number;
  /** Terminal states where threads were still blocked. */
  readonly deadlocks: number;
  readonly runs: number;
  /** Approximate bytes of the visited set (exhaustive strategies). */
  readonly visitedBytes: number;
}

/**
 * A search's verdict. 'inconclusive': not violated and not exhaustive (a budget or bound cut it,
 * or sampling found nothing) — the one word every command prints and writes in JSON.
 */
export type ExploreVerdict = 'holds' | 'violated' | 'inconclusive';

/**
 * A verdict read from outside this build (JSON, a queued job's result from another version):
 * 'unknown' was the word for 'inconclusive' before; anything else unknown is inconclusive too.
 */
export function readVerdict(v: unknown): ExploreVerdict {
  return v === 'holds' || v === 'violated' ? v : 'inconclusive';
}

export interface ExploreResult {
  readonly verdict: ExploreVerdict;
  /** True when every reachable state (up to the reductions, which are sound) was covered. */
  readonly exhaustive: boolean;
  /** Why the search is not exhaustive (bound, limit, interrupted, random strategy), or null. */
  readonly reason: string | null;
  readonly strategy: Strategy;
  readonly properties: readonly string[];
  /** The violated property, or null. */
  readonly property: string | null;
  readonly message: string | null;
  /** The counterexample's scheduler picks, or null. */
  readonly schedule: readonly Pick[] | null;
  readonly stats: ExploreStats;
}
