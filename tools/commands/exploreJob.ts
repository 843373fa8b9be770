import {
  explore,
  formatSchedule,
  getProperty,
  makeModel,
  minimise,
  type ExploreOptions,
  type ExploreProgress,
  type ExploreResult,
  type Minimised,
  type Model,
  type Scenario,
} from '../../src/index.js';
import { overMemory } from '../parallel/resources.js';
import { exploreSubtree, type Exchange, type Subtree } from '../queue/subtree.js';

/** One search, as plain data (it crosses a worker boundary). */
export interface ExploreJob {
  readonly scenario: Scenario;
  /** How to name the scenario in a replay command (built-in name or path). */
  readonly scenarioRef: string;
  readonly arch?: string;
  readonly variant?: string;
  readonly properties?: readonly string[];
  readonly options: Omit<ExploreOptions, 'properties' | 'onProgress' | 'shouldStop'>;
  readonly minimise: boolean;
  /** State budget of the shortest-counterexample BFS. @default 3_000_000 */
  readonly bfsMaxStates?: number;
  readonly maxMemoryMb?: number;
  /** Explore only this subtree of the search (a job from `explore --queue`). */
  readonly subtree?: Subtree;
  /**
   * The Redis key where the subtree jobs of one search share the states they stored
   * (tools/queue/share.ts).
   */
  readonly share?: string;
}

export interface ExploreJobResult {
  readonly scenario: string;
  readonly arch: string;
  readonly variant: string;
  readonly result: ExploreResult;
  readonly minimised: Minimised | null;
  /** The counterexample as a schedule string (minimised when asked), or null. */
  readonly schedule: string | null;
  readonly length: number | null;
  readonly seconds: number;
  readonly minimiseSeconds: number;
  readonly peakRssMb: number;
  /** `ptesim run ... --schedule ...` reproducing the counterexample. */
  readonly replay: string | null;
}

export interface JobHooks {
  progress?(p: ExploreProgress): void;
  /** Non-null: stop with this reason. */
  stop?(): string | null;
  /** A subtree job's exchange of stored states with the other jobs of its search. */
  exchange?: Exchange;
}

/** Least time between two reads of the resident set during a search (ms). */
const RSS_MS = 20;

/** Run one job in this thread (the CLI runs it in a worker when it can). */
export function runJob(job: ExploreJob, hooks: JobHooks = {}): ExploreJobResult {
  const model = makeModel(job.scenario, {
    ...(job.arch !== undefined && { arch: job.arch }),
    ...(job.variant !== undefined && { variant: job.variant }),
  });
  const props = job.properties?.map(getProperty);
  let peak = process.memoryUsage().rss;
  const limit = job.maxMemoryMb;
  let states = 0;
  const t0 = performance.now();
  // The resident set is read at most every RSS_MS (a read costs tens of microseconds; one per
  // 2000 transitions was 1% of a search); the growth projection uses the states of every call.
  let rss = peak;
  let rssAt = performance.now();
  const stop = (): string | null => {
    const now = performance.now();
    if (now - rssAt >= RSS_MS) {
      rss = process.memoryUsage.rss();
      rssAt = now;
      if (rss > peak) peak = rss;
    }
    if (limit !== undefined && overMemory(rss, states, limit))
      return `memory limit ${limit} MB reached`;
    return hooks.stop?.() ?? null;
  };
  if (job.subtree) {
    const subtree = job.subtree;
    const r = exploreSubtree({ ...job, subtree }, model, {
      ...(hooks.progress && { progress: hooks.progress }),
      ...(hooks.exchange && { exchange: hooks.exchange }),
      stop: (n) => {
        states = n;
        return stop();
      },
    });
    return finishJob(job, model, r, t0, peak);
  }
  const result = explore(model, {
    // Under a memory limit, project the table's growth every 2000 transitions (the resident
    // set itself is read at most every RSS_MS).
    ...(limit !== undefined && { progressEvery: 2000 }),
    ...job.options,
    ...(props !== undefined && { properties: props }),
    onProgress: (p) => {
      states = p.states;
      hooks.progress?.(p);
    },
    shouldStop: stop,
  });
  return finishJob(job, model, result, t0, peak);
}

/**
 * Minimise a search's counterexample (when the job asks) and assemble the job's result;
 * `t0` is when the search started, `peak` the highest resident set seen during it.
 */
export function finishJob(
  job: ExploreJob,
  model: Model,
  result: ExploreResult,
  t0: number,
  peakRss: number,
  /** The minimised counterexample when the caller made it (the threaded search does). */
  made?: { readonly min: Minimised | null; readonly seconds: number },
): ExploreJobResult {
  let peak = peakRss;
  const t1 = performance.now() - (made ? made.seconds * 1000 : 0);
  let min: Minimised | null = made?.min ?? null;
  if (result.schedule && job.minimise && !made) {
    const used = (job.properties ?? result.properties).map(getProperty);
    min = minimise(
      model,
      result.schedule,
      used,
      job.bfsMaxStates !== undefined ? { bfsMaxStates: job.bfsMaxStates } : {},
    );
  }
  const t2 = performance.now();
  const rss = process.memoryUsage().rss;
  if (rss > peak) peak = rss;
  const picks = min?.schedule ?? result.schedule;
  const schedule = picks ? formatSchedule(picks) : null;
  return {
    scenario: model.scenario.name,
    arch: model.arch.name,
    variant: model.variant.name,
    result,
    minimised: min,
    schedule,
    length: picks ? picks.length : null,
    seconds: (t1 - t0) / 1000,
    minimiseSeconds: (t2 - t1) / 1000,
    peakRssMb: Math.round(peak / 1e6),
    replay:
      schedule === null
        ? null
        : `ptesim run ${job.scenarioRef} --arch ${model.arch.name} --variant ${model.variant.name} --schedule '${schedule}' --steps ${picks?.length ?? 0}`,
  };
}
