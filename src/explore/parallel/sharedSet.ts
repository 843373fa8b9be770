/**
 * A set of 64-bit fingerprints in shared memory, for one search split over threads: every
 * thread inserts into the same set, and exactly one insert of a fingerprint returns true.
 *
 * Layout: one SharedArrayBuffer arena of Int32 words (the operating system commits its pages
 * only when they are first written, so a large arena costs only what is used) and a header
 * in a second, small buffer. The set is split into {@link SEGMENTS} segments by the high bits
 * of the first fingerprint word; each segment is an open-addressing table (linear probing,
 * pairs of words, (0, 0) = empty) with its own spin lock, and grows on its own by taking a
 * region twice its size from the arena. Regions a segment outgrew go to a free list by size
 * and are reused (zeroed) by the next segment growing to that size, so the arena holds
 * roughly the live tables. When the arena is exhausted, {@link add} returns FULL and the
 * search stops, not exhaustive.
 */
const SEGMENTS = 1024;
const SEG_BITS = 10;
const FIRST_SLOTS = 64;
/** Header words: global, then per segment. */
const H_TOP = 0;
/** Handles given out (each thread's view of the set takes one counter). */
const H_VIEWS = 1;
const H_FREE_LOCK = 2;
/** Free-list heads by log2(slots) (0 = empty), words 3 .. 3 + 31. */
const H_FREE = 3;
/**
 * Insert counters, one per view and each on its own 64-byte line (a single shared counter
 * bounced between the cores on every insert).
 */
const H_COUNTS = 48;
const COUNTERS = 64;
const LINE_WORDS = 16;
/** Segment headers, each on its own line too (neighbouring segments' locks shared a line). */
const H_SEG = H_COUNTS + COUNTERS * LINE_WORDS;
const SEG_WORDS = LINE_WORDS;
/** Entries of each view's cache of recent fingerprints. */
const RECENT = 1 << 16;
const S_LOCK = 0;
const S_BASE = 1;
const S_MASK = 2;
const S_SIZE = 3;

/** {@link SharedFingerprintSet.add}: inserted / already present / no room left. */
export const ADDED = 1;
export const PRESENT = 0;
export const FULL = -1;

/** The buffers of a set, to hand to another thread. */
export interface SharedSetBuffers {
  readonly header: SharedArrayBuffer;
  readonly arena: SharedArrayBuffer;
}

export class SharedFingerprintSet {
  private readonly h: Int32Array;
  private readonly m: Int32Array;

  /** A new, empty set whose arena may grow to `arenaBytes` (at least 1 MB). */
  static create(arenaBytes: number): SharedFingerprintSet {
    const words = Math.max(1 << 18, Math.min(2 ** 31 - 1, Math.floor(arenaBytes / 4)));
    const header = new SharedArrayBuffer((H_SEG + SEGMENTS * SEG_WORDS) * 4);
    const arena = new SharedArrayBuffer(words * 4);
    const set = new SharedFingerprintSet({ header, arena });
    // Word 0 of the arena is never a region (base 0 would read as "no region" in a free list).
    set.h[H_TOP] = 2;
    for (let s = 0; s < SEGMENTS; s++) {
      const base = set.h[H_TOP] as number;
      set.h[H_TOP] = base + FIRST_SLOTS * 2;
      set.h[H_SEG + s * SEG_WORDS + S_BASE] = base;
      set.h[H_SEG + s * SEG_WORDS + S_MASK] = FIRST_SLOTS - 1;
    }
    return set;
  }

  /** This view's insert counter (a word index), and whether other views share it. */
  private readonly counter: number;
  private readonly sharedCounter: boolean;

  constructor(readonly buffers: SharedSetBuffers) {
    this.h = new Int32Array(buffers.header);
    this.m = new Int32Array(buffers.arena);
    const view = Atomics.add(this.h, H_VIEWS, 1);
    this.counter = H_COUNTS + (view % COUNTERS) * LINE_WORDS;
    this.sharedCounter = view >= COUNTERS;
  }

  /** Fingerprints stored, over all threads. */
  get size(): number {
    let n = 0;
    const views = Math.min(COUNTERS, Atomics.load(this.h, H_VIEWS));
    for (let c = 0; c < views; c++) n += Atomics.load(this.h, H_COUNTS + c * LINE_WORDS);
    return n;
  }

  /** Count one insert on this view's own counter. */
  private counted(): void {
    const h = this.h;
    if (this.sharedCounter) Atomics.add(h, this.counter, 1);
    else Atomics.store(h, this.counter, (h[this.counter] as number) + 1);
  }

  /** Bytes of the arena in use (live tables and reusable regions). */
  get bytes(): number {
    return Atomics.load(this.h, H_TOP) * 4;
  }

  /**
   * Fingerprints this view inserted or found lately (direct-mapped, 512 KB: it stays in the
   * core's own cache): most repeat visits of a DFS are to states it stored shortly before, and
   * answering them here spares the lock and the shared table, whose lines the other cores write.
   * Everything in it is in the set (nothing is ever removed), so a hit is a sure PRESENT.
   */
  private readonly recent = new Int32Array(2 * RECENT);

  /** Insert (a, b): {@link ADDED}, {@link PRESENT}, or {@link FULL} when the arena has no room. */
  add(a: number, b0: number): number {
    const b = a === 0 && b0 === 0 ? 1 : b0;
    const r = 2 * ((a ^ (b >>> 7)) & (RECENT - 1));
    const recent = this.recent;
    if (recent[r] === a && recent[r + 1] === b) return PRESENT;
    const got = this.addShared(a, b);
    if (got !== FULL) {
      recent[r] = a;
      recent[r + 1] = b;
    }
    return got;
  }

  private addShared(a: number, b: number): number {
    const seg = H_SEG + (a >>> (32 - SEG_BITS)) * SEG_WORDS;
    const h = this.h;
    while (Atomics.compareExchange(h, seg + S_LOCK, 0, 1) !== 0);
    try {
      const m = this.m;
      const base = h[seg + S_BASE] as number;
      const mask = h[seg + S_MASK] as number;
      let i = (a ^ Math.imul(b, 0x9e3779b1)) & mask;
      for (;;) {
        const lo = m[base + 2 * i] as number;
        const hi = m[base + 2 * i + 1] as number;
        if (lo === 0 && hi === 0) break;
        if (lo === a && hi === b) return PRESENT;
        i = (i + 1) & mask;
      }
      const size = (h[seg + S_SIZE] as number) + 1;
      // Grow at 5/8 load, before inserting, so a failed growth leaves the set as it was.
      if (size * 8 > (mask + 1) * 5 && !this.grow(seg)) return FULL;
      if ((h[seg + S_BASE] as number) !== base) return this.insertLocked(seg, a, b);
      m[base + 2 * i] = a;
      m[base + 2 * i + 1] = b;
      h[seg + S_SIZE] = size;
      this.counted();
      return ADDED;
    } finally {
      Atomics.store(h, seg + S_LOCK, 0);
    }
  }

  /** Call `f` with every stored fingerprint (no thread may insert meanwhile). */
  forEach(f: (a: number, b: number) => void): void {
    const h = this.h;
    const m = this.m;
    for (let s = 0; s < SEGMENTS; s++) {
      const seg = H_SEG + s * SEG_WORDS;
      const base = h[seg + S_BASE] as number;
      const slots = (h[seg + S_MASK] as number) + 1;
      for (let k = 0; k < slots; k++) {
        const a = m[base + 2 * k] as number;
        const b = m[base + 2 * k + 1] as number;
        if (a !== 0 || b !== 0) f(a, b);
      }
    }
  }

  /** Insert a fingerprint known to be absent into a segment whose lock is held. */
  private insertLocked(seg: number, a: number, b: number): number {
    const h = this.h;
    const m = this.m;
    const base = h[seg + S_BASE] as number;
    const mask = h[seg + S_MASK] as number;
    let i = (a ^ Math.imul(b, 0x9e3779b1)) & mask;
    while ((m[base + 2 * i] as number) !== 0 || (m[base + 2 * i + 1] as number) !== 0)
      i = (i + 1) & mask;
    m[base + 2 * i] = a;
    m[base + 2 * i + 1] = b;
    h[seg + S_SIZE] = (h[seg + S_SIZE] as number) + 1;
    this.counted();
    return ADDED;
  }

  /** Double a segment (its lock held): a region from the free list or the arena, rehashed. */
  private grow(seg: number): boolean {
    const h = this.h;
    const m = this.m;
    const oldBase = h[seg + S_BASE] as number;
    const oldSlots = (h[seg + S_MASK] as number) + 1;
    const slots = oldSlots * 2;
    const base = this.allocate(slots);
    if (base < 0) return false;
    const mask = slots - 1;
    for (let k = 0; k < oldSlots; k++) {
      const a = m[oldBase + 2 * k] as number;
      const b = m[oldBase + 2 * k + 1] as number;
      if (a === 0 && b === 0) continue;
      let i = (a ^ Math.imul(b, 0x9e3779b1)) & mask;
      while ((m[base + 2 * i] as number) !== 0 || (m[base + 2 * i + 1] as number) !== 0)
        i = (i + 1) & mask;
      m[base + 2 * i] = a;
      m[base + 2 * i + 1] = b;
    }
    h[seg + S_BASE] = base;
    h[seg + S_MASK] = mask;
    this.release(oldBase, oldSlots);
    return true;
  }

  /** A zeroed region of `slots` pairs, or -1 when the arena is exhausted. */
  private allocate(slots: number): number {
    const h = this.h;
    const cls = H_FREE + Math.log2(slots);
    while (Atomics.compareExchange(h, H_FREE_LOCK, 0, 1) !== 0);
    try {
      const head = h[cls] as number;
      if (head !== 0) {
        h[cls] = this.m[head] as number;
        this.m.fill(0, head, head + slots * 2);
        return head;
      }
      const top = h[H_TOP] as number;
      if (top + slots * 2 > this.m.length) return -1;
      h[H_TOP] = top + slots * 2;
      return top;
    } finally {
      Atomics.store(h, H_FREE_LOCK, 0);
    }
  }

  private release(base: number, slots: number): void {
    const h = this.h;
    const cls = H_FREE + Math.log2(slots);
    while (Atomics.compareExchange(h, H_FREE_LOCK, 0, 1) !== 0);
    this.m[base] = h[cls] as number;
    h[cls] = base;
    Atomics.store(h, H_FREE_LOCK, 0);
  }
}
