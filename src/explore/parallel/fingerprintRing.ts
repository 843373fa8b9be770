/**
 * A single-producer, single-consumer ring of 64-bit fingerprints in shared memory: how a search
 * thread and the thread that talks to the job queue exchange the states they stored (see
 * tools/queue/share.ts). Word 0 is the read count, word 1 the write count (both in pairs,
 * growing without wrapping; Int32 arithmetic keeps their difference right), then the pairs.
 * A full ring refuses a push: the caller drops the fingerprint, which only shares less.
 */
export class FingerprintRing {
  private readonly w: Int32Array;
  private readonly cap: number;

  /** A ring holding up to `pairs` fingerprints (a power of two). */
  static create(pairs: number): FingerprintRing {
    let cap = 1;
    while (cap < pairs) cap *= 2;
    return new FingerprintRing(new SharedArrayBuffer((2 + 2 * cap) * 4));
  }

  constructor(readonly buffer: SharedArrayBuffer) {
    this.w = new Int32Array(buffer);
    this.cap = (this.w.length - 2) / 2;
  }

  /** Fingerprints waiting to be read. */
  get size(): number {
    return (Atomics.load(this.w, 1) - Atomics.load(this.w, 0)) | 0;
  }

  /** Append (a, b); false when the ring is full. Producer side only. */
  push(a: number, b: number): boolean {
    const w = this.w;
    const tail = Atomics.load(w, 1);
    if (((tail - Atomics.load(w, 0)) | 0) >= this.cap) return false;
    const i = 2 + 2 * (tail & (this.cap - 1));
    w[i] = a;
    w[i + 1] = b;
    Atomics.store(w, 1, (tail + 1) | 0);
    return true;
  }

  /** Read up to `max` fingerprints in order, calling `f` with each; how many. Consumer side only. */
  drain(f: (a: number, b: number) => void, max = Infinity): number {
    const w = this.w;
    const tail = Atomics.load(w, 1);
    let head = Atomics.load(w, 0);
    let n = 0;
    while (head !== tail && n < max) {
      const i = 2 + 2 * (head & (this.cap - 1));
      f(w[i] as number, w[i + 1] as number);
      head = (head + 1) | 0;
      n++;
    }
    Atomics.store(w, 0, head);
    return n;
  }
}
