import { EXIT } from '../exit.js';
import { availableParallelism } from 'node:os';
import type { CommandModule } from './types.js';
import { progressMeter } from '../progress.js';
import { INCONCLUSIVE } from '../verdictWords.js';
import { json } from '../io.js';
import { collect, intArg } from '../args.js';
import { loadScenario } from '../scenarios.js';
import {
  FileSink,
  makeModel,
  recordRun,
  SimError,
  type Model,
  type Pick,
  parseSchedule,
} from '../../src/index.js';
import { checkOutputPath } from '../../src/index.js';
import { runJobs } from './explorePool.js';
import { runThreadedJob, splittable } from '../parallel/job.js';
import { exploreOnQueue } from '../queue/explore.js';
import { checkWorkers, defaultMaxMemoryMb, THREAD_MB } from '../parallel/resources.js';
import type { ExploreJob, ExploreJobResult } from './exploreJob.js';

interface ExploreOpts {
  arch?: string;
  variant?: string;
  property?: string[];
  strategy: string;
  preemptionBound?: number;
  depth?: number;
  maxStates?: number;
  maxMemory?: number;
  workers?: number;
  runs?: number;
  seed?: number;
  pctDepth?: number;
  por: boolean;
  symmetry: boolean;
  exact?: boolean;
  sleepSets?: boolean;
  minimise: boolean;
  bfsStates?: number;
  out?: string;
  json?: boolean;
  queue?: string;
  jobs?: number;
}

const STRATEGIES = ['dfs', 'bfs', 'random', 'pct'] as const;

/** Write the counterexample log: the schedule replayed by recordRun, whole or not at all. */
export function writeCounterexample(model: Model, picks: readonly Pick[], path: string): void {
  const sink = new FileSink(path);
  try {
    recordRun(model, { schedule: picks, maxSteps: picks.length, seed: 1 }, sink);
  } catch (e) {
    sink.abort();
    throw e;
  }
  sink.commit();
}

export function exploreJson(r: ExploreJobResult, log: string | null): Record<string, unknown> {
  return {
    scenario: r.scenario,
    arch: r.arch,
    variant: r.variant,
    verdict: r.result.verdict,
    exhaustive: r.result.exhaustive,
    reason: r.result.reason,
    strategy: r.result.strategy,
    property: r.result.property,
    message: r.minimised?.message ?? r.result.message,
    properties: r.result.properties,
    states: r.result.stats.states,
    transitions: r.result.stats.transitions,
    seconds: r.seconds,
    minimiseSeconds: r.minimiseSeconds,
    peakMemoryMb: r.peakRssMb,
    schedule: r.schedule,
    length: r.length,
    shortest: r.minimised?.shortest ?? null,
    preemptions: r.minimised?.preemptions ?? null,
    foundLength: r.result.schedule?.length ?? null,
    replay: r.replay,
    log,
    stats: r.result.stats,
  };
}

export const exploreCommand: CommandModule = {
  register(program, io, exit) {
    program
      .command('explore <scenario>')
      .description(
        'search the interleavings: exhaustive (dfs/bfs, with POR and symmetry) or random/PCT; minimal counterexample',
      )
      .option('--arch <name>', "architecture (default: the scenario's)")
      .option('--variant <name>', "helper variant (default: the scenario's)")
      .option(
        '--property <ids>',
        'properties to check (repeatable or comma-separated; default: all a search can check)',
        collect,
      )
      .option('--strategy <s>', 'dfs | bfs | random | pct', 'dfs')
      .option(
        '--preemption-bound <k>',
        'explore only paths with at most K preemptions (turns POR off)',
        intArg('--preemption-bound', 1000),
      )
      .option('--depth <n>', 'bound on scheduler steps per path', intArg('--depth', 10_000_000))
      .option('--max-states <n>', 'stop after storing N states', intArg('--max-states'))
      .option(
        '--max-memory <mb>',
        'stop cleanly before the process exceeds this many MB (default: half the machine)',
        intArg('--max-memory', 1_000_000),
      )
      .option(
        '--workers <n>',
        'worker threads (default: the cores): random/pct split their runs, an exhaustive DFS its states',
        intArg('--workers', 256),
      )
      .option('--runs <n>', 'random/pct: executions', intArg('--runs', 100_000_000))
      .option('--seed <n>', 'random/pct: seed of the first execution', intArg('--seed', 0xffffffff))
      .option('--pct-depth <d>', 'pct: bug depth d', intArg('--pct-depth', 100))
      .option('--no-por', 'turn partial-order reduction off')
      .option('--no-symmetry', 'turn symmetry reduction off')
      .option('--sleep-sets', 'add sleep sets (DFS; observed footprints; turns symmetry off)')
      .option('--exact', 'store exact state keys instead of 64-bit fingerprints')
      .option('--no-minimise', 'report the counterexample as found (no BFS / preemption shrinking)')
      .option(
        '--bfs-states <n>',
        'state budget of the shortest-counterexample BFS',
        intArg('--bfs-states'),
      )
      .option(
        '--queue <url>',
        'run on `ptesim worker` processes through a Redis queue (redis://host:port)',
      )
      .option(
        '--jobs <n>',
        'with --queue: cut the search into about this many jobs (default 16)',
        intArg('--jobs', 100_000),
      )
      .option('--out <file>', 'write the counterexample log here')
      .option('--json', 'machine-readable output')
      .action(async (name: string, o: ExploreOpts) => {
        if (o.out !== undefined) checkOutputPath(o.out, [name]);
        if (!(STRATEGIES as readonly string[]).includes(o.strategy))
          throw new SimError(
            'BAD_ARGUMENT',
            `--strategy expects one of ${STRATEGIES.join(', ')}, got '${o.strategy}'`,
          );
        const strategy = o.strategy as (typeof STRATEGIES)[number];
        const scenario = loadScenario(name);
        const model = makeModel(scenario, {
          ...(o.arch !== undefined && { arch: o.arch }),
          ...(o.variant !== undefined && { variant: o.variant }),
        });
        const maxMemoryMb = o.maxMemory ?? defaultMaxMemoryMb();
        if (o.workers !== undefined && o.queue === undefined) checkWorkers(o.workers, maxMemoryMb);
        const workers =
          o.workers ??
          Math.max(1, Math.min(availableParallelism(), Math.floor(maxMemoryMb / THREAD_MB)));
        const base: ExploreJob = {
          scenario,
          scenarioRef: name,
          arch: model.arch.name,
          variant: model.variant.name,
          ...(o.property !== undefined && { properties: o.property }),
          options: {
            strategy,
            por: o.por,
            symmetry: o.symmetry,
            ...(o.exact !== undefined && { exact: o.exact }),
            ...(o.sleepSets !== undefined && { sleepSets: o.sleepSets }),
            ...(o.preemptionBound !== undefined && { preemptionBound: o.preemptionBound }),
            ...(o.depth !== undefined && { depth: o.depth }),
            ...(o.maxStates !== undefined && { maxStates: o.maxStates }),
            ...(o.runs !== undefined && { runs: o.runs }),
            ...(o.seed !== undefined && { seed: o.seed }),
            ...(o.pctDepth !== undefined && { pctDepth: o.pctDepth }),
          },
          minimise: o.minimise,
          ...(o.bfsStates !== undefined && { bfsMaxStates: o.bfsStates }),
          maxMemoryMb,
        };
        // Random/PCT: split the runs over the workers (disjoint seed ranges).
        const jobs: ExploreJob[] = [];
        const split = o.queue !== undefined ? (o.jobs ?? 16) : workers;
        if ((strategy === 'random' || strategy === 'pct') && split > 1) {
          const runs = o.runs ?? 1000;
          const per = Math.ceil(runs / split);
          for (let w = 0; w < split; w++)
            jobs.push({
              ...base,
              options: {
                ...base.options,
                runs: Math.max(0, Math.min(per, runs - w * per)),
                seed: (o.seed ?? 1) + w * per,
              },
            });
        } else jobs.push(base);
        const sampling = strategy === 'random' || strategy === 'pct';
        const meter = progressMeter(
          `explore ${scenario.name}`,
          sampling
            ? { runs: jobs[0]?.options.runs ?? 1000 }
            : { ...(o.maxStates !== undefined && { states: o.maxStates }) },
        );
        const results =
          o.queue !== undefined
            ? await exploreOnQueue(o.queue, jobs, model, o.jobs ?? 16)
            : jobs.length === 1 && splittable(base, workers)
              ? [await runThreadedJob(base, workers, { progress: (p) => meter.update(p) })]
              : await runJobs(jobs, workers, (_, p) => meter.update(p));
        meter.done();
        const r =
          results.find((x) => x.result.verdict === 'violated') ?? (results[0] as ExploreJobResult);
        let log: string | null = null;
        if (r.schedule !== null && o.out !== undefined) {
          writeCounterexample(model, parseSchedule(r.schedule), o.out);
          log = o.out;
        }
        exit.code =
          r.result.verdict === 'violated'
            ? EXIT.violated
            : results.some((x) => x.result.verdict !== 'holds')
              ? EXIT.inconclusive
              : EXIT.ok;
        const totalStates = results.reduce((n, x) => n + x.result.stats.states, 0);
        const totalTr = results.reduce((n, x) => n + x.result.stats.transitions, 0);
        if (o.json)
          return json(io, {
            ...exploreJson(r, log),
            states: totalStates,
            transitions: totalTr,
            jobs: results.length,
          });
        const s = r.result.stats;
        io.out(
          `${r.scenario} on ${r.arch} with ${r.variant}, ${r.result.strategy}: ` +
            (r.result.verdict === 'holds'
              ? `HOLDS (exhaustive) for ${r.result.properties.join(', ')}`
              : r.result.verdict === 'violated'
                ? `VIOLATED ${r.result.property}`
                : `${INCONCLUSIVE.toUpperCase()}: no violation found, not exhaustive (${r.result.reason})`),
        );
        io.out(
          `  ${totalStates.toLocaleString('en')} states, ${totalTr.toLocaleString('en')} transitions, ${r.seconds.toFixed(2)} s, ` +
            `peak ${r.peakRssMb} MB (POR ample states ${s.ampleStates}, sleep-set prunes ${s.sleepPruned}, symmetry hits ${s.symmetryHits}, deadlocks ${s.deadlocks})`,
        );
        if (r.result.verdict === 'violated') {
          io.out(`  ${r.minimised?.message ?? r.result.message}`);
          io.out(
            `  counterexample: ${r.length} steps` +
              (r.minimised
                ? ` (found ${r.result.schedule?.length}; ${r.minimised.shortest ? 'shortest by BFS' : 'not proven shortest'}, ${r.minimised.preemptions} preemptions)`
                : ''),
          );
          io.out(`  schedule ${r.schedule}`);
          io.out(`  replay: ${r.replay}`);
          if (log) io.out(`  log written to ${log}`);
        }
      });
  },
};
