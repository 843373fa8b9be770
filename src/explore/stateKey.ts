import type { MutableSimState, SimState } from '../state/types.js';

/**
 * Compact, exact, decodable state keys for the explorer (`--exact` visited sets and the BFS
 * frontier).
 *
 * The encoder walks the plain-data state generically (arrays, objects with a fixed key order, small
 * integers, short strings), so it keeps working when other areas add fields to SimState.
 * A key is a string of UTF-16 code units: integers in [-2, 0xfff0) take one unit, others are
 * escaped; arrays carry their length; an object is its shape id (the list of its key names,
 * interned in a {@link ShapeTable}) followed by its values; strings are interned too. Equal
 * states give equal keys and different states different keys, so a visited set of keys never
 * confuses two states (no hash collision to account for), and {@link ShapeTable.decode} turns
 * a key back into a mutable state.
 */
const ESC_INT = 0xfffe;
const ESC_TEXT = 0xfffd;
const ARR = 0xfffc;
const OBJ = 0xfffb;
const STR = 0xfffa;
const NIL = 0xfff9;
const TRUE = 0xfff8;
const FALSE = 0xfff7;
const UNDEF = 0xfff6;
const SMALL_MAX = 0xfff0;

/** Interned object shapes and strings: shared by the encoder and the decoder of one search. */
export class ShapeTable {
  private readonly shapes: string[][] = [];
  /** Shape ids by first key name, then by key count. */
  private readonly byFirst = new Map<string, number[]>();
  private readonly strings: string[] = [];
  private readonly stringIds = new Map<string, number>();
  private buf = new Uint16Array(1024);
  private n = 0;

  private push(u: number): void {
    if (this.n === this.buf.length) {
      const b = new Uint16Array(this.buf.length * 2);
      b.set(this.buf);
      this.buf = b;
    }
    this.buf[this.n++] = u;
  }

  /** The id of `o`'s key list, found without allocating when the shape is known. */
  private shapeOf(o: Record<string, unknown>): number {
    let first: string | undefined;
    let count = 0;
    for (const k in o) {
      if (count === 0) first = k;
      count++;
    }
    const f = first ?? '';
    const list = this.byFirst.get(f);
    if (list)
      outer: for (const id of list) {
        const shape = this.shapes[id] as string[];
        if (shape.length !== count) continue;
        let i = 0;
        for (const k in o) if (shape[i++] !== k) continue outer;
        return id;
      }
    const keys: string[] = [];
    for (const k in o) keys.push(k);
    const id = this.shapes.length;
    this.shapes.push(keys);
    if (list) list.push(id);
    else this.byFirst.set(f, [id]);
    return id;
  }

  private stringId(s: string): number {
    const known = this.stringIds.get(s);
    if (known !== undefined) return known;
    const id = this.strings.push(s) - 1;
    this.stringIds.set(s, id);
    return id;
  }

  private int(n: number): void {
    const v = n + 2;
    if (v >= 0 && v < SMALL_MAX && (v | 0) === v) this.push(v);
    else if (Number.isInteger(n) && n >= -0x80000000 && n <= 0x7fffffff) {
      const u = n | 0;
      this.push(ESC_INT);
      this.push((u >>> 16) & 0xffff);
      this.push(u & 0xffff);
    } else {
      const s = String(n);
      this.push(ESC_TEXT);
      this.push(s.length);
      for (let i = 0; i < s.length; i++) this.push(s.charCodeAt(i));
    }
  }

  private value(v: unknown): void {
    if (typeof v === 'number') return this.int(v);
    if (typeof v === 'string') {
      this.push(STR);
      return this.push(this.stringId(v));
    }
    if (typeof v === 'boolean') return this.push(v ? TRUE : FALSE);
    if (v === null) return this.push(NIL);
    if (v === undefined) return this.push(UNDEF);
    if (Array.isArray(v)) {
      this.push(ARR);
      this.push(v.length);
      for (let i = 0; i < v.length; i++) {
        const x: unknown = v[i];
        if (typeof x === 'number') this.int(x);
        else this.value(x);
      }
      return;
    }
    const o = v as Record<string, unknown>;
    this.push(OBJ);
    this.push(this.shapeOf(o));
    for (const k in o) {
      const x = o[k];
      if (typeof x === 'number') this.int(x);
      else this.value(x);
    }
  }

  /** The key of `state`, with `extra` integers appended (search bookkeeping). */
  encode(state: SimState | MutableSimState, extra?: readonly number[]): string {
    this.n = 0;
    this.value(state);
    if (extra) for (const x of extra) this.int(x);
    const n = this.n;
    if (n <= 4096)
      return String.fromCharCode.apply(null, this.buf.subarray(0, n) as unknown as number[]);
    let s = '';
    for (let i = 0; i < n; i += 4096)
      s += String.fromCharCode.apply(
        null,
        this.buf.subarray(i, Math.min(n, i + 4096)) as unknown as number[],
      );
    return s;
  }

  /** The state a key was made from (a fresh mutable object graph). Extra integers are ignored. */
  decode(key: string): MutableSimState {
    const pos = { i: 0 };
    return this.read(key, pos) as MutableSimState;
  }

  private read(key: string, pos: { i: number }): unknown {
    const c = key.charCodeAt(pos.i++);
    if (c < SMALL_MAX) return c - 2;
    switch (c) {
      case ESC_INT: {
        const hi = key.charCodeAt(pos.i++);
        const lo = key.charCodeAt(pos.i++);
        return (hi << 16) | lo | 0;
      }
      case ESC_TEXT: {
        const n = key.charCodeAt(pos.i++);
        const s = key.slice(pos.i, pos.i + n);
        pos.i += n;
        return Number(s);
      }
      case STR:
        return this.strings[key.charCodeAt(pos.i++)];
      case TRUE:
        return true;
      case FALSE:
        return false;
      case NIL:
        return null;
      case UNDEF:
        return undefined;
      case ARR: {
        const n = key.charCodeAt(pos.i++);
        const out = new Array<unknown>(n);
        for (let k = 0; k < n; k++) out[k] = this.read(key, pos);
        return out;
      }
      case OBJ: {
        const shape = this.shapes[key.charCodeAt(pos.i++)] as string[];
        const out: Record<string, unknown> = {};
        for (const k of shape) out[k] = this.read(key, pos);
        return out;
      }
      default:
        throw new Error(`state key: bad code unit ${c} at ${pos.i - 1}`);
    }
  }
}
