import type { SimEvent } from '../events/index.js';
import { applyEvent } from '../evolve/index.js';
import { decode, encode } from './codec.js';
import { stateHash } from '../state/hash.js';
import type { MutableSimState } from '../state/types.js';
import { ModelInvariantError, SimError } from '../errors.js';
import { ChunkEncoder } from './chunkCodec.js';
import { eventBoundsOf, eventProblem, foldProblem, type EventBounds } from './eventGuard.js';
import { currentTypeTable, encoderFor } from './eventTable.js';
import {
  frameRecord,
  LOG_FORMAT_VERSION,
  makeTrailer,
  MAGIC,
  RECORD_CHECKPOINT,
  RECORD_CHUNK,
  RECORD_FOOTER,
  RECORD_HEADER,
  type LogFooter,
  type LogHeader,
} from './format.js';

/** Where bytes go: a file (src/log/file.ts) or memory (tests). */
export interface ByteSink {
  write(bytes: Uint8Array): void;
}

export interface LogWriterOptions {
  /** Events per chunk. @default 16384 */
  readonly chunkEvents?: number;
  /** A state checkpoint after every this many events (rounded up to whole chunks). @default 32768 */
  readonly checkpointEvery?: number;
  /** Raw-DEFLATE the chunk columns. @default true */
  readonly compress?: boolean;
}

/** The footer index: where every chunk and checkpoint starts (docs/log-format.md §Footer). */
export interface LogIndex {
  readonly chunkOffsets: readonly number[];
  readonly chunkFirst: readonly number[];
  readonly checkpointOffsets: readonly number[];
  readonly checkpointAt: readonly number[];
}

/**
 * Streams a log: header at once, a chunk every `chunkEvents` events, a checkpoint every
 * `checkpointEvery`, then footer and trailer. Append-only: every record is complete when it
 * is handed to the sink, so a killed writer leaves a readable prefix. Memory stays one chunk
 * plus one state (the writer folds its own copy to write checkpoints).
 */
export class LogWriter {
  private readonly enc: ChunkEncoder;
  private readonly chunkEvents: number;
  private readonly checkpointEvery: number;
  private readonly state: MutableSimState;
  private readonly bounds: EventBounds;
  private offset = 0;
  private first = 0;
  private count = 0;
  private sinceCheckpoint = 0;
  private finished = false;
  private readonly index = {
    chunkOffsets: [] as number[],
    chunkFirst: [] as number[],
    checkpointOffsets: [] as number[],
    checkpointAt: [] as number[],
  };

  constructor(
    private readonly sink: ByteSink,
    header: LogHeader,
    options: LogWriterOptions | number = {},
  ) {
    const o: LogWriterOptions = typeof options === 'number' ? { chunkEvents: options } : options;
    this.chunkEvents = o.chunkEvents ?? 16384;
    if (
      !Number.isSafeInteger(this.chunkEvents) ||
      this.chunkEvents < 1 ||
      this.chunkEvents > 1 << 20
    )
      throw new SimError(
        'BAD_ARGUMENT',
        `chunkEvents must be 1..${1 << 20}, got ${this.chunkEvents}`,
      );
    this.checkpointEvery =
      Math.max(1, Math.ceil((o.checkpointEvery ?? 32768) / this.chunkEvents)) * this.chunkEvents;
    const table = currentTypeTable();
    this.enc = new ChunkEncoder(encoderFor(table), o.compress ?? true);
    this.state = decode(encode(header.initial)) as MutableSimState;
    this.bounds = eventBoundsOf(header.scenario);
    this.put(MAGIC);
    this.put(
      frameRecord(RECORD_HEADER, {
        ...header,
        format: LOG_FORMAT_VERSION,
        chunkEvents: this.chunkEvents,
        checkpointEvery: this.checkpointEvery,
        types: table,
      }),
    );
  }

  private put(bytes: Uint8Array): void {
    this.sink.write(bytes);
    this.offset += bytes.length;
  }

  /**
   * What is wrong with appending `e` (an untrusted event, e.g. from JSON lines) to this log:
   * a field outside the scenario's ranges, a call too deep, a fill into a full TLB; or null.
   */
  problem(e: SimEvent): string | null {
    return eventProblem(e, this.bounds) ?? foldProblem(e, this.state, this.bounds);
  }

  append(e: SimEvent): void {
    this.enc.add(e);
    applyEvent(this.state, e);
    this.count++;
    if (this.enc.n >= this.chunkEvents) this.flush();
  }

  private flush(): void {
    if (this.enc.n === 0) return;
    const n = this.enc.n;
    this.index.chunkOffsets.push(this.offset);
    this.index.chunkFirst.push(this.first);
    this.put(frameRecord(RECORD_CHUNK, this.enc.finish(this.first)));
    this.first += n;
    this.sinceCheckpoint += n;
    if (this.sinceCheckpoint >= this.checkpointEvery) {
      this.sinceCheckpoint = 0;
      this.index.checkpointOffsets.push(this.offset);
      this.index.checkpointAt.push(this.first);
      this.put(
        frameRecord(RECORD_CHECKPOINT, {
          at: this.first,
          hash: stateHash(this.state),
          state: this.state,
        }),
      );
    }
  }

  /** Hash of the writer's own fold so far (tests; the footer must agree with it). */
  currentHash(): string {
    return stateHash(this.state);
  }

  /**
   * Write the last chunk, the footer with the index, and the trailer. The footer's event count
   * and final hash must agree with what was appended (a writer never records a lie).
   */
  finish(footer: LogFooter): void {
    if (this.finished) throw new ModelInvariantError('LogWriter.finish called twice');
    this.flush();
    if (footer.events !== this.count)
      throw new ModelInvariantError(
        `footer says ${footer.events} events but ${this.count} were appended`,
      );
    const own = stateHash(this.state);
    if (footer.finalStateHash !== own)
      throw new ModelInvariantError(
        `footer's final hash ${footer.finalStateHash} differs from the fold of the appended events (${own})`,
      );
    const at = this.offset;
    this.put(frameRecord(RECORD_FOOTER, { ...footer, index: this.index }));
    this.put(makeTrailer(at));
    this.finished = true;
  }
}

/** An in-memory sink. */
export class MemorySink implements ByteSink {
  private parts: Uint8Array[] = [];
  write(bytes: Uint8Array): void {
    this.parts.push(bytes.slice());
  }
  bytes(): Uint8Array {
    const n = this.parts.reduce((s, p) => s + p.length, 0);
    const out = new Uint8Array(n);
    let o = 0;
    for (const p of this.parts) {
      out.set(p, o);
      o += p.length;
    }
    return out;
  }
}
