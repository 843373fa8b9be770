import { existsSync, readFileSync } from 'node:fs';
import { release } from 'node:os';
import type { CommandModule } from './types.js';
import { json } from '../io.js';
import { loadScenario } from '../scenarios.js';
import {
  compareSides,
  conformOps,
  kernelSide,
  modelSide,
  parseTraceHeader,
  parseTraceText,
  SimError,
} from '../../src/index.js';
import { hostArch, recordConformTrace } from '../conform/run.js';
import { CannotTrace } from '../conform/tracefs.js';
import { EXIT } from '../exit.js';

export const conformCommand: CommandModule = {
  register(program, io, exit) {
    program
      .command('conform <scenario>')
      .description(
        "run the scenario's user ops on this Linux kernel, traced (page faults, TLB flushes), and compare op by op with ptesim; exit 0 agree, 1 differ, 2 cannot run here",
      )
      .option('--json', 'machine-readable output')
      .option('--keep <dir>', 'keep the generated program.c and the recorded trace.txt in DIR')
      .option('--trace <file>', 'compare with a recorded trace instead of running the program')
      .option('--arch <name>', "ptesim's architecture for --trace (default: the host's)")
      .action(
        (name: string, opts: { json?: boolean; keep?: string; trace?: string; arch?: string }) => {
          const scenario = loadScenario(name);
          const ops = conformOps(scenario);
          const arch = opts.arch ?? hostArch();
          if (arch === null) {
            io.err(
              `ptesim conform: no ptesim architecture for this CPU (${process.arch}); pass --arch with --trace`,
            );
            exit.code = EXIT.badInput;
            return;
          }
          let text: string;
          let where: string;
          if (opts.trace !== undefined) {
            if (!existsSync(opts.trace))
              throw new SimError('BAD_ARGUMENT', `no such file`, opts.trace);
            text = readFileSync(opts.trace, 'utf8');
            where = opts.trace;
          } else {
            try {
              text = recordConformTrace(scenario, name, opts.keep);
            } catch (e) {
              if (!(e instanceof CannotTrace)) throw e;
              io.err(`ptesim conform: cannot run here: ${e.message}`);
              exit.code = EXIT.badInput;
              return;
            }
            where = 'recorded trace';
          }
          const header = parseTraceHeader(text);
          const kernel = opts.trace !== undefined ? header.kernel : release();
          const k = kernelSide(parseTraceText(text, where), scenario, ops, where);
          const m = modelSide(scenario, ops, arch);
          const rows = compareSides(ops, m.ops, k.ops);
          const agree = rows.every((r) => r.agree);
          exit.code = agree ? EXIT.ok : EXIT.violated;
          if (opts.json)
            return json(io, {
              scenario: scenario.name,
              kernel,
              machine: header.machine,
              arch,
              agree,
              rows: rows.map((r) => ({
                op: r.g,
                thread: r.thread,
                what: r.text,
                ptesim: r.ptesim,
                kernel: r.kernel,
                agree: r.agree,
              })),
            });
          const names = scenario.threads.map((t) => t.name);
          const table = [['#', 'thread', 'op', 'ptesim', 'kernel', 'agree']].concat(
            rows.map((r) => [
              String(r.g),
              names[r.thread] ?? String(r.thread),
              r.text,
              r.ptesim,
              r.kernel,
              r.agree ? 'yes' : 'NO',
            ]),
          );
          const widths = table[0]!.map((_, c) => Math.max(...table.map((row) => row[c]!.length)));
          for (const row of table)
            io.out(
              row
                .map((cell, c) => cell.padEnd(widths[c]!))
                .join('  ')
                .trimEnd(),
            );
          const differ = rows.filter((r) => !r.agree).map((r) => r.g);
          io.out(
            `${agree ? 'agree' : `DIFFER at op ${differ.join(', ')}`}: ${scenario.name}, ptesim ${arch} vs Linux ${kernel ?? '(kernel version not recorded)'}`,
          );
        },
      );
  },
};
