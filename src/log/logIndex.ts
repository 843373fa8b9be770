import type { SimEvent } from '../events/index.js';
import { EVENT_SCHEMA_VERSION } from '../events/version.js';
import { SimError } from '../errors.js';
import { checkChunk, MAX_CHUNK_EVENTS } from './chunkCodec.js';
import { decoderFor, type Decoder } from './eventTable.js';
import {
  MAGIC,
  RECORD_CHECKPOINT,
  RECORD_CHUNK,
  RECORD_FOOTER,
  RECORD_HEADER,
  TRAILER_BYTES,
  TRAILER_MAGIC,
  type LogFooter,
  type LogHeader,
} from './format.js';
import { isV1, readV1 } from './formatV1.js';
import { checkFooter, checkHeader } from './headerCheck.js';
import { readRecord, type ByteSource } from './source.js';

export interface ChunkInfo {
  /** Index of the chunk's first event. */
  readonly first: number;
  readonly n: number;
  /** Byte offset of the chunk record (-1 for an upgraded format-1 log held in memory). */
  readonly offset: number;
}

export interface CheckpointInfo {
  /** The checkpoint holds the state after this many events. */
  readonly at: number;
  readonly offset: number;
}

export interface Truncation {
  /** Where the valid prefix ends (byte offset), null if it ends at the end of the file. */
  readonly atByte: number | null;
  readonly eventsSurvived: number;
  /** Why reading stopped there, when it was damage rather than the end of the file. */
  readonly reason?: string;
}

export interface OpenOptions {
  /** Read the valid prefix of a log cut short or damaged instead of failing. @default false */
  readonly salvage?: boolean;
}

/** What opening a log finds: everything a LogReader needs besides the bytes. */
export interface LocatedLog {
  readonly header: LogHeader;
  readonly footer: LogFooter | null;
  readonly truncated: Truncation | null;
  readonly chunks: readonly ChunkInfo[];
  readonly checkpoints: readonly CheckpointInfo[];
  /** Null for format 1. */
  readonly decoder: Decoder | null;
  /** Format-1 logs are upgraded whole, in memory: their events per chunk. */
  readonly v1: readonly (readonly SimEvent[])[] | null;
  /** Header fields of format 2 beyond LogHeader (0 for format 1). */
  readonly layout: { readonly chunkEvents: number; readonly checkpointEvery: number };
  /** Byte offset just past the header record. */
  readonly headerEnd: number;
}

const isObj = (x: unknown): x is Record<string, unknown> =>
  typeof x === 'object' && x !== null && !Array.isArray(x);
const isIntArray = (x: unknown, max: number): x is number[] =>
  Array.isArray(x) &&
  x.length <= max &&
  x.every((v) => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0);

/**
 * Open a log: magic, header, and the index of chunks and checkpoints, from the footer when
 * the trailer is intact, by walking the records otherwise (a killed writer). Format-1 logs are
 * upgraded whole in memory. Errors name the record and byte offset.
 */
export function locateLog(src: ByteSource, where: string, opts: OpenOptions): LocatedLog {
  const salvage = opts.salvage === true;
  const head = src.read(0, Math.min(8, src.size));
  if (isV1(head)) return locateV1(src, where, salvage);
  // Formats 2 and 3 share the framing; the last magic byte is the format (2: no initial state
  // in the header, upgraded on read).
  const format = head[7] ?? 0;
  if (head.length < 8 || MAGIC.some((b, i) => i < 7 && head[i] !== b) || format < 2 || format > 3)
    throw new SimError(
      'LOG_BAD_MAGIC',
      'not a ptesim log (expected magic "PTESIM\\0" and format byte 1 to 3 at byte 0)',
      where,
    );
  const h = readRecord(src, 8, where, 'header record');
  if (!h.ok)
    throw new SimError(
      'LOG_TRUNCATED',
      'the log ends inside its header record',
      `${where} at byte 8`,
    );
  if (h.kind !== RECORD_HEADER)
    throw new SimError(
      'LOG_CORRUPT',
      `expected the header record (kind 1), found kind ${h.kind}`,
      `${where} at byte 8`,
    );
  const header = checkHeader(h.payload, `${where} at byte 8`, format);
  if (header.schema > EVENT_SCHEMA_VERSION)
    throw new SimError(
      'LOG_SCHEMA_TOO_NEW',
      `expected event schema ≤ ${EVENT_SCHEMA_VERSION}, found ${header.schema}; upgrade ptesim to read this log`,
      where,
    );
  const p = h.payload as Record<string, unknown>;
  const chunkEvents = typeof p['chunkEvents'] === 'number' ? p['chunkEvents'] : 0;
  const checkpointEvery = typeof p['checkpointEvery'] === 'number' ? p['checkpointEvery'] : 0;
  const decoder = decoderFor(
    p['types'],
    `${where} at byte 8`,
    header.schema === EVENT_SCHEMA_VERSION,
  );
  const layout = { chunkEvents, checkpointEvery };
  const headerEnd = h.end;
  const indexed = fromTrailer(src, where, headerEnd, salvage);
  if (indexed)
    return {
      header,
      footer: indexed.footer,
      truncated: null,
      chunks: indexed.chunks,
      checkpoints: indexed.checkpoints,
      decoder,
      v1: null,
      layout,
      headerEnd,
    };
  const s = scanRecords(src, where, headerEnd, salvage);
  if (!s.footer && !salvage)
    throw new SimError(
      'LOG_TRUNCATED',
      `the log ends without a footer${s.truncated?.atByte != null ? ` (cut at byte ${s.truncated.atByte})` : ''}; ${s.truncated?.eventsSurvived ?? 0} events survived; use --salvage to read them`,
      where,
    );
  return {
    header,
    footer: s.footer,
    truncated: s.footer ? null : s.truncated,
    chunks: s.chunks,
    checkpoints: s.checkpoints,
    decoder,
    v1: null,
    layout,
    headerEnd,
  };
}

function locateV1(src: ByteSource, where: string, salvage: boolean): LocatedLog {
  const v1 = readV1(src.read(0, src.size), where, salvage);
  if (!v1.footer && !salvage)
    throw new SimError(
      'LOG_TRUNCATED',
      `the log ends without a footer${v1.truncatedAt !== null ? ` (cut at byte ${v1.truncatedAt})` : ''}; ${v1.events} events survived; use --salvage to read them`,
      where,
    );
  const chunks: ChunkInfo[] = [];
  let first = 0;
  for (const c of v1.chunks) {
    if (c.length === 0) continue;
    chunks.push({ first, n: c.length, offset: -1 });
    first += c.length;
  }
  return {
    header: v1.header,
    footer: v1.footer,
    truncated: v1.footer ? null : { atByte: v1.truncatedAt, eventsSurvived: v1.events },
    chunks,
    checkpoints: [],
    decoder: null,
    v1: v1.chunks.filter((c) => c.length > 0),
    layout: { chunkEvents: 0, checkpointEvery: 0 },
    headerEnd: 8,
  };
}

/** Footer and index through the trailer, or null when there is no trailer (killed writer). */
function fromTrailer(
  src: ByteSource,
  where: string,
  headerEnd: number,
  salvage: boolean,
): { footer: LogFooter; chunks: ChunkInfo[]; checkpoints: CheckpointInfo[] } | null {
  if (src.size < headerEnd + TRAILER_BYTES) return null;
  const t = src.read(src.size - TRAILER_BYTES, TRAILER_BYTES);
  if (TRAILER_MAGIC.some((b, i) => t[i] !== b)) return null;
  const dv = new DataView(t.buffer, t.byteOffset, TRAILER_BYTES);
  const off = dv.getUint32(8, true) + dv.getUint32(12, true) * 2 ** 32;
  try {
    const at = `${where} footer record at byte ${off}`;
    if (off < headerEnd || off >= src.size - TRAILER_BYTES)
      throw new SimError(
        'LOG_CORRUPT',
        'the trailer points outside the file',
        `${where} at byte ${src.size - TRAILER_BYTES}`,
      );
    const r = readRecord(src, off, where, 'footer record');
    if (!r.ok || r.kind !== RECORD_FOOTER || r.end !== src.size - TRAILER_BYTES)
      throw new SimError(
        'LOG_CORRUPT',
        'the trailer does not point at a footer record ending before it',
        at,
      );
    const footer = checkFooter(r.payload, at);
    const { chunks, checkpoints } = checkIndex(
      (r.payload as Record<string, unknown>)['index'],
      footer.events,
      headerEnd,
      off,
      at,
    );
    return { footer, chunks, checkpoints };
  } catch (e) {
    // A damaged footer is damage like any other: salvage falls back to scanning the records.
    if (salvage && e instanceof SimError) return null;
    throw e;
  }
}

function checkIndex(
  raw: unknown,
  events: number,
  lo: number,
  hi: number,
  at: string,
): { chunks: ChunkInfo[]; checkpoints: CheckpointInfo[] } {
  const bad = (m: string): never => {
    throw new SimError('LOG_CORRUPT', `footer index: ${m}`, at);
  };
  if (!isObj(raw)) return bad('missing');
  const { chunkOffsets: co, chunkFirst: cf, checkpointOffsets: ko, checkpointAt: ka } = raw;
  const maxChunks = Math.ceil((hi - lo) / 9) + 1;
  if (!isIntArray(co, maxChunks) || !isIntArray(cf, maxChunks) || co.length !== cf.length)
    return bad('chunkOffsets and chunkFirst must be equal-length integer arrays');
  if (!isIntArray(ko, maxChunks) || !isIntArray(ka, maxChunks) || ko.length !== ka.length)
    return bad('checkpointOffsets and checkpointAt must be equal-length integer arrays');
  if ((co.length === 0) !== (events === 0)) return bad(`${co.length} chunks for ${events} events`);
  const chunks: ChunkInfo[] = [];
  for (let k = 0; k < co.length; k++) {
    const first = cf[k] as number;
    const next = k + 1 < cf.length ? (cf[k + 1] as number) : events;
    const off = co[k] as number;
    if (
      (k === 0 ? first !== 0 : first <= (cf[k - 1] as number)) ||
      next - first < 1 ||
      next - first > MAX_CHUNK_EVENTS
    )
      bad(`chunk ${k} starts at event ${first}, which does not continue the previous chunk`);
    if (off < lo || off >= hi || (k > 0 && off <= (co[k - 1] as number)))
      bad(`chunk ${k} offset ${off} is out of order or outside the file`);
    chunks.push({ first, n: next - first, offset: off });
  }
  const ends = new Set(chunks.map((c) => c.first + c.n));
  const checkpoints: CheckpointInfo[] = [];
  for (let k = 0; k < ko.length; k++) {
    const a = ka[k] as number;
    const off = ko[k] as number;
    if (!ends.has(a) || (k > 0 && a <= (ka[k - 1] as number)))
      bad(`checkpoint ${k} at event ${a} is not at a chunk boundary in order`);
    if (off < lo || off >= hi) bad(`checkpoint ${k} offset ${off} is outside the file`);
    checkpoints.push({ at: a, offset: off });
  }
  return { chunks, checkpoints };
}

/** Walk the records from the header on (no usable trailer): the index of what is there. */
export function scanRecords(
  src: ByteSource,
  where: string,
  headerEnd: number,
  salvage: boolean,
): {
  footer: LogFooter | null;
  chunks: ChunkInfo[];
  checkpoints: CheckpointInfo[];
  truncated: Truncation | null;
} {
  const chunks: ChunkInfo[] = [];
  const checkpoints: CheckpointInfo[] = [];
  let events = 0;
  let off = headerEnd;
  let footer: LogFooter | null = null;
  let truncated: Truncation | null = null;
  for (let r = 1; off < src.size; r++) {
    try {
      if (footer) {
        // Only the trailer may follow the footer.
        if (src.size - off === TRAILER_BYTES) break;
        throw new SimError('LOG_CORRUPT', 'data after the footer', `${where} at byte ${off}`);
      }
      const rec = readRecord(src, off, where, `record ${r}`);
      if (!rec.ok) {
        truncated = { atByte: off, eventsSurvived: events };
        break;
      }
      const at = `${where} record ${r} (chunk ${chunks.length}) at byte ${off}`;
      if (rec.kind === RECORD_CHUNK) {
        const c = checkChunk(rec.payload, at);
        if (c.first !== events)
          throw new SimError(
            'LOG_CORRUPT',
            `chunk starts at event ${c.first}, expected ${events}`,
            at,
          );
        chunks.push({ first: c.first, n: c.n, offset: off });
        events += c.n;
      } else if (rec.kind === RECORD_CHECKPOINT) {
        const a = isObj(rec.payload) ? rec.payload['at'] : undefined;
        if (a !== events)
          throw new SimError(
            'LOG_CORRUPT',
            `checkpoint claims event ${String(a).slice(0, 20)}, expected ${events}`,
            at,
          );
        checkpoints.push({ at: events, offset: off });
      } else if (rec.kind === RECORD_FOOTER) {
        footer = checkFooter(rec.payload, at);
        if (footer.events !== events)
          throw new SimError(
            'LOG_CORRUPT',
            `footer says ${footer.events} events, found ${events}`,
            at,
          );
      } else throw new SimError('LOG_CORRUPT', `unknown record kind ${rec.kind}`, at);
      off = rec.end;
    } catch (e) {
      if (!salvage || !(e instanceof SimError)) throw e;
      footer = null;
      truncated = { atByte: off, eventsSurvived: events, reason: e.message };
      break;
    }
  }
  if (!footer && !truncated) truncated = { atByte: null, eventsSurvived: events };
  return { footer, chunks, checkpoints, truncated };
}
