import { Worker } from 'node:worker_threads';
import type { Pick, Scenario } from '../../src/index.js';
import { SharedFingerprintSet } from '../../src/explore/parallel/sharedSet.js';
import type { FromLevel, ToLevel } from './protocol.js';

const defaultEntry = new URL('./partWorker.js', import.meta.url);

export interface ShortestSearch {
  readonly scenario: Scenario;
  readonly arch: string;
  readonly variant: string;
  /** The violated property (the search looks for a shortest violation of it). */
  readonly property: string;
  readonly workers: number;
  /** Look no deeper than this (the length of the schedule in hand). */
  readonly depthBound: number;
  /** State budget (as the one-thread BFS's `bfsMaxStates`). */
  readonly maxStates: number;
  readonly entry?: URL;
}

/**
 * A shortest counterexample by a breadth-first search on `workers` threads (BfsPart): level
 * by level, every thread expanding its share of the frontier; between levels the fullest
 * thread gives half of its frontier to the emptiest when they differ by more than 64 states.
 * Null when no violation lies within the depth bound or the budget ran out.
 */
export async function shortestOnThreads(s: ShortestSearch): Promise<readonly Pick[] | null> {
  const n = Math.max(1, s.workers);
  const set = SharedFingerprintSet.create(Math.max(64 << 20, s.maxStates * 32));
  const threads = Array.from({ length: n }, () => new Worker(s.entry ?? defaultEntry));
  const waiting: ((r: FromLevel) => void)[][] = threads.map(() => []);
  let failed: Error | null = null;
  threads.forEach((w, i) => {
    w.on('message', (r: FromLevel) => waiting[i]?.shift()?.(r));
    w.on('error', (e) => {
      failed ??= e;
      for (const q of waiting) for (const f of q.splice(0)) f(errorReply(e));
    });
  });
  const ask = (i: number, m: ToLevel): Promise<FromLevel> =>
    new Promise((resolve) => {
      if (failed) return resolve(errorReply(failed));
      waiting[i]?.push(resolve);
      threads[i]?.postMessage(m);
    });
  try {
    const init = await Promise.all(
      threads.map((_, i) =>
        ask(i, {
          kind: 'bfs-init',
          scenario: s.scenario,
          arch: s.arch,
          variant: s.variant,
          properties: [s.property],
          set: set.buffers,
          first: i === 0,
        }),
      ),
    );
    const sizes = init.map((r) => r.size);
    const hit = (rs: readonly FromLevel[]): readonly Pick[] | null => {
      const bad = rs.find((r) => r.error !== undefined);
      if (bad) throw new Error(`shortest-counterexample thread: ${bad.error}`);
      return rs.find((r) => r.status === 'violated')?.picks ?? null;
    };
    const first = hit(init);
    if (first) return first;
    for (let depth = 0; depth < s.depthBound; depth++) {
      // Rebalance: the fullest thread gives half its frontier to the emptiest, while that helps.
      for (let round = 0; round < n; round++) {
        const hi = sizes.indexOf(Math.max(...sizes));
        const lo = sizes.indexOf(Math.min(...sizes));
        if ((sizes[hi] as number) - (sizes[lo] as number) <= 64) break;
        const half = await ask(hi, { kind: 'give-half' });
        sizes[hi] = half.size;
        const took = await ask(lo, { kind: 'take', entries: half.entries ?? [] });
        sizes[lo] = took.size;
      }
      const rs = await Promise.all(threads.map((_, i) => ask(i, { kind: 'level', depth })));
      const picks = hit(rs);
      if (picks) return picks;
      if (rs.some((r) => r.status === 'full') || set.size >= s.maxStates) return null;
      rs.forEach((r, i) => (sizes[i] = r.size));
      if (sizes.every((x) => x === 0)) return null;
    }
    return null;
  } finally {
    for (const w of threads) void w.terminate();
  }
}

function errorReply(e: Error): FromLevel {
  return {
    kind: 'level-reply',
    status: 'full',
    size: 0,
    transitions: 0,
    picks: null,
    error: e.message,
  };
}
