import { crc32 } from 'node:zlib';
import type { SimEvent } from '../events/index.js';
import { validateEvent } from '../events/schema.js';
import { SimError } from '../errors.js';
import { decode } from './codec.js';
import { MAX_RECORD_BYTES, RECORD_CHUNK, RECORD_FOOTER, RECORD_HEADER } from './format.js';
import { checkFooter, checkHeader } from './headerCheck.js';
import type { LogFooter, LogHeader } from './format.js';
import { migrateRawEvent } from './migrate.js';

/**
 * Reader of log format 1 (ptesim 0.1.0 before chunked columns): magic "PTESIM\0\x01", records
 * [u32 LE length][u8 kind][MessagePack][u32 LE CRC32], chunks as `{first, events: [map]}`.
 * Kept as a pure upgrade: it yields the same header, events and footer a format-2 reader
 * yields, so everything downstream sees one shape (fixture: test/fixtures/format1-*.ptesim).
 */
export const MAGIC_V1 = Uint8Array.from([0x50, 0x54, 0x45, 0x53, 0x49, 0x4d, 0x00, 0x01]);

export interface V1Log {
  readonly header: LogHeader;
  /** One array per chunk record. */
  readonly chunks: readonly (readonly SimEvent[])[];
  readonly footer: LogFooter | null;
  readonly truncatedAt: number | null;
  readonly events: number;
}

const isObj = (x: unknown): x is Record<string, unknown> =>
  typeof x === 'object' && x !== null && !Array.isArray(x);

export function isV1(bytes: Uint8Array): boolean {
  return bytes.length >= MAGIC_V1.length && MAGIC_V1.every((b, i) => bytes[i] === b);
}

/**
 * Decode a whole format-1 log. Salvage semantics match format 2: a record cut short, or (with
 * `salvage`) a damaged one, ends the valid prefix; without `salvage` damage throws LOG_CORRUPT.
 */
export function readV1(bytes: Uint8Array, where: string, salvage: boolean): V1Log {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let off = MAGIC_V1.length;
  let header: LogHeader | null = null;
  let footer: LogFooter | null = null;
  const chunks: SimEvent[][] = [];
  let events = 0;
  let truncatedAt: number | null = null;
  for (let r = 0; off < bytes.length; r++) {
    const at = `${where} record ${r} at byte ${off}`;
    if (off + 5 > bytes.length || off + 9 + dv.getUint32(off, true) > bytes.length) {
      truncatedAt = off;
      break;
    }
    const len = dv.getUint32(off, true);
    try {
      if (len > MAX_RECORD_BYTES)
        throw new SimError(
          'LOG_CORRUPT',
          `record claims ${len} bytes (limit ${MAX_RECORD_BYTES})`,
          at,
        );
      const kind = bytes[off + 4] as number;
      if (crc32(bytes.subarray(off + 4, off + 5 + len)) !== dv.getUint32(off + 5 + len, true))
        throw new SimError('LOG_CORRUPT', `CRC mismatch (kind ${kind})`, at);
      let payload: unknown;
      try {
        payload = decode(bytes.subarray(off + 5, off + 5 + len));
      } catch (e) {
        throw new SimError('LOG_CORRUPT', `not valid MessagePack: ${(e as Error).message}`, at);
      }
      if (r === 0) {
        if (kind !== RECORD_HEADER)
          throw new SimError('LOG_CORRUPT', 'the log has no header record', at);
        header = checkHeader(payload, at, 1);
      } else if (footer) throw new SimError('LOG_CORRUPT', 'data after the footer', at);
      else if (kind === RECORD_FOOTER) footer = checkFooter(payload, at);
      else if (kind === RECORD_CHUNK) {
        if (!isObj(payload) || payload['first'] !== events || !Array.isArray(payload['events']))
          throw new SimError(
            'LOG_CORRUPT',
            `chunk must start at event ${events} and hold an events array`,
            at,
          );
        const h = header as LogHeader;
        const out = (payload['events'] as unknown[]).map((raw, i) => {
          const v = validateEvent(migrateRawEvent(h.schema, raw, at));
          if (!v.ok)
            throw new SimError(
              'LOG_CORRUPT',
              `event ${events + i}: ${v.message}`,
              `${at} (chunk event ${i})`,
            );
          return v.event;
        });
        chunks.push(out);
        events += out.length;
      } else throw new SimError('LOG_CORRUPT', `unknown record kind ${kind}`, at);
    } catch (e) {
      if (!salvage || r === 0 || !(e instanceof SimError)) throw e;
      truncatedAt = off;
      break;
    }
    off += 9 + len;
  }
  if (!header)
    throw new SimError('LOG_TRUNCATED', 'the log has no header record', `${where} at byte 8`);
  if (footer && footer.events !== events)
    throw new SimError(
      'LOG_CORRUPT',
      `footer says ${footer.events} events, found ${events}`,
      where,
    );
  return { header, chunks, footer, truncatedAt: footer ? null : truncatedAt, events };
}
