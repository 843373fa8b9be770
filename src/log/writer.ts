import type { SimEvent } from '../events/index.js';
import { frameRecord, MAGIC, RECORD_CHUNK, RECORD_FOOTER, RECORD_HEADER, type LogFooter, type LogHeader } from './format.js';

/** Where bytes go: a file (src/log/file.ts) or memory (tests). */
export interface ByteSink {
  write(bytes: Uint8Array): void;
}

/**
 * Streams a log: header at once, a chunk every `chunkEvents` events, footer at the end.
 * Memory stays one chunk, however long the run.
 */
export class LogWriter {
  private buf: SimEvent[] = [];
  private first = 0;
  constructor(
    private readonly sink: ByteSink,
    header: LogHeader,
    private readonly chunkEvents = 4096,
  ) {
    sink.write(MAGIC);
    sink.write(frameRecord(RECORD_HEADER, header));
  }
  append(e: SimEvent): void {
    this.buf.push(e);
    if (this.buf.length >= this.chunkEvents) this.flush();
  }
  private flush(): void {
    if (this.buf.length === 0) return;
    this.sink.write(frameRecord(RECORD_CHUNK, { first: this.first, events: this.buf }));
    this.first += this.buf.length;
    this.buf = [];
  }
  finish(footer: LogFooter): void {
    this.flush();
    this.sink.write(frameRecord(RECORD_FOOTER, footer));
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
