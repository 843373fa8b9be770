import { ModelInvariantError } from '../errors.js';
import type { MutableSimState, SimState } from '../state/types.js';
import {
  STATE_OPS,
  fnHash,
  type HashLanes,
  type LocalsRenamer,
  type Renaming,
  type StateOps,
} from './stateOps.js';

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
export class Fingerprint implements HashLanes {
  a = 0;
  b = 0;
  ea = 0;
  eb = 0;
  /**
   * The states have root fields the schema does not describe: found on the first state
   * fingerprinted (they come from the scenario's initial state, and successors copy them).
   */
  extras = false;
  private calls = 0;
  /**
   * Element hashes by identity, two ways per position, for the parts the schema marks
   * `hashCache` (thread stacks, TLBs): an element a step did not touch is the parent's object
   * (copy-on-write successors), and no object of a completed state is ever mutated, so its hash
   * is reused. The cache holds its objects, so an identity is never recycled while cached.
   */
  readonly cacheObj: unknown[][];
  readonly cacheHash: Int32Array[];

  constructor(private readonly ops: StateOps = STATE_OPS) {
    this.cacheObj = ops.schema.map(() => []);
    this.cacheHash = ops.schema.map(() => new Int32Array(0));
  }

  of(state: SimState | MutableSimState, extra?: readonly number[]): this {
    this.a = 0x9e3779b9 | 0;
    this.b = 0x85ebca6b | 0;
    if ((this.calls++ & 255) === 0) this.check(state);
    // Field by field as the schema describes the state, generically for the rest.
    this.ops.hash(state, this);
    return this.finish(extra);
  }

  /**
   * The fingerprint of `permute(state, p, cpu, bm, locals)` (see symmetry.ts), computed
   * without building that state: equal to `of` on it.
   */
  ofPermuted(
    state: SimState,
    p: readonly number[],
    cpu: readonly number[],
    bm: readonly number[] | null,
    locals: LocalsRenamer,
    extra?: readonly number[],
  ): this {
    this.a = 0x9e3779b9 | 0;
    this.b = 0x85ebca6b | 0;
    if ((this.calls++ & 255) === 0) this.check(state);
    this.ops.hashPermuted(state, p, cpu, bm, locals, this);
    return this.finish(extra);
  }

  /**
   * {@link ofPermuted} by an interned renaming (see StateOps.renaming); `locals` null when no
   * renaming of the group changes frame locals (thread stacks are then hashed as they are).
   */
  ofRenamed(
    state: SimState,
    r: Renaming,
    locals: LocalsRenamer | null,
    extra?: readonly number[],
  ): this {
    this.a = 0x9e3779b9 | 0;
    this.b = 0x85ebca6b | 0;
    if ((this.calls++ & 255) === 0) this.check(state);
    this.ops.hashRenamed(state, r, locals, this);
    return this.finish(extra);
  }

  /** The shape check, every 256 states; looks for root fields the schema does not describe. */
  private check(state: SimState | MutableSimState): void {
    this.ops.verify(state);
    if (this.extras || this.ops.unknownRoots(state).length === 0) return;
    if (this.calls > 1)
      throw new ModelInvariantError(
        `the explorer's state gained root fields the schema does not describe (${this.ops.unknownRoots(state).join(', ')}) after its first state: describe them in src/state/schema.ts`,
      );
    this.extras = true;
  }

  private finish(extra: readonly number[] | undefined): this {
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

  /** Step machine names seen, and their ids (few: a linear scan beats a Map). */
  private readonly fns: string[] = [];
  private readonly fnHashes: number[] = [];

  /**
   * A step machine name's id: a hash of the name itself, not the order names were first seen,
   * so that every thread of a parallel search fingerprints a state alike.
   */
  fnId(fn: string): number {
    const fns = this.fns;
    for (let i = 0; i < fns.length; i++) if (fns[i] === fn) return this.fnHashes[i] as number;
    const h = fnHash(fn);
    if (fns.length < 64) {
      fns.push(fn);
      this.fnHashes.push(h);
    }
    return h;
  }

  num(n: number): void {
    const x = (n | 0) === n ? n : hashNonInt(n);
    this.a = Math.imul(this.a ^ x, 0x01000193);
    this.a ^= this.a >>> 15;
    this.b = Math.imul(this.b + x + 0x7f4a7c15, 0x5bd1e995);
    this.b ^= this.b >>> 13;
  }

  value(v: unknown): void {
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

/** Entries of a set's cache of recent fingerprints. */
const RECENT = 1 << 16;

/**
 * Open-addressing set of 64-bit fingerprints (linear probing, grows at 1/2 load). Both halves
 * of a slot sit side by side (one cache line per probe); the all-zero value marks an empty
 * slot, so the fingerprint (0, 0) is stored as (0, 1) (one more value in 2^64 that can merge).
 */
export class FingerprintSet {
  private slots: Int32Array;
  private mask: number;
  size = 0;

  constructor(capacityPow2 = 1 << 16) {
    this.slots = new Int32Array(capacityPow2 * 2);
    this.mask = capacityPow2 - 1;
  }

  /** Bytes held by the table. */
  get bytes(): number {
    return this.slots.byteLength;
  }

  /**
   * Fingerprints inserted or found lately (direct-mapped, 512 KB, so it stays in the core's
   * cache): most repeat visits of a DFS are to states stored shortly before, and answering
   * them here spares a probe of the large table. Everything in it is in the set.
   */
  private readonly recent = new Int32Array(2 * RECENT);

  /** Insert; returns false when the fingerprint was already present. */
  add(a: number, b0: number): boolean {
    const b = a === 0 && b0 === 0 ? 1 : b0;
    const r = 2 * ((a ^ (b >>> 7)) & (RECENT - 1));
    const recent = this.recent;
    if (recent[r] === a && recent[r + 1] === b) return false;
    recent[r] = a;
    recent[r + 1] = b;
    return this.addTable(a, b);
  }

  private addTable(a: number, b: number): boolean {
    const slots = this.slots;
    const mask = this.mask;
    let i = (a ^ Math.imul(b, 0x9e3779b1)) & mask;
    for (;;) {
      const lo = slots[2 * i] as number;
      const hi = slots[2 * i + 1] as number;
      if (lo === 0 && hi === 0) break;
      if (lo === a && hi === b) return false;
      i = (i + 1) & mask;
    }
    slots[2 * i] = a;
    slots[2 * i + 1] = b;
    this.size++;
    if (this.size * 2 > mask) this.grow();
    return true;
  }

  has(a: number, b0: number): boolean {
    const b = a === 0 && b0 === 0 ? 1 : b0;
    const slots = this.slots;
    let i = (a ^ Math.imul(b, 0x9e3779b1)) & this.mask;
    for (;;) {
      const lo = slots[2 * i] as number;
      const hi = slots[2 * i + 1] as number;
      if (lo === 0 && hi === 0) return false;
      if (lo === a && hi === b) return true;
      i = (i + 1) & this.mask;
    }
  }

  private grow(): void {
    const old = this.slots;
    const cap = (this.mask + 1) * 2;
    this.slots = new Int32Array(cap * 2);
    this.mask = cap - 1;
    this.size = 0;
    for (let i = 0; i < old.length; i += 2) {
      const a = old[i] as number;
      const b = old[i + 1] as number;
      if (a !== 0 || b !== 0) this.addTable(a, b);
    }
  }
}
