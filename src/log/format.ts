import { crc32 } from 'node:zlib';
import { EVENT_SCHEMA_VERSION } from '../events/version.js';
import type { SimEvent } from '../events/index.js';
import type { PropertyVerdict } from '../check/types.js';
import type { Scenario } from '../scenario/types.js';
import { SimError } from '../errors.js';
import { decode, encode } from './codec.js';

/**
 * Log file format, version 1 (docs/log-format.md):
 *   magic "PTESIM\0\x01" (8 bytes), then records
 *   [u32 LE payload length][u8 kind][payload: MessagePack][u32 LE CRC32 of kind + payload]
 *   kind 1 header (first), kind 2 chunk of events, kind 3 footer (last).
 */
export const MAGIC = Uint8Array.from([0x50, 0x54, 0x45, 0x53, 0x49, 0x4d, 0x00, 0x01]);
export const LOG_FORMAT_VERSION = 1;
export const RECORD_HEADER = 1;
export const RECORD_CHUNK = 2;
export const RECORD_FOOTER = 3;
/** No record may claim more than this: a hostile length must not allocate gigabytes. */
export const MAX_RECORD_BYTES = 64 * 1024 * 1024;

export interface LogHeader {
  readonly format: number;
  readonly schema: number;
  readonly tool: { readonly name: string; readonly version: string };
  readonly scenario: Scenario;
  readonly arch: string;
  readonly variant: string;
  readonly seed: number;
  /** Forced picks, if the run followed a schedule string. */
  readonly schedule: string;
}

export interface LogChunk {
  readonly first: number;
  readonly events: readonly SimEvent[];
}

export interface LogFooter {
  readonly events: number;
  readonly steps: number;
  readonly end: string;
  readonly finalStateHash: string;
  readonly verdicts: readonly PropertyVerdict[];
}

export function makeHeader(h: Omit<LogHeader, 'format' | 'schema' | 'tool'>, toolVersion: string): LogHeader {
  return { format: LOG_FORMAT_VERSION, schema: EVENT_SCHEMA_VERSION, tool: { name: 'ptesim', version: toolVersion }, ...h };
}

export function frameRecord(kind: number, payload: unknown): Uint8Array {
  const body = encode(payload);
  const out = new Uint8Array(4 + 1 + body.length + 4);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, body.length, true);
  out[4] = kind;
  out.set(body, 5);
  dv.setUint32(5 + body.length, crc32(out.subarray(4, 5 + body.length)), true);
  return out;
}

export interface RawRecord {
  readonly kind: number;
  readonly payload: unknown;
  readonly offset: number;
}

/**
 * Split a log's bytes into records, checking magic, lengths and CRCs. A record cut short at
 * the end is reported as truncation (`truncatedAt`), not an error: a killed run leaves a
 * valid prefix. Anything else malformed throws LOG_CORRUPT naming the record and byte offset.
 */
export function splitRecords(bytes: Uint8Array, where: string): { records: RawRecord[]; truncatedAt: number | null } {
  if (bytes.length < MAGIC.length || MAGIC.some((b, i) => bytes[i] !== b))
    throw new SimError('LOG_BAD_MAGIC', 'not a ptesim log (expected magic "PTESIM\\0\\x01" at byte 0)', where);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const records: RawRecord[] = [];
  let off = MAGIC.length;
  while (off < bytes.length) {
    if (off + 5 > bytes.length) return { records, truncatedAt: off };
    const len = dv.getUint32(off, true);
    if (len > MAX_RECORD_BYTES)
      throw new SimError('LOG_CORRUPT', `record ${records.length} claims ${len} bytes (limit ${MAX_RECORD_BYTES})`, `${where} at byte ${off}`);
    if (off + 5 + len + 4 > bytes.length) return { records, truncatedAt: off };
    const kind = bytes[off + 4] as number;
    const crc = dv.getUint32(off + 5 + len, true);
    if (crc32(bytes.subarray(off + 4, off + 5 + len)) !== crc)
      throw new SimError('LOG_CORRUPT', `CRC mismatch in record ${records.length} (kind ${kind})`, `${where} at byte ${off}`);
    let payload: unknown;
    try {
      payload = decode(bytes.subarray(off + 5, off + 5 + len));
    } catch (e) {
      throw new SimError('LOG_CORRUPT', `record ${records.length} is not valid MessagePack: ${(e as Error).message}`, `${where} at byte ${off}`);
    }
    records.push({ kind, payload, offset: off });
    off += 5 + len + 4;
  }
  return { records, truncatedAt: null };
}
