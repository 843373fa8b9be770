import { mkdirSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import type { CommandModule } from './types.js';
import { json } from '../io.js';
import { collect, intArg } from '../args.js';
import { builtinNames, loadScenario } from '../scenarios.js';
import {
  listArchs,
  listVariants,
  makeModel,
  parseSchedule,
  SimError,
  type Scenario,
} from '../../src/index.js';
import { runJobs } from './explorePool.js';
import type { ExploreJob, ExploreJobResult } from './exploreJob.js';
import { exploreJson, progressLine, writeCounterexample } from './explore.js';

interface MatrixOpts {
  arch?: string[];
  variant?: string[];
  property?: string[];
  strategy: string;
  maxStates: number;
  bfsStates: number;
  seeds?: number;
  workers?: number;
  outDir?: string;
  json?: boolean;
  markdown?: boolean;
}

interface Cell {
  readonly scenario: string;
  readonly variant: string;
  readonly arch: string;
  readonly r: ExploreJobResult;
  readonly log: string | null;
}

/** holds / VIOLATED(property, length) / bounded(why) / none in N runs (random, PCT). */
export function cellText(r: ExploreJobResult): string {
  const v = r.result;
  if (v.verdict === 'violated')
    return `VIOLATED(${v.property}, ${r.length}${r.minimised?.shortest ? '' : '+'})`;
  if (v.verdict === 'holds') return 'holds';
  // Sampling strategies prove nothing: say what was tried, not "bounded".
  if (v.stats.runs > 0) return `none in ${v.stats.runs.toLocaleString('en')} runs`;
  return `bounded(${v.stats.states.toLocaleString('en')} states)`;
}

/**
 * Verdict table over scenarios × variants × archs from explore: one search per cell (on a pool
 * of worker threads), minimised counterexamples, logs written to --out-dir. Default cells: each
 * scenario's `matrix` hints (its own arch/variant when it has none).
 */
export const matrixCommand: CommandModule = {
  register(program, io, exit) {
    program
      .command('matrix [scenarios...]')
      .description('verdicts of scenarios × variants × archs as one table (explore per cell)')
      .option(
        '--arch <list>',
        "architectures, comma-separated, or 'all' (default: each scenario's matrix hint)",
        collect,
      )
      .option(
        '--variant <list>',
        "variants, comma-separated, or 'all' (default: each scenario's matrix hint)",
        collect,
      )
      .option(
        '--property <ids>',
        'properties (default: all an exhaustive search can check)',
        collect,
      )
      .option('--strategy <s>', 'dfs | bfs | random | pct', 'dfs')
      .option(
        '--max-states <n>',
        'state budget per cell; beyond it the cell is bounded (2M: the SPIN-sized 2 callers x 2 pages x 2 CPUs configurations finish)',
        intArg('--max-states'),
        2_000_000,
      )
      .option(
        '--bfs-states <n>',
        'state budget of the shortest-counterexample BFS per violated cell',
        intArg('--bfs-states'),
        400_000,
      )
      .option('--seeds <n>', 'random/pct: executions per cell', intArg('--seeds', 1_000_000))
      .option('--workers <n>', 'worker threads (default: every core)', intArg('--workers', 256))
      .option('--out-dir <dir>', 'write counterexample logs here')
      .option('--json', 'machine-readable output')
      .option('--markdown', 'a Markdown table')
      .action(async (names: string[], o: MatrixOpts) => {
        if (!['dfs', 'bfs', 'random', 'pct'].includes(o.strategy))
          throw new SimError(
            'BAD_ARGUMENT',
            `--strategy expects dfs, bfs, random or pct, got '${o.strategy}'`,
          );
        const refs = names.length ? names : builtinNames();
        const scenarios: [string, Scenario][] = refs.map((n) => [n, loadScenario(n)]);
        const pick = (
          list: string[] | undefined,
          all: string[],
          hint: readonly string[],
        ): string[] => (list === undefined ? [...hint] : list.includes('all') ? all : list);
        const allArchs = listArchs().map((a) => a.name);
        const allVariants = listVariants().map((v) => v.name);
        const jobs: ExploreJob[] = [];
        for (const [ref, s] of scenarios)
          for (const variant of pick(o.variant, allVariants, s.matrix.variants))
            for (const arch of pick(o.arch, allArchs, s.matrix.archs)) {
              makeModel(s, { arch, variant }); // unknown names fail here, before any work
              jobs.push({
                scenario: s,
                scenarioRef: ref,
                arch,
                variant,
                ...(o.property !== undefined && { properties: o.property }),
                options: {
                  strategy: o.strategy as 'dfs',
                  maxStates: o.maxStates,
                  ...(o.seeds !== undefined && { runs: o.seeds }),
                },
                minimise: true,
                bfsMaxStates: o.bfsStates,
              });
            }
        const workers = o.workers ?? availableParallelism();
        const meter = progressLine(io, 'matrix');
        let done = 0;
        const t0 = performance.now();
        const results = await runJobs(jobs, workers, undefined, () => {
          done++;
          meter.update({
            states: done,
            transitions: jobs.length,
            depth: 0,
            queue: jobs.length - done,
            runs: 0,
          });
        });
        meter.done();
        if (o.outDir !== undefined) mkdirSync(o.outDir, { recursive: true });
        const cells: Cell[] = results.map((r, i) => {
          const job = jobs[i] as ExploreJob;
          let log: string | null = null;
          if (o.outDir !== undefined && r.schedule !== null) {
            log = join(
              o.outDir,
              `${job.scenarioRef.replace(/[^\w.-]+/g, '_')}.${r.variant}.${r.arch}.ptesim`,
            );
            writeCounterexample(
              makeModel(job.scenario, { arch: r.arch, variant: r.variant }),
              parseSchedule(r.schedule),
              log,
            );
          }
          return { scenario: r.scenario, variant: r.variant, arch: r.arch, r, log };
        });
        exit.code = cells.some((c) => c.r.result.verdict === 'violated') ? 1 : 0;
        if (o.json)
          return json(
            io,
            cells.map((c) => exploreJson(c.r, c.log)),
          );
        // Columns in registry order (x86-64 first), whatever order the cells came in.
        const used = new Set(cells.map((c) => c.arch));
        const archs = allArchs.filter((a) => used.has(a));
        const rowKeys = [...new Set(cells.map((c) => `${c.scenario}\u0000${c.variant}`))];
        const header = ['scenario', 'variant', ...archs];
        const rows = rowKeys.map((k) => {
          const [scenario, variant] = k.split('\u0000') as [string, string];
          return [
            scenario,
            variant,
            ...archs.map((a) => {
              const c = cells.find(
                (x) => x.scenario === scenario && x.variant === variant && x.arch === a,
              );
              return c ? cellText(c.r) : '-';
            }),
          ];
        });
        if (o.markdown) {
          io.out(`| ${header.join(' | ')} |\n|${header.map(() => '---').join('|')}|`);
          for (const r of rows) io.out(`| ${r.join(' | ')} |`);
        } else {
          const w = header.map((h, i) =>
            Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)),
          );
          io.out(header.map((h, i) => h.padEnd(w[i] ?? 0)).join('  '));
          for (const r of rows) io.out(r.map((x, i) => x.padEnd(w[i] ?? 0)).join('  '));
        }
        const secs = ((performance.now() - t0) / 1000).toFixed(1);
        io.out(
          `\n${cells.length} cells in ${secs} s on ${Math.min(workers, jobs.length)} workers. holds = exhaustive search found no violation; ` +
            `VIOLATED(property, n) = minimal counterexample of n steps (n+ = not proven shortest); bounded = state budget reached (--max-states); none in N runs = random/PCT sampling found nothing (no proof).`,
        );
        const logs = cells.filter((c) => c.log !== null);
        if (logs.length > 0) io.out(`${logs.length} counterexample logs written to ${o.outDir}`);
      });
  },
};
