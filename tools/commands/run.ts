import type { CommandModule } from './types.js';
import { INCONCLUSIVE } from '../verdictWords.js';
import { json, type Io } from '../io.js';
import { loadScenario } from '../scenarios.js';
import { intArg } from '../args.js';
import {
  FileSink,
  formatSchedule,
  makeModel,
  parseSchedule,
  recordRun,
  runModel,
  type RunResult,
} from '../../src/index.js';
import { checkOutputPath } from '../../src/index.js';

interface RunOpts {
  arch?: string;
  variant?: string;
  seed: number;
  steps: number;
  out?: string;
  schedule?: string;
  json?: boolean;
}

export function printVerdicts(io: Io, r: RunResult): void {
  const w = Math.max(...r.verdicts.map((v) => v.id.length));
  const held = r.verdicts.filter((v) => v.ok === true).map((v) => v.id);
  for (const v of r.verdicts) {
    if (v.ok === true) continue;
    const bad = v.severity === 'warning' ? 'WARNING' : 'VIOLATED';
    const status =
      v.ok === false
        ? `${bad} at event ${v.firstViolationEvent}`
        : `${INCONCLUSIVE} (run not finished)`;
    io.out(`  ${v.id.padEnd(w)}  ${status}${v.message ? `: ${v.message}` : ''}`);
  }
  if (held.length) io.out(`  holds (${held.length}): ${held.join(', ')}`);
}

export const runCommand: CommandModule = {
  register(program, io, exit) {
    program
      .command('run <scenario>')
      .description('run one seeded execution, check every property, optionally record the log')
      .option('--arch <name>', "architecture (default: the scenario's)")
      .option('--variant <name>', "helper variant (default: the scenario's)")
      .option('--seed <n>', 'scheduler seed', intArg('--seed', 0xffffffff), 1)
      .option('--steps <n>', 'step bound', intArg('--steps'), 100_000)
      .option(
        '--schedule <str>',
        "follow these picks first, e.g. '0.1:2.0*3' (thread[:choice][*count])",
      )
      .option('--out <file>', 'write the log here (written whole or not at all)')
      .option('--json', 'machine-readable output')
      .action((name: string, opts: RunOpts) => {
        if (opts.out !== undefined) checkOutputPath(opts.out, [name]);
        const model = makeModel(loadScenario(name), {
          ...(opts.arch !== undefined && { arch: opts.arch }),
          ...(opts.variant !== undefined && { variant: opts.variant }),
        });
        const runOpts = {
          seed: opts.seed,
          maxSteps: opts.steps,
          ...(opts.schedule !== undefined && { schedule: parseSchedule(opts.schedule) }),
        };
        let result: RunResult;
        if (opts.out !== undefined) {
          const sink = new FileSink(opts.out, [name]);
          try {
            result = recordRun(model, runOpts, sink);
          } catch (e) {
            sink.abort();
            throw e;
          }
          sink.commit();
        } else result = runModel(model, runOpts);
        const failed = result.verdicts.some((v) => v.ok === false && v.severity === 'failure');
        exit.code = failed ? 1 : 0;
        if (opts.json)
          return json(io, {
            scenario: model.scenario.name,
            arch: model.arch.name,
            variant: model.variant.name,
            seed: opts.seed,
            events: result.events,
            steps: result.steps,
            end: result.end,
            finalStateHash: result.finalStateHash,
            properties: result.verdicts,
            schedule: formatSchedule(result.picks),
            log: opts.out ?? null,
          });
        io.out(
          `${model.scenario.name} on ${model.arch.name} with ${model.variant.name}, seed ${opts.seed}: ` +
            `${result.steps} steps, ${result.events} events, ended ${result.end}`,
        );
        printVerdicts(io, result);
        io.out(
          `final state hash ${result.finalStateHash}${opts.out ? `\nlog written to ${opts.out}` : ''}`,
        );
      });
  },
};
