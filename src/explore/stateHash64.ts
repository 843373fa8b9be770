import type { MutableSimState, SimState } from '../state/types.js';
import { KNOWN_ROOT, verifyKnownShapes } from './knownShape.js';

/**
 * A fast 64-bit fingerprint of a plain-data state (two independent 32-bit multiply-xorshift
 * lanes over a fixed-order walk of values, array lengths and object sizes), and an
 * open-addressing set of fingerprints: 8 bytes per slot, no per-state allocation.
 *
 * This is hash compaction (as in SPIN's -DHC): two different states share a fingerprint with
 * probability about 2^-64 per pair, so a search storing n states wrongly merges two of them
 * with probability at most n^2 / 2^65 (1e-6 at 6 million states). `ExploreOptions.exact`
 * stores full keys instead and rules this out.
 */
export class Fingerprint {
  a = 0;
  b = 0;
  private calls = 0;
  private readonly fnIds = new Map<string, number>();

  of(state: SimState | MutableSimState, extra?: readonly number[]): this {
    this.a = 0x9e3779b9 | 0;
    this.b = 0x85ebca6b | 0;
    if ((this.calls++ & 255) === 0) verifyKnownShapes(state);
    this.known(state as MutableSimState);
    if (extra) for (const x of extra) this.num(x);
    // finalise (murmur3 fmix on each lane, cross-mixed)
    let a = this.a ^ (this.b >>> 16);
    a = Math.imul(a ^ (a >>> 16), 0x85ebca6b);
    a = Math.imul(a ^ (a >>> 13), 0xc2b2ae35);
    let b = this.b ^ (a >>> 15);
    b = Math.imul(b ^ (b >>> 16), 0x7feb352d);
    b = Math.imul(b ^ (b >>> 15), 0x846ca68b);
    this.a = (a ^ (a >>> 16)) | 0;
    this.b = (b ^ (b >>> 16)) | 0;
    return this;
  }

  /** Field-by-field walk of the known parts (see knownShape.ts), generic for the rest. */
  private known(s: MutableSimState): void {
    this.num(-0x100 - s.pages.length);
    for (const p of s.pages) {
      this.num(p.version);
      this.num(p.device);
    }
    this.num(-0x100 - s.mms.length);
    for (const m of s.mms) {
      this.ints(m.ptes);
      this.num(m.pending);
      this.num(m.seq);
      this.num(m.active);
    }
    this.num(-0x100 - s.tlbs.length);
    for (const t of s.tlbs) {
      this.num(-0x200 - t.length);
      for (const e of t) {
        this.num(e.mm);
        this.num(e.vpn);
        this.num(e.pfn);
        this.num(e.w);
        this.num(e.d);
        this.num(e.susp);
      }
    }
    this.num(-0x100 - s.locks.length);
    for (const l of s.locks) {
      this.num(l.owner);
      this.num(l.readers);
    }
    this.num(-0x100 - s.bitmaps.length);
    for (const b of s.bitmaps) this.ints(b);
    this.num(s.bounds.start);
    this.num(s.bounds.end);
    this.num(-0x100 - s.threads.length);
    for (const th of s.threads) {
      this.num(-0x300 - th.stack.length);
      for (const f of th.stack) {
        let id = this.fnIds.get(f.fn);
        if (id === undefined) {
          id = this.fnIds.size;
          this.fnIds.set(f.fn, id);
        }
        this.num(id);
        this.num(f.pc);
        this.ints(f.l);
      }
    }
    this.num(-0x100 - s.smmus.length);
    for (const m of s.smmus) {
      this.num(m.mm);
      this.num(m.seq);
      this.ints(m.sptes);
      this.ints(m.susp);
    }
    this.num(s.warnings);
    let i = 0;
    for (const k in s) {
      if (i++ < KNOWN_ROOT.length) continue;
      this.num(-0x5000 - k.length);
      this.value((s as unknown as Record<string, unknown>)[k]);
    }
  }

  private ints(xs: readonly number[]): void {
    this.num(-0x4000 - xs.length);
    for (let i = 0; i < xs.length; i++) this.num(xs[i] as number);
  }

  private num(n: number): void {
    const x = (n | 0) === n ? n : hashNonInt(n);
    this.a = Math.imul(this.a ^ x, 0x01000193);
    this.a ^= this.a >>> 15;
    this.b = Math.imul(this.b + x + 0x7f4a7c15, 0x5bd1e995);
    this.b ^= this.b >>> 13;
  }

  private value(v: unknown): void {
    if (typeof v === 'number') return this.num(v);
    if (Array.isArray(v)) {
      this.num(-0x4000 - v.length);
      for (let i = 0; i < v.length; i++) {
        const x: unknown = v[i];
        if (typeof x === 'number') this.num(x);
        else this.value(x);
      }
      return;
    }
    if (typeof v === 'object' && v !== null) {
      const o = v as Record<string, unknown>;
      let n = 0;
      for (const k in o) {
        const x = o[k];
        if (typeof x === 'number') this.num(x);
        else this.value(x);
        n++;
      }
      this.num(-0x8000 - n);
      return;
    }
    if (typeof v === 'string') {
      this.num(-0x2000 - v.length);
      for (let i = 0; i < v.length; i++) this.num(v.charCodeAt(i));
      return;
    }
    this.num(v === true ? -0x1001 : v === false ? -0x1002 : v === null ? -0x1003 : -0x1004);
  }
}

function hashNonInt(n: number): number {
  const s = String(n);
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h | 0;
}

/** Open-addressing set of 64-bit fingerprints (linear probing, grows at 1/2 load). */
export class FingerprintSet {
  private lo: Int32Array;
  private hi: Int32Array;
  private used: Uint8Array;
  private mask: number;
  size = 0;

  constructor(capacityPow2 = 1 << 16) {
    this.lo = new Int32Array(capacityPow2);
    this.hi = new Int32Array(capacityPow2);
    this.used = new Uint8Array(capacityPow2);
    this.mask = capacityPow2 - 1;
  }

  /** Bytes held by the table. */
  get bytes(): number {
    return this.lo.byteLength * 2 + this.used.byteLength;
  }

  /** Insert; returns false when the fingerprint was already present. */
  add(a: number, b: number): boolean {
    let i = (a ^ Math.imul(b, 0x9e3779b1)) & this.mask;
    for (;;) {
      if (this.used[i] === 0) break;
      if (this.lo[i] === a && this.hi[i] === b) return false;
      i = (i + 1) & this.mask;
    }
    this.used[i] = 1;
    this.lo[i] = a;
    this.hi[i] = b;
    this.size++;
    if (this.size * 2 > this.mask) this.grow();
    return true;
  }

  has(a: number, b: number): boolean {
    let i = (a ^ Math.imul(b, 0x9e3779b1)) & this.mask;
    for (;;) {
      if (this.used[i] === 0) return false;
      if (this.lo[i] === a && this.hi[i] === b) return true;
      i = (i + 1) & this.mask;
    }
  }

  private grow(): void {
    const { lo, hi, used } = this;
    const cap = (this.mask + 1) * 2;
    this.lo = new Int32Array(cap);
    this.hi = new Int32Array(cap);
    this.used = new Uint8Array(cap);
    this.mask = cap - 1;
    this.size = 0;
    for (let i = 0; i < used.length; i++)
      if (used[i] === 1) this.add(lo[i] as number, hi[i] as number);
  }
}
