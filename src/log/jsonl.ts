import { EVENT_SCHEMA_VERSION } from '../events/version.js';
import { validateEvent } from '../events/schema.js';
import { SimError } from '../errors.js';
import { LOG_FORMAT_VERSION, type LogFooter, type LogHeader } from './format.js';
import { checkFooter, checkHeader } from './headerCheck.js';
import type { LogReader } from './logReader.js';
import { migrateRawEvent } from './migrate.js';
import { LogWriter, type ByteSink, type LogWriterOptions } from './writer.js';

/**
 * JSON lines, for grep and for other languages (docs/log-format.md §JSON lines): the first
 * line is `{"@header": {...}}`, then one event object per line exactly as in memory, then
 * `{"@footer": {...}}` when the log is complete. Converting back re-validates everything and
 * writes a fresh format-2 log (checkpoints are recomputed by the writer).
 */
export function writeJsonl(reader: LogReader, out: (line: string) => void): number {
  out(JSON.stringify({ '@header': reader.header }));
  let n = 0;
  reader.forEach((e) => {
    out(JSON.stringify(e));
    n++;
  });
  if (reader.footer) out(JSON.stringify({ '@footer': reader.footer }));
  return n;
}

/** Longest line accepted (bounds memory on hostile input). */
const MAX_LINE = 1 << 20;

/**
 * Read JSON lines (untrusted) and write a log of today's format to `sink`. Without a footer line, the
 * log gets one with end 'truncated', no verdicts and the hash of the fold. A footer whose
 * final hash disagrees with the fold of the events is an error (LOG_CORRUPT).
 */
export function readJsonl(
  lines: Iterable<string>,
  sink: ByteSink,
  where: string,
  opts: LogWriterOptions = {},
): { events: number; footer: LogFooter } {
  let writer: LogWriter | null = null;
  let header: LogHeader | null = null;
  let footer: LogFooter | null = null;
  let n = 0;
  let lineNo = 0;
  for (const line of lines) {
    lineNo++;
    const at = `${where} line ${lineNo}`;
    if (line.trim() === '') continue;
    if (line.length > MAX_LINE)
      throw new SimError('LOG_CORRUPT', `line longer than ${MAX_LINE} characters`, at);
    if (footer) throw new SimError('LOG_CORRUPT', 'data after the @footer line', at);
    let v: unknown;
    try {
      v = JSON.parse(line);
    } catch (e) {
      throw new SimError('LOG_CORRUPT', `not JSON: ${(e as Error).message.slice(0, 80)}`, at);
    }
    const obj =
      typeof v === 'object' && v !== null && !Array.isArray(v)
        ? (v as Record<string, unknown>)
        : null;
    if (!header) {
      if (!obj || !Object.hasOwn(obj, '@header'))
        throw new SimError('LOG_CORRUPT', 'the first line must be {"@header": {...}}', at);
      const h = obj['@header'];
      // A header with an initial state reads as today's format; one without (written before
      // format 3) has it derived from the scenario, like a format-2 log.
      const format =
        typeof h === 'object' && h !== null && Object.hasOwn(h, 'initial') ? LOG_FORMAT_VERSION : 2;
      const raw = typeof h === 'object' && h !== null ? { ...h, format } : h;
      header = checkHeader(raw, at, format);
      if (header.schema > EVENT_SCHEMA_VERSION)
        throw new SimError(
          'LOG_SCHEMA_TOO_NEW',
          `expected event schema ≤ ${EVENT_SCHEMA_VERSION}, found ${header.schema}; upgrade ptesim`,
          at,
        );
      writer = new LogWriter(sink, { ...header, schema: EVENT_SCHEMA_VERSION }, opts);
      continue;
    }
    if (obj && Object.hasOwn(obj, '@footer')) {
      footer = checkFooter(obj['@footer'], at);
      continue;
    }
    const r = validateEvent(migrateRawEvent(header.schema, v, at));
    if (!r.ok) throw new SimError('LOG_CORRUPT', `event ${n}: ${r.message}`, at);
    const p = (writer as LogWriter).problem(r.event);
    if (p !== null) throw new SimError('LOG_CORRUPT', `event ${n}: ${p}`, at);
    (writer as LogWriter).append(r.event);
    n++;
  }
  if (!header || !writer) throw new SimError('LOG_CORRUPT', 'no {"@header": ...} line', where);
  const hash = writer.currentHash();
  if (footer && footer.events !== n)
    throw new SimError('LOG_CORRUPT', `@footer says ${footer.events} events, found ${n}`, where);
  if (footer && footer.finalStateHash !== hash)
    throw new SimError(
      'LOG_CORRUPT',
      `@footer records final state hash ${footer.finalStateHash}, the events fold to ${hash}`,
      where,
    );
  const out: LogFooter = footer ?? {
    events: n,
    steps: 0,
    end: 'truncated',
    finalStateHash: hash,
    verdicts: [],
  };
  writer.finish(out);
  return { events: n, footer: out };
}
