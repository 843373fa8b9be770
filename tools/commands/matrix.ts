import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import type { CommandModule } from './types.js';
import { json } from '../io.js';
import { collect, intArg } from '../args.js';
import { builtinNames, loadScenario } from '../scenarios.js';
import {
  expectedVerdict,
  listArchs,
  verdictText,
  listVariants,
  makeModel,
  parseSchedule,
  SimError,
  type Scenario,
} from '../../src/index.js';
import { prepareOutputDir } from '../../src/index.js';
import { runJobs } from './explorePool.js';
import { runOnQueue } from '../queue/queue.js';
import type { ExploreJob } from './exploreJob.js';
import { exploreJson, writeCounterexample } from './explore.js';
import { progressMeter } from '../progress.js';
import {
  checkCell,
  MATRIX_HEADER,
  MATRIX_LEGEND,
  matrixExitCode,
  matrixRows,
  mismatchSummary,
  textTable,
  type MatrixCell,
} from './matrixTable.js';

interface MatrixOpts {
  arch?: string[];
  variant?: string[];
  property?: string[];
  strategy: string;
  maxStates: number;
  bfsStates: number;
  seeds?: number;
  workers?: number;
  queue?: string;
  outDir?: string;
  json?: boolean;
  markdown?: boolean;
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
      .option('--queue <url>', 'run the cells on `ptesim worker` processes (redis://host:port)')
      .option('--out-dir <dir>', 'write counterexample logs here')
      .option('--json', 'machine-readable output')
      .option('--markdown', 'a Markdown table')
      .action(async (names: string[], o: MatrixOpts) => {
        // Before any cell runs: a bad --out-dir is bad input, not a lost hour.
        if (o.outDir !== undefined) prepareOutputDir(o.outDir);
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
        const meter = progressMeter('matrix', { cells: jobs.length });
        let done = 0;
        const t0 = performance.now();
        const run = (onCell: () => void) =>
          o.queue !== undefined
            ? runOnQueue(o.queue, jobs, onCell)
            : runJobs(jobs, workers, undefined, onCell);
        const results = await run(() => {
          done++;
          meter.update({
            states: 0,
            transitions: 0,
            depth: 0,
            queue: jobs.length - done,
            runs: done,
          });
        });
        meter.done();
        const cells: MatrixCell[] = results.map((r, i) => {
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
          const expected = expectedVerdict(job.scenario.expect, r.arch, r.variant);
          return { scenario: r.scenario, variant: r.variant, arch: r.arch, r, log, expected };
        });
        const checks = cells.map((c) => checkCell(c.r, c.expected));
        exit.code = matrixExitCode(checks);
        if (o.json)
          return json(
            io,
            cells.map((c, i) => ({
              ...exploreJson(c.r, c.log),
              expected: c.expected === null ? null : verdictText(c.expected),
              check: checks[i],
            })),
          );
        const rows = matrixRows(cells);
        if (o.markdown) {
          const header = MATRIX_HEADER;
          io.out(`| ${header.join(' | ')} |\n|${header.map(() => '---').join('|')}|`);
          for (const r of rows) io.out(`| ${r.join(' | ')} |`);
        } else for (const line of textTable(MATRIX_HEADER, rows)) io.out(line);
        const secs = ((performance.now() - t0) / 1000).toFixed(1);
        const count = (k: string): number => checks.filter((c) => c === k).length;
        io.out(
          `\n${cells.length} cells, ${secs} s, ${Math.min(workers, jobs.length)} workers: ` +
            `${count('ok')} as expected, ${count('mismatch')} mismatched, ` +
            `${count('inconclusive')} inconclusive, ${count('unchecked')} unchecked.`,
        );
        for (const line of MATRIX_LEGEND) io.out(line);
        const bad = mismatchSummary(cells);
        if (bad.length > 0)
          io.out(`\nNot as expected (the scenarios' expect:):\n${bad.join('\n')}`);
        const logs = cells.filter((c) => c.log !== null);
        if (logs.length > 0) io.out(`${logs.length} counterexample logs written to ${o.outDir}`);
      });
  },
};
