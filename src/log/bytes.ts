import { SimError } from '../errors.js';

/**
 * Variable-length integers of the columnar chunk layout (docs/log-format.md §Varints).
 *
 * `uvarint`: LEB128, 7 bits per byte, low groups first, at most 8 bytes (values < 2^56, so every
 * safe integer fits).
 * `svarint`: sign-magnitude LEB128: bit 0 of the first byte is the sign, bits 1..6 the low six
 * bits of the magnitude, then 7-bit groups. "Negative zero" (a lone byte 0x01) never encodes a
 * number: the chunk codec uses it as an escape (an absolute value follows instead of a delta).
 */
export const SVARINT_ESCAPE = 0x01;
const MAX_VARINT_BYTES = 8;

/** LOG_CORRUPT at byte `at` of `where` (a column of a chunk). */
export function corrupt(where: string, at: number, message: string): never {
  throw new SimError('LOG_CORRUPT', message, `${where} byte ${at}`);
}

/**
 * The 7-bit groups of a varint after its first byte, which is at `start` and has the high bit
 * set: `v` is the value of that byte's bits, `scale` the weight of the next group. Both varint
 * kinds and both decoders (ByteReader, the compiled chunk visitor) end here. Leaves the
 * position after the varint in `cur.pos`; a varint cut by the end of `buf`, longer than 8 bytes
 * or beyond 2^53 is LOG_CORRUPT at `start`.
 */
export function varintRest(
  buf: Uint8Array,
  start: number,
  v: number,
  scale: number,
  cur: { pos: number },
  where: string,
): number {
  for (let k = 1; ; k++) {
    if (k >= MAX_VARINT_BYTES) corrupt(where, start, 'varint longer than 8 bytes');
    if (start + k >= buf.length) corrupt(where, start, 'column ends in the middle of a varint');
    const b = buf[start + k] as number;
    v += (b & 0x7f) * scale;
    if (b < 0x80) {
      cur.pos = start + k + 1;
      break;
    }
    scale *= 0x80;
  }
  if (v > Number.MAX_SAFE_INTEGER) corrupt(where, start, 'integer beyond 2^53');
  return v;
}

/** A growable byte buffer. */
export class ByteWriter {
  private buf: Uint8Array;
  pos = 0;
  constructor(initial = 1 << 16) {
    this.buf = new Uint8Array(initial);
  }
  private grow(need: number): void {
    let size = this.buf.length * 2;
    while (size < this.pos + need) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
  }
  u8(b: number): void {
    if (this.pos + 1 > this.buf.length) this.grow(1);
    this.buf[this.pos++] = b;
  }
  /** Non-negative safe integer. */
  uvarint(v: number): void {
    if (this.pos + MAX_VARINT_BYTES > this.buf.length) this.grow(MAX_VARINT_BYTES);
    const buf = this.buf;
    while (v >= 0x80) {
      buf[this.pos++] = (v % 0x80) | 0x80;
      v = Math.floor(v / 0x80);
    }
    buf[this.pos++] = v;
  }
  /** Safe integer (|v| ≤ 2^53 − 1). */
  svarint(v: number): void {
    if (this.pos + MAX_VARINT_BYTES > this.buf.length) this.grow(MAX_VARINT_BYTES);
    const buf = this.buf;
    let sign = 0;
    if (v < 0) {
      sign = 1;
      v = -v;
    }
    if (v < 0x40) {
      buf[this.pos++] = (v << 1) | sign;
      return;
    }
    buf[this.pos++] = 0x80 | ((v % 0x40) << 1) | sign;
    v = Math.floor(v / 0x40);
    while (v >= 0x80) {
      buf[this.pos++] = (v % 0x80) | 0x80;
      v = Math.floor(v / 0x80);
    }
    buf[this.pos++] = v;
  }
  /** A copy of the bytes written so far. */
  bytes(): Uint8Array {
    return this.buf.slice(0, this.pos);
  }
  reset(): void {
    this.pos = 0;
  }
}

/**
 * Reads varints from untrusted bytes: running past the end, an over-long varint or a value
 * beyond 2^53 throws LOG_CORRUPT with `where` and the byte offset inside the column.
 */
export class ByteReader {
  pos = 0;
  constructor(
    readonly buf: Uint8Array,
    private readonly where: string,
  ) {}
  get done(): boolean {
    return this.pos >= this.buf.length;
  }
  fail(message: string): never {
    return corrupt(this.where, this.pos, message);
  }
  uvarint(): number {
    const buf = this.buf;
    const pos = this.pos;
    if (pos >= buf.length) this.fail('column ends in the middle of an event');
    const b = buf[pos] as number;
    if (b < 0x80) {
      this.pos = pos + 1;
      return b;
    }
    return varintRest(buf, pos, b & 0x7f, 0x80, this, this.where);
  }
  /** Returns NaN for the escape byte (never a number). */
  svarint(): number {
    const buf = this.buf;
    const pos = this.pos;
    if (pos >= buf.length) this.fail('column ends in the middle of an event');
    const b = buf[pos] as number;
    const neg = (b & 1) === 1;
    if (b < 0x80) {
      this.pos = pos + 1;
      if (b === SVARINT_ESCAPE) return NaN;
      return neg ? -(b >> 1) : b >> 1;
    }
    const v = varintRest(buf, pos, (b >> 1) & 0x3f, 0x40, this, this.where);
    return neg ? -v : v;
  }
}
