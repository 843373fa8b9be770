import type { SimEvent } from '../events/index.js';
import { validateEvent } from '../events/schema.js';
import { SimError } from '../errors.js';
import { parseScenario } from '../scenario/parse.js';
import {
  LOG_FORMAT_VERSION,
  RECORD_CHUNK,
  RECORD_FOOTER,
  RECORD_HEADER,
  splitRecords,
  type LogFooter,
  type LogHeader,
} from './format.js';
import { migrateRawEvent } from './migrate.js';

export interface ParsedLog {
  readonly header: LogHeader;
  readonly events: readonly SimEvent[];
  /** null when the run did not finish writing (killed): see `truncated`. */
  readonly footer: LogFooter | null;
  /** Where the valid prefix ends, if the file is cut short. */
  readonly truncated: { readonly atByte: number | null; readonly eventsSurvived: number } | null;
}

const isObj = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);

function readHeader(payload: unknown, where: string): LogHeader {
  if (!isObj(payload)) throw new SimError('LOG_CORRUPT', 'header is not a map', where);
  const { format, schema, tool, arch, variant, seed, schedule } = payload;
  if (format !== LOG_FORMAT_VERSION)
    throw new SimError('LOG_CORRUPT', `expected log format ${LOG_FORMAT_VERSION}, found ${String(format)}`, `${where} header.format`);
  if (typeof schema !== 'number' || !Number.isInteger(schema) || schema < 1)
    throw new SimError('LOG_CORRUPT', 'header.schema must be a positive integer', where);
  if (typeof arch !== 'string' || typeof variant !== 'string' || typeof seed !== 'number')
    throw new SimError('LOG_CORRUPT', 'header needs string arch, string variant and numeric seed', where);
  const t = isObj(tool) ? tool : {};
  return {
    format,
    schema,
    tool: { name: String(t['name'] ?? 'ptesim'), version: String(t['version'] ?? '?') },
    scenario: parseScenario(payload['scenario'], `${where} header.scenario`),
    arch,
    variant,
    seed,
    schedule: typeof schedule === 'string' ? schedule : '',
  };
}

function readFooter(payload: unknown, where: string): LogFooter {
  if (!isObj(payload)) throw new SimError('LOG_CORRUPT', 'footer is not a map', where);
  const { events, steps, end, finalStateHash, verdicts } = payload;
  if (typeof events !== 'number' || typeof finalStateHash !== 'string' || !Array.isArray(verdicts))
    throw new SimError('LOG_CORRUPT', 'footer needs events, finalStateHash and verdicts', where);
  return {
    events,
    steps: typeof steps === 'number' ? steps : 0,
    end: typeof end === 'string' ? end : '?',
    finalStateHash,
    verdicts: verdicts.filter(isObj).map((v) => ({
      id: String(v['id']),
      ok: typeof v['ok'] === 'boolean' ? v['ok'] : null,
      firstViolationEvent: typeof v['firstViolationEvent'] === 'number' ? v['firstViolationEvent'] : null,
      message: typeof v['message'] === 'string' ? v['message'] : null,
    })),
  };
}

/**
 * Decode a whole log from bytes. Untrusted input: every event is validated against the field
 * table and rebuilt as a fresh object; the scenario is re-validated; errors name the record
 * and byte offset. With `salvage`, a file cut short returns its complete records.
 */
export function parseLog(bytes: Uint8Array, where = 'log', opts: { salvage?: boolean } = {}): ParsedLog {
  const { records, truncatedAt } = splitRecords(bytes, where);
  const first = records[0];
  if (!first || first.kind !== RECORD_HEADER)
    throw new SimError(truncatedAt !== null ? 'LOG_TRUNCATED' : 'LOG_CORRUPT', 'the log has no header record', `${where} at byte 8`);
  const header = readHeader(first.payload, `${where} at byte ${first.offset}`);
  const events: SimEvent[] = [];
  let footer: LogFooter | null = null;
  for (let r = 1; r < records.length; r++) {
    const rec = records[r] as (typeof records)[number];
    const at = `${where} record ${r} at byte ${rec.offset}`;
    if (footer) throw new SimError('LOG_CORRUPT', 'data after the footer', at);
    if (rec.kind === RECORD_FOOTER) {
      footer = readFooter(rec.payload, at);
      continue;
    }
    if (rec.kind !== RECORD_CHUNK) throw new SimError('LOG_CORRUPT', `unknown record kind ${rec.kind}`, at);
    const p = rec.payload;
    if (!isObj(p) || p['first'] !== events.length || !Array.isArray(p['events']))
      throw new SimError('LOG_CORRUPT', `chunk must start at event ${events.length} and hold an events array`, at);
    (p['events'] as unknown[]).forEach((raw, i) => {
      const v = validateEvent(migrateRawEvent(header.schema, raw, at));
      if (!v.ok) throw new SimError('LOG_CORRUPT', `event ${events.length}: ${v.message}`, `${at} (chunk event ${i})`);
      events.push(v.event);
    });
  }
  if (footer && footer.events !== events.length)
    throw new SimError('LOG_CORRUPT', `footer says ${footer.events} events, found ${events.length}`, where);
  const truncated = footer ? null : { atByte: truncatedAt, eventsSurvived: events.length };
  if (truncated && !opts.salvage)
    throw new SimError(
      'LOG_TRUNCATED',
      `the log ends without a footer${truncatedAt !== null ? ` (cut at byte ${truncatedAt})` : ''}; ${events.length} events survived; use --salvage to read them`,
      where,
    );
  return { header, events, footer, truncated };
}
