import type { ExploreResult, ExploreStats, Model } from '../../src/index.js';
import { finishJob, type ExploreJob, type ExploreJobResult } from '../commands/exploreJob.js';
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { connectionOf, runOnQueue } from './queue.js';
import { publish } from './share.js';
import { cutSearch } from './subtree.js';

/**
 * `explore --queue URL`: the searches of `jobs` on the queue's workers. Random/PCT jobs (split
 * over seed ranges by the caller) go as they are; one exhaustive DFS is cut here into about
 * `parts` subtrees (see cutSearch), each a job, and the results are merged back into one:
 * violated when a subtree is (its counterexample runs from the initial state and was
 * minimised by the worker), holds only when every subtree was explored to the end. The subtrees
 * share the states they store through Redis (share.ts), as soon as each flushes them: a state
 * reachable from two subtrees is still explored in both when both reach it before they hear of
 * each other. States and transitions are summed over the prefix and the subtrees.
 */
export async function exploreOnQueue(
  url: string,
  jobs: readonly ExploreJob[],
  model: Model,
  parts: number,
  onDone?: (i: number, r: ExploreJobResult) => void,
): Promise<ExploreJobResult[]> {
  const base = jobs[0] as ExploreJob;
  const o = base.options;
  const cuttable =
    jobs.length === 1 &&
    (o.strategy ?? 'dfs') === 'dfs' &&
    o.sleepSets !== true &&
    o.exact !== true;
  if (!cuttable) return runOnQueue(url, jobs, onDone);
  const t0 = performance.now();
  const { prefix, subtrees, seen } = cutSearch(base, model, parts);
  if (subtrees.length === 0) return [finishJob(base, model, prefix, t0, process.memoryUsage.rss())];
  // The subtrees share their visited states through one Redis list, seeded with the prefix's.
  connectionOf(url);
  const share = `ptesim:seen:${randomUUID()}`;
  const redis = new Redis(url, { maxRetriesPerRequest: 3 });
  let results: ExploreJobResult[];
  try {
    await publish(redis, share, seen);
    results = await runOnQueue(
      url,
      subtrees.map((subtree) => ({ ...base, subtree, share })),
      onDone,
    );
  } finally {
    await redis.del(share).catch(() => undefined);
    await redis.quit().catch(() => undefined);
  }
  const hit = results.find((r) => r.result.verdict === 'violated');
  if (hit) return [hit];
  const cut = results.find((r) => !r.result.exhaustive)?.result.reason ?? null;
  const sum = (f: (s: ExploreStats) => number): number =>
    f(prefix.stats) + results.reduce((n, r) => n + f(r.result.stats), 0);
  const result: ExploreResult = {
    ...prefix,
    verdict: cut === null ? 'holds' : 'inconclusive',
    exhaustive: cut === null,
    reason: cut,
    stats: {
      ...prefix.stats,
      states: sum((s) => s.states),
      transitions: sum((s) => s.transitions),
      maxDepth: Math.max(prefix.stats.maxDepth, ...results.map((r) => r.result.stats.maxDepth)),
      ampleStates: sum((s) => s.ampleStates),
      symmetryHits: sum((s) => s.symmetryHits),
      deadlocks: sum((s) => s.deadlocks),
      visitedBytes: Math.max(...results.map((r) => r.result.stats.visitedBytes)),
    },
  };
  const first = results[0] as ExploreJobResult;
  return [
    {
      ...first,
      result,
      seconds: (performance.now() - t0) / 1000,
      peakRssMb: Math.max(...results.map((r) => r.peakRssMb)),
    },
  ];
}
