import type { SimEvent } from '../events/index.js';
import { applyEvent } from '../evolve/index.js';
import type { MutableSimState, SimState } from '../state/types.js';
import { SimError } from '../errors.js';
import { checkCheckpoint } from './checkpoint.js';
import {
  eventBoundsOf,
  eventProblem,
  FOLD_CHECKED,
  foldProblem,
  type EventBounds,
} from './eventGuard.js';
import { MAX_CALL_DEPTH } from './stateCheck.js';
import { checkChunk, visitChunk, type ChunkPayload } from './chunkCodec.js';
import { compileVisitor, type CompiledVisitor } from './compiledChunk.js';
import type { Decoder } from './eventTable.js';
import { RECORD_CHECKPOINT, RECORD_CHUNK, type LogFooter, type LogHeader } from './format.js';
import {
  locateLog,
  scanRecords,
  type CheckpointInfo,
  type ChunkInfo,
  type LocatedLog,
  type OpenOptions,
  type Truncation,
} from './logIndex.js';
import { readRecord, type ByteSource } from './source.js';
import { decode, encode } from './codec.js';
import { inflateRawSync } from 'node:zlib';

export type { CheckpointInfo, ChunkInfo, OpenOptions, Truncation } from './logIndex.js';

/** Thrown by a partial-chunk visitor to stop decoding past the end of the wanted range. */
const STOP: unique symbol = Symbol('stop');

/**
 * A log opened for streaming: the header, the index of chunks and checkpoints (from the footer
 * when the trailer is intact, by scanning the records otherwise), and methods that decode one
 * chunk at a time. Nothing here holds more than one chunk of events. Errors are SimErrors
 * naming the chunk or record and its byte offset.
 */
export class LogReader {
  private template: MutableSimState | null = null;
  private compiled: CompiledVisitor | null | undefined = undefined;

  readonly header: LogHeader;
  readonly footer: LogFooter | null;
  readonly truncated: Truncation | null;
  readonly chunks: readonly ChunkInfo[];
  readonly checkpoints: readonly CheckpointInfo[];
  /** Header fields of format 2 beyond LogHeader (chunkEvents, checkpointEvery; 0 for format 1). */
  readonly layout: { readonly chunkEvents: number; readonly checkpointEvery: number };
  private readonly decoder: Decoder | null;
  private readonly v1: readonly (readonly SimEvent[])[] | null;
  private readonly headerEnd: number;
  private readonly bounds: EventBounds;

  private constructor(
    private readonly src: ByteSource,
    readonly where: string,
    l: LocatedLog,
  ) {
    this.header = l.header;
    this.footer = l.footer;
    this.truncated = l.truncated;
    this.chunks = l.chunks;
    this.checkpoints = l.checkpoints;
    this.layout = l.layout;
    this.decoder = l.decoder;
    this.v1 = l.v1;
    this.headerEnd = l.headerEnd;
    this.bounds = eventBoundsOf(l.header.scenario);
  }

  /** Open a log (any format version) from random-access bytes; see `locateLog`. */
  static open(src: ByteSource, where = 'log', opts: OpenOptions = {}): LogReader {
    return new LogReader(src, where, locateLog(src, where, opts));
  }

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

  /**
   * Walk every record from the header on and compare with the index in use (verify): finds
   * records the footer does not list, or an index that points elsewhere. Null when they agree.
   */
  structureProblem(): string | null {
    if (this.v1) return null;
    const s = scanRecords(this.src, this.where, this.headerEnd, this.truncated !== null);
    const same = (a: readonly { offset: number }[], b: readonly { offset: number }[]): boolean =>
      a.length === b.length && a.every((x, i) => x.offset === b[i]?.offset);
    if (!same(s.chunks, this.chunks))
      return `the records hold ${s.chunks.length} chunks, the index lists ${this.chunks.length} (or at other offsets)`;
    if (!same(s.checkpoints, this.checkpoints))
      return `the records hold ${s.checkpoints.length} checkpoints, the index lists ${this.checkpoints.length} (or at other offsets)`;
    return null;
  }

  /**
   * The payload of record `k` of an index (`what`: 'chunk' or 'checkpoint'), which must be of
   * record kind `kind`, and where it is (for messages).
   */
  private record(
    what: 'chunk' | 'checkpoint',
    index: readonly { readonly offset: number }[],
    k: number,
    kind: number,
  ): { payload: unknown; at: string } {
    const info = index[k];
    if (!info || info.offset < 0)
      throw new SimError(
        'BAD_ARGUMENT',
        `no ${what} ${k} (the log has ${index.length})`,
        this.where,
      );
    const at = `${this.where} ${what} ${k} at byte ${info.offset}`;
    const r = readRecord(this.src, info.offset, this.where, `${what} ${k}`);
    if (!r.ok) throw new SimError('LOG_TRUNCATED', `the ${what} is cut short`, at);
    if (r.kind !== kind)
      throw new SimError('LOG_CORRUPT', `expected a ${what} record, found kind ${r.kind}`, at);
    return { payload: r.payload, at };
  }

  /** The checked payload of chunk `k` (format 2). */
  readChunk(k: number): ChunkPayload {
    const { payload, at } = this.record('chunk', this.chunks, k, RECORD_CHUNK);
    const info = this.chunks[k] as ChunkInfo;
    const c = checkChunk(payload, at);
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
   * keep them, nor their arrays. @default reuse false
   */
  forEach(
    visit: (e: SimEvent, i: number) => void,
    from = 0,
    to = this.length,
    reuse = false,
  ): void {
    this.walk(visit, from, to, reuse, null);
  }

  /**
   * `forEach`, and with `foldCheck` (a fold's `foldProblem` on its state) every event of a type
   * in FOLD_CHECKED is first handed to it: a problem it names refuses the event.
   */
  private walk(
    visit: (e: SimEvent, i: number) => void,
    from: number,
    to: number,
    reuse: boolean,
    foldCheck: ((e: SimEvent) => string | null) | null,
  ): void {
    to = Math.min(to, this.length);
    if (from >= to) return;
    let k = this.chunkOf(from);
    // Every event is checked against the log's own scenario (eventGuard.ts) before anyone sees
    // it; read from the start, call depths are tracked too (from a checkpoint, foldInto has
    // the state to check them).
    const bounds = this.bounds;
    const depth = from === 0 ? this.header.initial.threads.map((t) => t.stack.length) : null;
    const where = { at: this.where };
    const checked = (e: SimEvent, i: number): void => {
      const p =
        eventProblem(e, bounds) ??
        (depth ? depthProblem(e, depth) : null) ??
        (foldCheck ? foldCheck(e) : null);
      if (p !== null) throw new SimError('LOG_CORRUPT', `event ${i}: ${p}`, where.at);
      visit(e, i);
    };
    // The compiled visitor runs the same checks inline (compiledChunk.ts) and hands only an
    // event that fails (why 1: bounds, 2: depth) or one foldCheck must see (3) to `refuse`,
    // which asks the same functions as `checked` for the message: the same refusal, the same
    // words, at next to no cost per event. (Depth: the visitor has already counted the call.)
    const refuse = (e: SimEvent, i: number, why: number): void => {
      const p =
        why === 3
          ? (foldCheck as (e: SimEvent) => string | null)(e)
          : (eventProblem(e, bounds) ??
            (why === 2 && depth && e.type === 'thread/call'
              ? callTooDeep(e.tid, depth[e.tid] ?? 0)
              : null) ??
            (foldCheck && FOLD_CHECKED.has(e.type) ? foldCheck(e) : null));
      if (p !== null) throw new SimError('LOG_CORRUPT', `event ${i}: ${p}`, where.at);
    };
    const fold = foldCheck !== null;
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
      where.at = `${this.where} chunk ${k} at byte ${info.offset}`;
      const v = whole
        ? checked
        : (e: SimEvent, i: number): void => {
            if (i >= hi) throw STOP;
            if (i >= lo) checked(e, i);
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
          // One type code byte per event; the data about 4 bytes per event (often less).
          const types = c.z ? inflate(c.types, at, 'types', c.n + 16) : c.types;
          const data = c.z ? inflate(c.data, at, 'data', 4 * c.n) : c.data;
          fast(types, data, c.n, c.first, c.strs, scratch, visit, lo, hi, depth, fold, refuse);
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
      this.compiled = this.decoder ? compileVisitor(this.decoder, this.where, this.bounds) : null;
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
   * The log's initial state (from its header; a fresh mutable copy). It goes through the same
   * MessagePack round trip as checkpoint states, so every state this reader folds has the same
   * object shapes: folding from a checkpoint then does not deoptimise recipes that were
   * optimised on literal-built states (first seeks took 20 to 40 ms instead of 1 to 3).
   */
  initialState(): MutableSimState {
    return decode(encode(this.header.initial)) as MutableSimState;
  }

  /** The checked state of checkpoint `k` (a fresh mutable copy the caller owns). */
  checkpointState(k: number): MutableSimState {
    const { payload, at } = this.record('checkpoint', this.checkpoints, k, RECORD_CHECKPOINT);
    const info = this.checkpoints[k] as CheckpointInfo;
    this.template ??= this.initialState();
    const cp = checkCheckpoint(payload, this.template, this.header.scenario, at);
    if (cp.at !== info.at)
      throw new SimError(
        'LOG_CORRUPT',
        `checkpoint holds event ${cp.at}, the index says ${info.at}`,
        at,
      );
    return cp.state;
  }

  /**
   * Fold events [from, to) into `state` (mutated) with the recipes; scratch events, no copies.
   * `after(i)` runs after event i is applied (it may throw to stop the fold).
   */
  foldInto(
    state: MutableSimState,
    from: number,
    to: number,
    after?: (i: number) => void,
  ): MutableSimState {
    const bounds = this.bounds;
    // foldProblem runs before each event is applied, on the state it is applied to.
    this.walk(
      after
        ? (e, i) => {
            applyEvent(state, e);
            after(i);
          }
        : (e) => applyEvent(state, e),
      from,
      to,
      true,
      (e) => foldProblem(e, state, bounds),
    );
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

/**
 * Inflate a column. `expect`: its likely size (zlib's output buffer; zlib grows past it): one
 * buffer and no concatenation for most columns, where the default 16 KiB made several.
 */
function inflate(b: Uint8Array, where: string, column: string, expect: number): Uint8Array {
  try {
    return inflateRawSync(b, {
      maxOutputLength: 64 * 1024 * 1024,
      chunkSize: Math.min(Math.max(expect, 1024), 1 << 20),
    });
  } catch (e) {
    throw new SimError(
      'LOG_CORRUPT',
      `chunk.${column} does not inflate: ${(e as Error).message}`,
      where,
    );
  }
}

/** Track call depths along a stream read from the start: a call beyond MAX_CALL_DEPTH. */
function depthProblem(e: SimEvent, depth: number[]): string | null {
  if (e.type === 'thread/call') {
    const d = (depth[e.tid] ?? 0) + 1;
    depth[e.tid] = d;
    if (d > MAX_CALL_DEPTH) return callTooDeep(e.tid, d);
  } else if (e.type === 'thread/return') depth[e.tid] = Math.max(0, (depth[e.tid] ?? 0) - 1);
  return null;
}

const callTooDeep = (tid: number, d: number): string =>
  `thread/call: thread ${tid} would be ${d} frames deep (limit ${MAX_CALL_DEPTH})`;
