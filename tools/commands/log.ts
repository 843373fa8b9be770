import { closeSync, openSync, readSync } from 'node:fs';
import { INCONCLUSIVE } from '../verdictWords.js';
import type { CommandModule } from './types.js';
import { json, type Io } from '../io.js';
import { intArg } from '../args.js';
import {
  FileSink,
  LogReader,
  openLogFile,
  readJsonl,
  rewriteLog,
  SimError,
  verifyLog,
  writeJsonl,
  type LogWriterOptions,
} from '../../src/index.js';

/** The first bytes of every ptesim log, any format version. */
const PTESIM = Buffer.from('PTESIM\0');

function startsWithMagic(path: string): boolean {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (e) {
    throw new SimError(
      'LOG_IO',
      `cannot read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
      path,
    );
  }
  try {
    const b = Buffer.alloc(PTESIM.length);
    readSync(fd, b, 0, b.length, 0);
    return b.equals(PTESIM);
  } finally {
    closeSync(fd);
  }
}

/** Lines of a text file, read in 1 MB blocks (a JSON-lines log may be bigger than memory wants). */
function* fileLines(path: string): Generator<string> {
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.alloc(1 << 20);
    let rest = '';
    for (;;) {
      const n = readSync(fd, buf, 0, buf.length, null);
      if (n === 0) break;
      const parts = (rest + buf.toString('utf8', 0, n)).split('\n');
      rest = parts.pop() ?? '';
      // A hostile file without newlines must not grow `rest` without bound.
      if (rest.length > 4 << 20) throw new SimError('LOG_CORRUPT', 'a line longer than 4 MB', path);
      yield* parts;
    }
    if (rest !== '') yield rest;
  } finally {
    closeSync(fd);
  }
}

/** Buffers text into ~1 MB writes to a sink. */
function textSink(sink: { write(b: Uint8Array): void }): { line(s: string): void; end(): void } {
  let parts: string[] = [];
  let size = 0;
  const flush = (): void => {
    if (parts.length) sink.write(Buffer.from(parts.join('')));
    parts = [];
    size = 0;
  };
  return {
    line(s) {
      parts.push(s, '\n');
      size += s.length + 1;
      if (size > 1 << 20) flush();
    },
    end: flush,
  };
}

function info(r: LogReader): Record<string, unknown> {
  const h = r.header;
  const events = r.length;
  return {
    file: r.where,
    format: h.format,
    schema: h.schema,
    layout: h.layout,
    tool: `${h.tool.name} ${h.tool.version}`,
    scenario: h.scenario.name,
    arch: h.arch,
    variant: h.variant,
    seed: h.seed,
    schedule: h.schedule,
    events,
    bytes: r.size,
    bytesPerEvent: events > 0 ? r.size / events : null,
    chunks: r.chunks.length,
    chunkEvents: r.layout.chunkEvents || null,
    checkpoints: r.checkpoints.length,
    checkpointEvery: r.layout.checkpointEvery || null,
    footer: r.footer,
    truncated: r.truncated,
  };
}

function printInfo(io: Io, i: Record<string, unknown>, r: LogReader): void {
  io.out(
    `${String(i['file'])}: ptesim log format ${String(i['format'])}, event schema ${String(i['schema'])}, written by ${String(i['tool'])}`,
  );
  io.out(
    `  scenario ${String(i['scenario'])} on ${String(i['arch'])} with ${String(i['variant'])}, seed ${String(i['seed'])}${r.header.schedule ? `, schedule ${r.header.schedule}` : ''}`,
  );
  const bpe = i['bytesPerEvent'] as number | null;
  io.out(
    `  ${r.length} events in ${r.chunks.length} chunks, ${r.checkpoints.length} checkpoints; ${r.size} bytes${bpe !== null ? ` (${bpe.toFixed(2)} bytes/event)` : ''}`,
  );
  if (r.layout.chunkEvents)
    io.out(
      `  chunk every ${r.layout.chunkEvents} events, checkpoint every ${r.layout.checkpointEvery} events`,
    );
  if (r.footer) {
    io.out(
      `  ended ${r.footer.end} after ${r.footer.steps} steps; final state hash ${r.footer.finalStateHash}`,
    );
    for (const v of r.footer.verdicts)
      io.out(
        `  ${v.id.padEnd(16)} ${v.ok === true ? 'holds' : v.ok === false ? `VIOLATED at event ${v.firstViolationEvent}` : INCONCLUSIVE}`,
      );
  }
  if (r.truncated)
    io.out(
      `  TRUNCATED: ${r.truncated.eventsSurvived} events survived` +
        (r.truncated.atByte !== null
          ? `; the valid prefix ends at byte ${r.truncated.atByte}`
          : '') +
        (r.truncated.reason ? ` (${r.truncated.reason})` : ''),
    );
}

interface ConvertOpts {
  to: string;
  out?: string;
  salvage?: boolean;
  chunkEvents?: number;
  checkpointEvery?: number;
  compress: boolean;
  json?: boolean;
}

export const logCommand: CommandModule = {
  register(program, io, exit) {
    const log = program.command('log').description('inspect, verify and convert recorded logs');
    log
      .command('info <log>')
      .description('header, chunks, checkpoints, size and bytes/event, verdicts, truncation')
      .option('--salvage', 'describe the valid prefix of a log cut short or damaged')
      .option('--json', 'machine-readable output')
      .action((path: string, opts: { salvage?: boolean; json?: boolean }) => {
        const r = openLogFile(path, { salvage: opts.salvage === true });
        try {
          const i = info(r);
          if (opts.json) json(io, i);
          else printInfo(io, i, r);
        } finally {
          r.close();
        }
      });
    log
      .command('verify <log>')
      .description(
        'check every CRC and event, and every checkpoint and the final hash by re-folding; exit 1 on a problem',
      )
      .option('--salvage', 'verify the valid prefix of a log cut short (still exits 1)')
      .option('--json', 'machine-readable output')
      .action((path: string, opts: { salvage?: boolean; json?: boolean }) => {
        const r = openLogFile(path, { salvage: opts.salvage === true });
        try {
          const v = verifyLog(r);
          exit.code = v.ok ? 0 : 1;
          if (opts.json) return json(io, v);
          io.out(
            `${path}: ${v.ok ? 'OK' : 'FAILED'}: ${v.events} events in ${v.chunks} chunks, ${v.checkpointsChecked} checkpoints checked, final state hash ${v.finalStateHash}`,
          );
          if (v.problem) io.out(`  ${v.problem}`);
        } finally {
          r.close();
        }
      });
    log
      .command('convert <log>')
      .description(
        'convert a log to JSON lines (--to jsonl) or to a current-format log (--to ptesim, from JSON lines, an older format or a salvaged prefix)',
      )
      .requiredOption('--to <format>', 'jsonl | ptesim')
      .option(
        '--out <file>',
        'write here (jsonl: default standard output); written whole or not at all',
      )
      .option('--salvage', 'convert the valid prefix of a log cut short or damaged')
      .option(
        '--chunk-events <n>',
        'events per chunk (ptesim output)',
        intArg('--chunk-events', 1 << 20),
      )
      .option(
        '--checkpoint-every <n>',
        'events between checkpoints (ptesim output)',
        intArg('--checkpoint-every'),
      )
      .option('--no-compress', 'do not DEFLATE the chunk columns (ptesim output)')
      .option('--json', 'print a machine-readable summary')
      .action((path: string, opts: ConvertOpts) => {
        if (opts.to !== 'jsonl' && opts.to !== 'ptesim')
          throw new SimError('BAD_ARGUMENT', `--to expects jsonl or ptesim, got '${opts.to}'`);
        if (opts.to === 'ptesim' && opts.out === undefined)
          throw new SimError('BAD_ARGUMENT', '--to ptesim needs --out <file>');
        const wopts: LogWriterOptions = {
          ...(opts.chunkEvents !== undefined && { chunkEvents: Math.max(1, opts.chunkEvents) }),
          ...(opts.checkpointEvery !== undefined && {
            checkpointEvery: Math.max(1, opts.checkpointEvery),
          }),
          compress: opts.compress,
        };
        const isLog = startsWithMagic(path);
        let events: number;
        const sink = opts.out !== undefined ? new FileSink(opts.out, [path]) : null;
        try {
          if (isLog) {
            const r = openLogFile(path, { salvage: opts.salvage === true });
            try {
              if (opts.to === 'jsonl') {
                const t = textSink(
                  sink ?? { write: (b) => io.out(Buffer.from(b).toString('utf8')) },
                );
                events = writeJsonl(r, (l) => t.line(l));
                t.end();
              } else {
                rewriteLog(r, sink as FileSink, wopts);
                events = r.length;
              }
            } finally {
              r.close();
            }
          } else {
            if (opts.to !== 'ptesim')
              throw new SimError(
                'BAD_ARGUMENT',
                'the input is JSON lines already; use --to ptesim',
                path,
              );
            events = readJsonl(fileLines(path), sink as FileSink, path, wopts).events;
          }
        } catch (e) {
          sink?.abort();
          throw e;
        }
        sink?.commit();
        if (opts.json) json(io, { from: path, to: opts.out ?? null, format: opts.to, events });
        else if (opts.out !== undefined) io.err(`${events} events written to ${opts.out}`);
      });
  },
};
