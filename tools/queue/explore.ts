import type { ExploreResult, ExploreStats, Model } from '../../src/index.js';
import { finishJob, type ExploreJob, type ExploreJobResult } from '../commands/exploreJob.js';
import { runOnQueue } from './queue.js';
import { cutSearch } from './subtree.js';

/**
 * `explore --queue URL`: the searches of `jobs` on the queue's workers. Random/PCT jobs (split
 * over seed ranges by the caller) go as they are; one exhaustive DFS is cut here into about
 * `parts` subtrees (see cutSearch), each a job, and the results are merged back into one:
 * violated when a subtree is (its counterexample runs from the initial state and was
 * minimised by the worker), holds only when every subtree was explored to the end. States and
 * transitions are summed over the subtrees, which do not share a visited set: a state
 * reachable from two subtrees is counted (and explored) in both.
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
  const { prefix, subtrees } = cutSearch(base, model, parts);
  if (subtrees.length === 0) return [finishJob(base, model, prefix, t0, process.memoryUsage.rss())];
  const results = await runOnQueue(
    url,
    subtrees.map((subtree) => ({ ...base, subtree })),
    onDone,
  );
  const hit = results.find((r) => r.result.verdict === 'violated');
  if (hit) return [hit];
  const cut = results.find((r) => !r.result.exhaustive)?.result.reason ?? null;
  const sum = (f: (s: ExploreStats) => number): number =>
    f(prefix.stats) + results.reduce((n, r) => n + f(r.result.stats), 0);
  const result: ExploreResult = {
    ...prefix,
    verdict: cut === null ? 'holds' : 'unknown',
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
