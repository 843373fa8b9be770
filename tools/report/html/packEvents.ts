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

/** Packs events one at a time (streaming); `finish` returns the embedded form. */
export class EventPacker {
  private readonly typeIndex = new Map<string, number>();
  private readonly types: string[] = [];
  private readonly fields: (readonly [string, 'i' | 's' | 'a'])[][] = [];
  private readonly strIndex = new Map<string, number>();
  private readonly strings: string[] = [];
  private readonly out = new Bytes();
  private n = 0;

  private str(s: string): number {
    let k = this.strIndex.get(s);
    if (k === undefined) {
      k = this.strings.length;
      this.strings.push(s);
      this.strIndex.set(s, k);
    }
    return k;
  }

  add(e: SimEvent): void {
    let t = this.typeIndex.get(e.type);
    if (t === undefined) {
      t = this.types.length;
      this.types.push(e.type);
      this.typeIndex.set(e.type, t);
      const schema = EVENT_FIELDS[e.type as SimEventType] ?? {};
      this.fields.push(
        Object.entries(schema).map(
          ([name, kind]) => [name, kind === 'int' ? 'i' : kind === 'ints' ? 'a' : 's'] as const,
        ),
      );
    }
    const out = this.out;
    out.uint(t);
    const rec = e as unknown as Record<string, unknown>;
    for (const [name, kind] of this.fields[t] ?? []) {
      const v = rec[name];
      if (kind === 'i') out.int(typeof v === 'number' ? v : 0);
      else if (kind === 's') out.uint(this.str(typeof v === 'string' ? v : String(v)));
      else {
        const arr = Array.isArray(v) ? (v as number[]) : [];
        out.uint(arr.length);
        for (const x of arr) out.int(x);
      }
    }
    this.n++;
  }

  finish(): PackedEvents {
    const gz = gzipSync(this.out.buf.subarray(0, this.out.len), { level: 9 });
    return {
      n: this.n,
      types: this.types,
      fields: this.fields,
      strings: this.strings,
      data: Buffer.from(gz).toString('base64'),
    };
  }
}

export function packEvents(events: readonly SimEvent[]): PackedEvents {
  const p = new EventPacker();
  for (const e of events) p.add(e);
  return p.finish();
}
