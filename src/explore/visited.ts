import type { SimState } from '../state/types.js';
import { Fingerprint, FingerprintSet } from './stateHash64.js';
import { ShapeTable } from './stateKey.js';
import type { Symmetry } from './symmetry.js';

/**
 * The visited set of a search: 64-bit fingerprints by default (hash compaction, see
 * {@link Fingerprint} for the collision bound), or exact keys (`exact`), each taken over the
 * least image of the state under the symmetry group.
 */
export class Visited {
  private readonly fp = new Fingerprint();
  private readonly fps = new FingerprintSet();
  private readonly keys = new Set<string>();
  readonly table = new ShapeTable();
  /** Canonical id of the last state passed to {@link visit} / {@link idOf}. */
  a = 0;
  b = 0;
  key = '';
  /** The last canonical image was a non-identity permutation. */
  permuted = false;

  constructor(
    private readonly exact: boolean,
    private readonly sym: Symmetry | null,
    /** Least image over the whole group (more reduction, |group| walks per state). */
    private readonly full = false,
  ) {}

  get size(): number {
    return this.exact ? this.keys.size : this.fps.size;
  }

  /** Compute the canonical id of (state, extra) into a/b/key. */
  idOf(state: SimState, extra?: readonly number[]): void {
    if (!this.sym) return this.one(state, extra, false, true);
    if (!this.full) {
      if (!this.exact) {
        // The image's fingerprint without building the image.
        this.permuted = this.sym.sortedFingerprint(state, extra, this.fp);
        this.a = this.fp.a;
        this.b = this.fp.b;
        return;
      }
      const img = this.sym.sortedImage(state, extra);
      return this.one(img.state, img.extra, img.permuted, true);
    }
    let first = true;
    this.sym.images(state, extra, (s, x, permuted) => {
      const a0 = this.a;
      const b0 = this.b;
      const k0 = this.key;
      const p0 = this.permuted;
      this.one(s, x, permuted, true);
      if (first) {
        first = false;
        return;
      }
      const less = this.exact ? this.key < k0 : this.a < a0 || (this.a === a0 && this.b < b0);
      if (!less) {
        this.a = a0;
        this.b = b0;
        this.key = k0;
        this.permuted = p0;
      }
    });
  }

  private one(
    s: SimState,
    extra: readonly number[] | undefined,
    permuted: boolean,
    _: boolean,
  ): void {
    this.permuted = permuted;
    if (this.exact) this.key = this.table.encode(s, extra);
    else {
      this.fp.of(s, extra);
      this.a = this.fp.a;
      this.b = this.fp.b;
    }
  }

  /** Add the id computed by the last {@link idOf}; false when it was already there. */
  addLast(): boolean {
    if (this.exact) {
      if (this.keys.has(this.key)) return false;
      this.keys.add(this.key);
      return true;
    }
    return this.fps.add(this.a, this.b);
  }

  /** idOf + addLast. */
  visit(state: SimState, extra?: readonly number[]): boolean {
    this.idOf(state, extra);
    return this.addLast();
  }

  /** Same canonical id as the last idOf(). */
  sameAs(a: number, b: number, key: string): boolean {
    return this.exact ? this.key === key : this.a === a && this.b === b;
  }

  /** Approximate bytes held by the set. */
  get bytes(): number {
    if (!this.exact) return this.fps.bytes;
    let n = 0;
    for (const k of this.keys) n += 2 * k.length + 48;
    return n;
  }
}
