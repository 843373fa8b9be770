import type { SimEvent } from '../events/index.js';
import { EVENT_SCHEMA_VERSION } from '../events/version.js';
import { applyEvent } from '../evolve/index.js';
import { initialMutableState } from '../state/init.js';
import type { MutableSimState, SimState } from '../state/types.js';
import { SimError } from '../errors.js';
import { checkCheckpoint } from './checkpoint.js';
import { checkChunk, MAX_CHUNK_EVENTS, visitChunk, type ChunkPayload } from './chunkCodec.js';
import { compileVisitor, type CompiledVisitor } from './compiledChunk.js';
import { decoderFor, type Decoder } from './eventTable.js';
import {
  LOG_FORMAT_VERSION,
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
import { decode, encode } from './codec.js';
import { inflateRawSync } from 'node:zlib';

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

/** Thrown by a partial-chunk visitor to stop decoding past the end of the wanted range. */
const STOP: unique symbol = Symbol('stop');

const isObj = (x: unknown): x is Record<string, unknown> =>
  typeof x === 'object' && x !== null && !Array.isArray(x);
const isIntArray = (x: unknown, max: number): x is number[] =>
  Array.isArray(x) &&
  x.length <= max &&
  x.every((v) => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0);

/**
 * A log opened for streaming: the header, the index of chunks and checkpoints (from the footer
 * when the trailer is intact, by scanning the records otherwise), and methods that decode one
 * chunk at a time. Nothing here holds more than one chunk of events. Errors are SimErrors
 * naming the chunk or record and its byte offset.
 */
export class LogReader {
  private template: MutableSimState | null = null;
  private compiled: CompiledVisitor | null | undefined = undefined;

  private constructor(
    private readonly src: ByteSource,
    readonly where: string,
    readonly header: LogHeader,
    readonly footer: LogFooter | null,
    readonly truncated: Truncation | null,
    readonly chunks: readonly ChunkInfo[],
    readonly checkpoints: readonly CheckpointInfo[],
    private readonly decoder: Decoder | null,
    /** Format-1 logs are upgraded whole, in memory. */
    private readonly v1: readonly (readonly SimEvent[])[] | null,
    /** Header fields of format 2 beyond LogHeader (chunkEvents, checkpointEvery). */
    readonly layout: { readonly chunkEvents: number; readonly checkpointEvery: number },
  ) {}

  /** Number of events readable (all of them, or the surviving prefix). */
  get length(): number {
    const last = this.chunks[this.chunks.length - 1];
    return last ? last.first + last.n : 0;
  }

  get size(): number {
    return this.src.size;
  }

  close(): void {
    this.src.close();
  }

  static open(src: ByteSource, where = 'log', opts: OpenOptions = {}): LogReader {
    const salvage = opts.salvage === true;
    const head = src.read(0, Math.min(8, src.size));
    if (isV1(head)) return LogReader.openV1(src, where, salvage);
    if (head.length < 8 || MAGIC.some((b, i) => head[i] !== b))
      throw new SimError(
        'LOG_BAD_MAGIC',
        'not a ptesim log (expected magic "PTESIM\\0\\x02" or "PTESIM\\0\\x01" at byte 0)',
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
    const header = checkHeader(h.payload, `${where} at byte 8`, LOG_FORMAT_VERSION);
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
    const indexed = LogReader.fromTrailer(src, where, h.end, salvage);
    if (indexed)
      return new LogReader(
        src,
        where,
        header,
        indexed.footer,
        null,
        indexed.chunks,
        indexed.checkpoints,
        decoder,
        null,
        layout,
      );
    const s = LogReader.scan(src, where, h.end, salvage);
    if (!s.footer && !salvage)
      throw new SimError(
        'LOG_TRUNCATED',
        `the log ends without a footer${s.truncated?.atByte != null ? ` (cut at byte ${s.truncated.atByte})` : ''}; ${s.truncated?.eventsSurvived ?? 0} events survived; use --salvage to read them`,
        where,
      );
    return new LogReader(
      src,
      where,
      header,
      s.footer,
      s.footer ? null : s.truncated,
      s.chunks,
      s.checkpoints,
      decoder,
      null,
      layout,
    );
  }

  private static openV1(src: ByteSource, where: string, salvage: boolean): LogReader {
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
    return new LogReader(
      src,
      where,
      v1.header,
      v1.footer,
      v1.footer ? null : { atByte: v1.truncatedAt, eventsSurvived: v1.events },
      chunks,
      [],
      null,
      v1.chunks.filter((c) => c.length > 0),
      { chunkEvents: 0, checkpointEvery: 0 },
    );
  }

  /** Footer and index through the trailer, or null when there is no trailer (killed writer). */
  private static fromTrailer(
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
      const { chunks, checkpoints } = LogReader.checkIndex(
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

  private static checkIndex(
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
    if ((co.length === 0) !== (events === 0))
      return bad(`${co.length} chunks for ${events} events`);
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
  private static scan(
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

  /**
   * Walk every record from the header on and compare with the index in use (verify): finds
   * records the footer does not list, or an index that points elsewhere. Null when they agree.
   */
  structureProblem(): string | null {
    if (this.v1) return null;
    const h = readRecord(this.src, 8, this.where, 'header record');
    if (!h.ok) return 'the header record is cut short';
    const s = LogReader.scan(this.src, this.where, h.end, this.truncated !== null);
    const same = (a: readonly { offset: number }[], b: readonly { offset: number }[]): boolean =>
      a.length === b.length && a.every((x, i) => x.offset === b[i]?.offset);
    if (!same(s.chunks, this.chunks))
      return `the records hold ${s.chunks.length} chunks, the index lists ${this.chunks.length} (or at other offsets)`;
    if (!same(s.checkpoints, this.checkpoints))
      return `the records hold ${s.checkpoints.length} checkpoints, the index lists ${this.checkpoints.length} (or at other offsets)`;
    return null;
  }

  /** The checked payload of chunk `k` (format 2). */
  readChunk(k: number): ChunkPayload {
    const info = this.chunks[k];
    if (!info || info.offset < 0)
      throw new SimError(
        'BAD_ARGUMENT',
        `no chunk ${k} (the log has ${this.chunks.length})`,
        this.where,
      );
    const at = `${this.where} chunk ${k} at byte ${info.offset}`;
    const r = readRecord(this.src, info.offset, this.where, `chunk ${k}`);
    if (!r.ok) throw new SimError('LOG_TRUNCATED', 'the chunk is cut short', at);
    if (r.kind !== RECORD_CHUNK)
      throw new SimError('LOG_CORRUPT', `expected a chunk record, found kind ${r.kind}`, at);
    const c = checkChunk(r.payload, at);
    if (c.first !== info.first || c.n !== info.n)
      throw new SimError(
        'LOG_CORRUPT',
        `chunk holds events ${c.first}+${c.n}, the index says ${info.first}+${info.n}`,
        at,
      );
    return c;
  }

  /**
   * Visit events [from, to) in order, one chunk decoded at a time. With `reuse`, event objects
   * are scratch objects overwritten by later events (see `visitChunk`): the visitor must not
   * keep them. @default reuse false
   */
  forEach(
    visit: (e: SimEvent, i: number) => void,
    from = 0,
    to = this.length,
    reuse = false,
  ): void {
    to = Math.min(to, this.length);
    if (from >= to) return;
    let k = this.chunkOf(from);
    const scratch: (SimEvent | undefined)[] | null = reuse ? [] : null;
    for (; k < this.chunks.length; k++) {
      const info = this.chunks[k] as ChunkInfo;
      if (info.first >= to) break;
      const lo = Math.max(from, info.first);
      const hi = Math.min(to, info.first + info.n);
      const whole = lo === info.first && hi === info.first + info.n;
      // A partial chunk: skip events before `lo`, stop decoding at `hi` (seeks decode less).
      // The compiled visitor takes the bounds itself: a wrapper closure here would make its
      // call site polymorphic and deoptimise it on the first seek.
      const v = whole
        ? visit
        : (e: SimEvent, i: number): void => {
            if (i >= hi) throw STOP;
            if (i >= lo) visit(e, i);
          };
      if (this.v1) {
        const evs = this.v1[k] as readonly SimEvent[];
        for (let i = lo; i < hi; i++) v(evs[i - info.first] as SimEvent, i);
        continue;
      }
      const c = this.readChunk(k);
      const at = `${this.where} chunk ${k} at byte ${info.offset}`;
      const fast = this.visitor();
      try {
        if (fast) {
          const types = c.z ? inflate(c.types, at, 'types') : c.types;
          const data = c.z ? inflate(c.data, at, 'data') : c.data;
          fast(types, data, c.n, c.first, c.strs, scratch, visit, lo, hi);
        } else visitChunk(c, this.decoder as Decoder, this.header.schema, at, reuse, v);
      } catch (e) {
        if (e !== STOP) throw e;
        // Only the last chunk of a range stops early; the rest of it was not wanted.
        break;
      }
    }
  }

  private visitor(): CompiledVisitor | null {
    if (this.compiled === undefined)
      this.compiled = this.decoder ? compileVisitor(this.decoder, this.where) : null;
    return this.compiled;
  }

  /** Events [from, to) as fresh objects (materialises the range: mind the memory). */
  events(from = 0, to = this.length): SimEvent[] {
    const out: SimEvent[] = [];
    this.forEach((e) => out.push(e), from, to);
    return out;
  }

  /** Events of chunk `k`, fresh objects. */
  chunkEvents(k: number): SimEvent[] {
    const info = this.chunks[k];
    return info ? this.events(info.first, info.first + info.n) : [];
  }

  /** Index of the chunk holding event `i` (binary search). */
  chunkOf(i: number): number {
    let lo = 0;
    let hi = this.chunks.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((this.chunks[mid] as ChunkInfo).first <= i) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  /**
   * The initial state of the log's scenario (a fresh mutable copy). It goes through the same
   * MessagePack round trip as checkpoint states, so every state this reader folds has the same
   * object shapes: folding from a checkpoint then does not deoptimise recipes that were
   * optimised on literal-built states (first seeks took 20 to 40 ms instead of 1 to 3).
   */
  initialState(): MutableSimState {
    return decode(encode(initialMutableState(this.header.scenario))) as MutableSimState;
  }

  /** The checked state of checkpoint `k` (a fresh mutable copy the caller owns). */
  checkpointState(k: number): MutableSimState {
    const info = this.checkpoints[k];
    if (!info)
      throw new SimError(
        'BAD_ARGUMENT',
        `no checkpoint ${k} (the log has ${this.checkpoints.length})`,
        this.where,
      );
    const at = `${this.where} checkpoint ${k} at byte ${info.offset}`;
    const r = readRecord(this.src, info.offset, this.where, `checkpoint ${k}`);
    if (!r.ok) throw new SimError('LOG_TRUNCATED', 'the checkpoint is cut short', at);
    if (r.kind !== RECORD_CHECKPOINT)
      throw new SimError('LOG_CORRUPT', `expected a checkpoint record, found kind ${r.kind}`, at);
    this.template ??= this.initialState();
    const cp = checkCheckpoint(r.payload, this.template, at);
    if (cp.at !== info.at)
      throw new SimError(
        'LOG_CORRUPT',
        `checkpoint holds event ${cp.at}, the index says ${info.at}`,
        at,
      );
    return cp.state;
  }

  /** Fold events [from, to) into `state` (mutated) with the recipes; scratch events, no copies. */
  foldInto(state: MutableSimState, from: number, to: number): MutableSimState {
    this.forEach((e) => applyEvent(state, e), from, to, true);
    return state;
  }

  /**
   * The state after the first `n` events (0 ≤ n ≤ length), folded from the nearest checkpoint
   * at or before `n`: at most `checkpointEvery` events are decoded.
   */
  stateAfter(n: number): SimState {
    if (!Number.isSafeInteger(n) || n < 0 || n > this.length)
      throw new SimError(
        'BAD_ARGUMENT',
        `event count must be 0..${this.length}, got ${n}`,
        this.where,
      );
    let k = -1;
    for (let lo = 0, hi = this.checkpoints.length - 1; lo <= hi;) {
      const mid = (lo + hi) >> 1;
      if ((this.checkpoints[mid] as CheckpointInfo).at <= n) {
        k = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    const base = k >= 0 ? this.checkpointState(k) : this.initialState();
    const from = k >= 0 ? (this.checkpoints[k] as CheckpointInfo).at : 0;
    return this.foldInto(base, from, n) as unknown as SimState;
  }

  /** The state after event `i` (inclusive), -1 ≤ i < length: `stateAfter(i + 1)`. */
  stateAt(i: number): SimState {
    return this.stateAfter(i + 1);
  }
}

function inflate(b: Uint8Array, where: string, column: string): Uint8Array {
  try {
    return inflateRawSync(b, { maxOutputLength: 64 * 1024 * 1024 });
  } catch (e) {
    throw new SimError(
      'LOG_CORRUPT',
      `chunk.${column} does not inflate: ${(e as Error).message}`,
      where,
    );
  }
}
