import type { CommandModule } from './types.js';
import { intArg } from '../args.js';
import { openLogFile, SimError } from '../../src/index.js';
import { toChromeTrace } from '../report/perfetto.js';
import { toDot } from '../report/happensBefore.js';
import { htmlReport } from '../report/html/htmlReport.js';
import { writeOutputFile } from '../report/writeOutput.js';

const FORMATS = ['perfetto', 'dot', 'html'] as const;
type Format = (typeof FORMATS)[number];

interface ExportOpts {
  format: string;
  out?: string;
  to?: number;
  salvage?: boolean;
}

export const exportCommand: CommandModule = {
  register(program, io) {
    program
      .command('export <log>')
      .description(
        'convert a log: Perfetto/Chrome trace JSON, happens-before DOT, or a self-contained HTML report',
      )
      .requiredOption('--format <fmt>', `one of: ${FORMATS.join(', ')}`)
      .option(
        '-o, --out <file>',
        'output file (written whole or not at all); default: standard output',
      )
      .option(
        '--to <n>',
        'dot: last event of the graph (default: the first violation)',
        intArg('--to'),
      )
      .option('--salvage', 'read the valid prefix of a log cut short')
      .action((path: string, opts: ExportOpts) => {
        if (!(FORMATS as readonly string[]).includes(opts.format))
          throw new SimError(
            'BAD_ARGUMENT',
            `--format expects one of ${FORMATS.join(', ')}, got '${opts.format}'`,
            '--format',
          );
        const format = opts.format as Format;
        // Streamed: one chunk of events in memory at a time, however long the log.
        const log = openLogFile(path, { salvage: opts.salvage === true });
        let text: string;
        try {
          if (opts.to !== undefined && opts.to >= log.length)
            throw new SimError(
              'BAD_ARGUMENT',
              `--to ${opts.to} is past the end of the log (${log.length} events)`,
              '--to',
            );
          text =
            format === 'perfetto'
              ? JSON.stringify(toChromeTrace(log))
              : format === 'dot'
                ? toDot(log, opts.to !== undefined ? { until: opts.to } : {})
                : htmlReport(log);
        } finally {
          log.close();
        }
        if (opts.out === undefined) io.out(text);
        else {
          writeOutputFile(opts.out, text, [path]);
          io.err(`wrote ${format} to ${opts.out} (${text.length} bytes)`);
        }
      });
  },
};
