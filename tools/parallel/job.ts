import { availableParallelism } from 'node:os';
import {
  defaultProperties,
  getProperty,
  makeModel,
  minimise,
  replayPicks,
  STATE_PURE_PROPERTIES,
  type ExploreProgress,
} from '../../src/index.js';
import { finishJob, type ExploreJob, type ExploreJobResult } from '../commands/exploreJob.js';
import { exploreThreads, partWorkerAvailable } from './pool.js';
import { shortestOnThreads } from './levels.js';

/**
 * An exhaustive DFS job that can run on several threads: not with sleep sets, exact keys
 * (both keep per-thread memory the threads cannot share) or BFS (its frontier order is what
 * makes its counterexample shortest).
 */
export function splittable(job: ExploreJob, workers: number): boolean {
  const o = job.options;
  return (
    workers > 1 &&
    (o.strategy ?? 'dfs') === 'dfs' &&
    o.sleepSets !== true &&
    o.exact !== true &&
    (job.properties ?? []).every((p) => STATE_PURE_PROPERTIES.includes(p)) &&
    partWorkerAvailable()
  );
}

/**
 * One exhaustive search on `workers` threads (the job's memory limit bounds the process and,
 * through the arena, the shared visited set), then minimisation of its counterexample.
 */
export async function runThreadedJob(
  job: ExploreJob,
  workers: number,
  hooks: { progress?(p: ExploreProgress): void; stop?(): string | null } = {},
): Promise<ExploreJobResult> {
  const model = makeModel(job.scenario, {
    ...(job.arch !== undefined && { arch: job.arch }),
    ...(job.variant !== undefined && { variant: job.variant }),
  });
  const limit = job.maxMemoryMb;
  let peak = process.memoryUsage().rss;
  let interrupted = false;
  const onSigint = (): void => {
    interrupted = true;
  };
  process.on('SIGINT', onSigint);
  const t0 = performance.now();
  const result = await exploreThreads({
    scenario: job.scenario,
    arch: model.arch.name,
    variant: model.variant.name,
    properties: job.properties ?? defaultProperties(false).map((p) => p.id),
    options: job.options,
    workers: Math.min(workers, availableParallelism() * 4),
    visitedBytes: limit !== undefined ? limit * 1e6 : 4 * 2 ** 30,
    ...(hooks.progress && { onProgress: hooks.progress }),
    shouldStop: () => {
      const rss = process.memoryUsage().rss;
      if (rss > peak) peak = rss;
      if (limit !== undefined && rss > limit * 1e6) return `memory limit ${limit} MB reached`;
      if (interrupted) return 'interrupted (Ctrl-C)';
      return hooks.stop?.() ?? null;
    },
  }).finally(() => process.off('SIGINT', onSigint));
  if (!result.schedule || !job.minimise || result.property === null)
    return finishJob(job, model, result, t0, peak);
  // Minimise on the threads too: a shortest schedule by a parallel BFS, then the one-thread
  // preemption shrinking (cheap replays) with the BFS step turned off.
  const t1 = performance.now();
  const used = [getProperty(result.property)];
  const bound = replayPicks(model, result.schedule, used).length;
  const shortest = await shortestOnThreads({
    scenario: job.scenario,
    arch: model.arch.name,
    variant: model.variant.name,
    property: result.property,
    workers: Math.min(workers, availableParallelism() * 4),
    depthBound: bound,
    maxStates: job.bfsMaxStates ?? 3_000_000,
  });
  const m = minimise(model, shortest ?? result.schedule, used, { shortest: false });
  const min = { ...m, shortest: shortest !== null && m.schedule.length === shortest.length };
  return finishJob(job, model, result, t0, peak, {
    min,
    seconds: (performance.now() - t1) / 1000,
  });
}
