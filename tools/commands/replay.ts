import type { CommandModule } from './types.js';
import { json } from '../io.js';
import { intArg } from '../args.js';
import { openLogFile, readAll, replayStream, resimulate } from '../../src/index.js';

export const replayCommand: CommandModule = {
  register(program, io, exit) {
    program
      .command('replay <log>')
      .description(
        'fold a log with evolve only and print the state hash; --until seeks from the nearest checkpoint; --resimulate re-derives it',
      )
      .option('--until <n>', 'stop after event N (inclusive)', intArg('--until'))
      .option('--resimulate', 're-derive the events from the scenario and the recorded picks')
      .option('--salvage', 'read the valid prefix of a log cut short or damaged')
      .option('--json', 'machine-readable output')
      .action(
        (
          path: string,
          opts: { until?: number; resimulate?: boolean; salvage?: boolean; json?: boolean },
        ) => {
          const reader = openLogFile(path, { salvage: opts.salvage === true });
          try {
            const r = replayStream(reader, opts.until);
            const resim = opts.resimulate ? resimulate(readAll(reader), path) : null;
            exit.code = r.matches === false || (resim && !resim.identical) ? 1 : 0;
            if (opts.json)
              return json(io, {
                events: r.events,
                finalStateHash: r.finalStateHash,
                recordedHash: r.recordedHash,
                matches: r.matches,
                truncated: reader.truncated,
                seekedFrom: r.seekedFrom,
                folded: r.folded,
                ...(resim && { resimulate: resim }),
              });
            io.out(`${r.events} events, state hash ${r.finalStateHash}`);
            if (r.seekedFrom > 0)
              io.out(
                `(sought from the checkpoint at event ${r.seekedFrom}, folded ${r.folded} events)`,
              );
            if (r.matches === false) io.out(`MISMATCH: the log's footer records ${r.recordedHash}`);
            else if (r.matches) io.out('matches the recorded final hash');
            if (reader.truncated)
              io.out(
                `log truncated: ${reader.truncated.eventsSurvived} events survived` +
                  (reader.truncated.atByte !== null
                    ? ` (valid prefix ends at byte ${reader.truncated.atByte})`
                    : '') +
                  (reader.truncated.reason ? `; ${reader.truncated.reason}` : ''),
              );
            if (resim?.initialDiffers)
              io.out(
                "re-simulation: today's model builds a different initial state than the log's header",
              );
            if (resim && (resim.identical || resim.firstDifference !== null))
              io.out(
                resim.identical
                  ? 're-simulation: identical'
                  : `re-simulation differs at event ${resim.firstDifference}:\n  log:     ${JSON.stringify(resim.recorded)}\n  derived: ${JSON.stringify(resim.derived)}`,
              );
          } finally {
            reader.close();
          }
        },
      );
  },
};
