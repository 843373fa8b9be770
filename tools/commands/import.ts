import { existsSync, readFileSync } from 'node:fs';
import type { CommandModule } from './types.js';
import { json } from '../io.js';
import { loadScenario } from '../scenarios.js';
import {
  conformOps,
  FileSink,
  kernelSide,
  observedEvents,
  observedScenarioText,
  parseScenarioText,
  parseTraceHeader,
  parseTraceText,
  recordObserved,
  SimError,
  type Scenario,
  type TraceRecord,
} from '../../src/index.js';

/**
 * `ptesim import <trace.txt> --out run.ptesim`: a recorded tracefs or `trace-cmd report` text
 * as a log of observed events (obs/fault, obs/flush, obs/mark, each with its raw line), which
 * show, export and audit read. A trace recorded by `conform --keep` keeps its scenario in the
 * header and only the program's own records (C-1); any other trace gets a stand-in scenario
 * and keeps every fault, flush and marker line.
 */
export const importCommand: CommandModule = {
  register(program, io, exit) {
    program
      .command('import <trace>')
      .description(
        'turn a recorded ftrace text (tracefs trace or trace-cmd report) into a log of observed events',
      )
      .requiredOption('--out <file>', 'write the log here (written whole or not at all)')
      .option('--scenario <name>', 'the scenario the trace came from (default: its head, if any)')
      .option('--arch <name>', 'architecture in the log header', 'x86-64')
      .option('--json', 'machine-readable output')
      .action(
        (path: string, opts: { out: string; scenario?: string; arch: string; json?: boolean }) => {
          if (!existsSync(path)) throw new SimError('BAD_ARGUMENT', 'no such file', path);
          let text: string;
          try {
            text = readFileSync(path, 'utf8');
          } catch (e) {
            throw new SimError('BAD_ARGUMENT', `cannot read: ${(e as Error).message}`, path);
          }
          const head = parseTraceHeader(text);
          let records: readonly TraceRecord[] = parseTraceText(text, path);
          const name = opts.scenario ?? head.scenario;
          let scenario: Scenario;
          let filtered = false;
          if (name !== null) {
            scenario = loadScenario(name);
            records = kernelSide(records, scenario, conformOps(scenario), path).kept;
            filtered = true;
          } else {
            const cpus = records.reduce((m, r) => Math.max(m, r.cpu + 1), 1);
            scenario = parseScenarioText(
              observedScenarioText(Math.min(cpus, 31)),
              'imported trace',
            );
          }
          const { events, skipped } = observedEvents(records, path);
          const sink = new FileSink(opts.out);
          try {
            recordObserved(scenario, opts.arch, events, sink);
          } catch (e) {
            sink.abort();
            throw e;
          }
          sink.commit();
          exit.code = 0;
          const count = (t: string): number => events.filter((e) => e.type === t).length;
          const summary = {
            trace: path,
            out: opts.out,
            scenario: scenario.name,
            kernel: head.kernel,
            filtered,
            faults: count('obs/fault'),
            flushes: count('obs/flush'),
            marks: count('obs/mark'),
            skipped,
          };
          if (opts.json) return json(io, summary);
          io.out(
            `${opts.out}: ${summary.faults} faults, ${summary.flushes} flushes, ${summary.marks} markers observed` +
              `${filtered ? ` (the program of ${scenario.name} only)` : ''}${skipped ? `; ${skipped} other events left out` : ''}`,
          );
        },
      );
  },
};
