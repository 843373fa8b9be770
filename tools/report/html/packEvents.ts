import { gzipSync } from 'node:zlib';
import { EVENT_FIELDS, type SimEvent, type SimEventType } from '../../../src/index.js';

/**
 * Compact columnar embedding of a log's events for the HTML report: one byte stream of
 * LEB128 varints (per event: type code, then each field in schema order; ints zigzag-coded,
 * strings and enum values as string-table indices, int arrays as length + values), gzipped
 * and base64-coded. The page inflates it with DecompressionStream and decodes it into typed
 * arrays (no object per event), so a 1M-event log stays a few MB and loads in a second.
 */
export interface PackedEvents {
  readonly n: number;
  readonly types: readonly string[];
  /** Per type code: [field name, kind] with kind 'i' int, 's' string, 'a' int array. */
  readonly fields: readonly (readonly (readonly [string, 'i' | 's' | 'a'])[])[];
  readonly strings: readonly string[];
  /** base64 of the gzipped varint stream. */
  readonly data: string;
}

class Bytes {
  buf = new Uint8Array(1 << 16);
  len = 0;
  private grow(): void {
    const next = new Uint8Array(this.buf.length * 2);
    next.set(this.buf);
    this.buf = next;
  }
  uint(v: number): void {
    // Non-negative safe integers, 7 bits per byte.
    let x = v;
    while (x >= 0x80) {
      if (this.len >= this.buf.length) this.grow();
      this.buf[this.len++] = (x % 0x80) | 0x80;
      x = Math.floor(x / 0x80);
    }
    if (this.len >= this.buf.length) this.grow();
    this.buf[this.len++] = x;
  }
  int(v: number): void {
    this.uint(v >= 0 ? v * 2 : -v * 2 - 1);
  }
}

export function packEvents(events: readonly SimEvent[]): PackedEvents {
  const typeIndex = new Map<string, number>();
  const types: string[] = [];
  const fields: (readonly [string, 'i' | 's' | 'a'])[][] = [];
  const strIndex = new Map<string, number>();
  const strings: string[] = [];
  const str = (s: string): number => {
    let k = strIndex.get(s);
    if (k === undefined) {
      k = strings.length;
      strings.push(s);
      strIndex.set(s, k);
    }
    return k;
  };
  const out = new Bytes();
  for (const e of events) {
    let t = typeIndex.get(e.type);
    if (t === undefined) {
      t = types.length;
      types.push(e.type);
      typeIndex.set(e.type, t);
      const schema = EVENT_FIELDS[e.type as SimEventType] ?? {};
      fields.push(
        Object.entries(schema).map(
          ([name, kind]) => [name, kind === 'int' ? 'i' : kind === 'ints' ? 'a' : 's'] as const,
        ),
      );
    }
    out.uint(t);
    const rec = e as unknown as Record<string, unknown>;
    for (const [name, kind] of fields[t] ?? []) {
      const v = rec[name];
      if (kind === 'i') out.int(typeof v === 'number' ? v : 0);
      else if (kind === 's') out.uint(str(typeof v === 'string' ? v : String(v)));
      else {
        const arr = Array.isArray(v) ? (v as number[]) : [];
        out.uint(arr.length);
        for (const x of arr) out.int(x);
      }
    }
  }
  const gz = gzipSync(out.buf.subarray(0, out.len), { level: 9 });
  return { n: events.length, types, fields, strings, data: Buffer.from(gz).toString('base64') };
}
