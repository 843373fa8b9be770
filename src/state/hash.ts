import type { SimState } from './types.js';

/**
 * Canonical state hash: 64 bits as 16 hex digits, from a fixed-order walk of the plain-data
 * state (every object in state has a fixed key order, set by initialState and kept by the
 * recipes). Two lanes of FNV-1a style mixing with Math.imul; no allocation per value.
 */
export function stateHash(state: SimState): string {
  const h = new Hasher();
  h.value(state);
  return h.hex();
}

export class Hasher {
  private a = 0x811c9dc5 | 0;
  private b = 0x01000193 ^ 0x5bd1e995;

  num(n: number): void {
    // Integers only in state; non-integers are hashed through their string form.
    if (!Number.isInteger(n) || n > 0x7fffffff || n < -0x80000000) {
      this.str(String(n));
      return;
    }
    this.a = Math.imul(this.a ^ n, 0x01000193);
    this.b = Math.imul(this.b ^ (n + 0x9e3779b9), 0x5bd1e995);
    this.b ^= this.b >>> 15;
  }

  str(s: string): void {
    this.num(-0x7fffffff + s.length);
    for (let i = 0; i < s.length; i++) this.num(s.charCodeAt(i));
  }

  value(v: unknown): void {
    if (typeof v === 'number') this.num(v);
    else if (typeof v === 'string') this.str(v);
    else if (typeof v === 'boolean') this.num(v ? -3 : -4);
    else if (v === null || v === undefined) this.num(-5);
    else if (Array.isArray(v)) {
      this.num(-6 - v.length);
      for (const x of v) this.value(x);
    } else {
      const o = v as Record<string, unknown>;
      this.num(-0x1000);
      for (const k in o) {
        this.str(k);
        this.value(o[k]);
      }
    }
  }

  hex(): string {
    const a = (this.a ^ (this.b >>> 7)) >>> 0;
    const b = Math.imul(this.b ^ (this.a >>> 13), 0x85ebca6b) >>> 0;
    return a.toString(16).padStart(8, '0') + b.toString(16).padStart(8, '0');
  }
}
