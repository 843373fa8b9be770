import { EXIT } from '../exit.js';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { CommandModule } from './types.js';
import { json } from '../io.js';
import {
  bisectProperty,
  bisectStates,
  formatEvent,
  getProperty,
  makeModel,
  openLogFile,
  SimError,
  type BisectResult,
  type Layout,
  type Scenario,
  type SimState,
  type StateSource,
} from '../../src/index.js';

/** What a --predicate module exports (default export, or `predicate`): true = bad. */
export type Predicate = (
  state: SimState,
  ctx: { readonly events: number; readonly scenario: Scenario; readonly layout: Layout },
) => unknown;

async function loadPredicate(file: string): Promise<Predicate> {
  let mod: Record<string, unknown>;
  try {
    mod = (await import(pathToFileURL(resolve(file)).href)) as Record<string, unknown>;
  } catch (e) {
    throw new SimError(
      'BAD_ARGUMENT',
      `cannot load the predicate module: ${(e as Error).message.split('\n')[0]}`,
      file,
    );
  }
  const fn = mod['default'] ?? mod['predicate'];
  if (typeof fn !== 'function')
    throw new SimError(
      'BAD_ARGUMENT',
      `expected the module to export a function (default or 'predicate') taking a state and returning true when it is bad, found ${typeof fn}`,
      file,
    );
  return fn as Predicate;
}

/** The CLI's exit table (tools/exit.ts): 0 good, 1 bad, 3 cannot tell. */
const EXIT_OF: Record<BisectResult['verdict'], number> = {
  good: EXIT.ok,
  bad: EXIT.violated,
  'cannot-tell': EXIT.inconclusive,
};

/**
 * `ptesim bisect <log> --property ID | --predicate FILE`: the first event after which the
 * answer is bad, found with O(log n) state reconstructions from the log's checkpoints (a
 * property without a state form is found by one linear pass of its checker). Exit codes are the
 * CLI's table: 0 good, 1 bad, 3 cannot tell, 2 bad input (a `git bisect run` script maps 3 to
 * 125 itself).
 */
export const bisectCommand: CommandModule = {
  register(program, io, exit) {
    program
      .command('bisect <log>')
      .description(
        'first event at which a property fails or a state predicate turns true (exit 0 good, 1 bad, 3 cannot tell)',
      )
      .option('--property <id>', 'a property id (ptesim properties)')
      .option(
        '--predicate <file>',
        'a JS module exporting (state, {events, scenario, layout}) => boolean, true = bad; must be monotone',
      )
      .option(
        '--linear',
        'for --property: use the linear checker pass even if the property has a state form',
      )
      .option('--salvage', 'bisect the valid prefix of a log cut short')
      .option('--json', 'machine-readable output')
      .action(
        async (
          path: string,
          opts: {
            property?: string;
            predicate?: string;
            linear?: boolean;
            salvage?: boolean;
            json?: boolean;
          },
        ) => {
          if ((opts.property === undefined) === (opts.predicate === undefined))
            throw new SimError(
              'BAD_ARGUMENT',
              'give exactly one of --property ID or --predicate FILE',
            );
          const property = opts.property !== undefined ? getProperty(opts.property) : null;
          const predicate =
            opts.predicate !== undefined ? await loadPredicate(opts.predicate) : null;
          const log = openLogFile(path, { salvage: opts.salvage === true });
          let r: BisectResult;
          const model = makeModel(log.header.scenario, {
            arch: log.header.arch,
            variant: log.header.variant,
          });
          try {
            const source: StateSource = log;
            if (property)
              r = bisectProperty(source, model, property, { linear: opts.linear === true });
            else {
              const ctx = (n: number) => ({
                events: n,
                scenario: model.scenario,
                layout: model.layout,
              });
              r = bisectStates(
                source,
                (s, n) => {
                  const v = (predicate as Predicate)(s, ctx(n));
                  return typeof v === 'string' ? v : v ? true : null;
                },
                model,
              );
            }
          } finally {
            log.close();
          }
          exit.code = EXIT_OF[r.verdict];
          const question = property ? `property ${property.id}` : `predicate ${opts.predicate}`;
          if (opts.json)
            return json(io, {
              log: path,
              events: log.length,
              question,
              checkpointEvery: log.layout.checkpointEvery,
              ...r,
            });
          io.out(`bisect of ${path} (${log.length} events) for ${question}`);
          const how =
            r.method === 'scan'
              ? 'one linear pass of the checker (the property has no state form)'
              : `${r.probes} state reconstruction${r.probes === 1 ? '' : 's'} (${
                  log.checkpoints.length
                    ? `from ${log.checkpoints.length} checkpoints, every ${log.layout.checkpointEvery} events`
                    : 'the log has no checkpoints: each folds from the start'
                })`;
          if (r.verdict === 'good') return io.out(`good: never bad (${how})`);
          if (r.verdict === 'cannot-tell') return io.out(`cannot tell: ${r.reason ?? '?'}`);
          if (r.firstBad === -1)
            return io.out(`bad already in the initial state: ${r.message ?? ''} (${how})`);
          io.out(`first bad event: ${r.firstBad}, found with ${how}`);
          const tid = r.event && 'tid' in r.event ? r.event.tid : null;
          const who =
            tid !== null
              ? ` (thread ${tid}${model.scenario.threads[tid] ? ` ${model.scenario.threads[tid]?.name}` : ''})`
              : '';
          if (r.event) io.out(`  > ${r.firstBad}  ${formatEvent(r.event, model)}${who}`);
          if (r.message && r.message !== 'bad') io.out(`  ${r.message}`);
          io.out(
            r.diff.length ? `state diff across event ${r.firstBad}:` : 'the event changes no state',
          );
          for (const d of r.diff) io.out(`  ${d.path}: ${d.a} -> ${d.b}`);
        },
      );
  },
};
