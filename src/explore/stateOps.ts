import { ModelInvariantError } from '../errors.js';
import type { SimEvent } from '../events/index.js';
import {
  STATE_NEUTRAL_EVENTS,
  STATE_SCHEMA,
  type IdKind,
  type Part,
  type Shape,
} from '../state/schema.js';
import type { MutableSimState, SimState } from '../state/types.js';

/**
 * The explorer's per-state operations, compiled from the state schema (src/state/schema.ts)
 * into plain field-by-field JavaScript, which is several times faster than a generic walk:
 * full and copy-on-write copies, the fingerprint walk, the symmetry permutation and member
 * signatures, and the shape check. Root fields the schema does not describe are copied and
 * hashed generically (and switch symmetry off). Compiled once per schema: the default one at
 * load, a test's extended one on demand.
 */
export interface StateOps {
  readonly schema: readonly Part[];
  /** Deep copy; key order preserved. */
  clone(s: SimState | MutableSimState): MutableSimState;
  /** Bit i of plan[part]: element i is copied; -1 every element (exported for the test). */
  planOf(events: readonly SimEvent[]): Int32Array;
  /** Copy-on-write successor: only what `events` change is fresh, the rest is shared. */
  cloneTouched(parent: SimState | MutableSimState, events: readonly SimEvent[]): MutableSimState;
  /** Fingerprint walk into `h` (two 32-bit lanes `a`, `b`; see stateHash64.ts). */
  hash(s: SimState | MutableSimState, h: HashLanes): void;
  /**
   * The state with thread t renamed p[t], CPU c renamed cpu[c], bitmap b renamed bm[b] (ids
   * in fields, indices of per-thread/CPU/bitmap parts, ids in frame locals via `locals`).
   * Unchanged elements keep their identity (the fingerprint caches their hashes).
   */
  permute(
    s: SimState,
    p: readonly number[],
    cpu: readonly number[],
    bm: readonly number[] | null,
    locals: LocalsRenamer,
  ): MutableSimState;
  /**
   * The fingerprint walk of `permute(s, p, cpu, bm, locals)` without building that state: the
   * same values in the same order into `h` (so an image gets the fingerprint the state equal to
   * it gets), elements read from their source positions and renamed on the way.
   */
  hashPermuted(
    s: SimState,
    p: readonly number[],
    cpu: readonly number[],
    bm: readonly number[] | null,
    locals: LocalsRenamer,
    h: HashLanes,
  ): void;
  /** A renaming (p, cpu, bm), interned: equal arrays give the same object. */
  renaming(p: readonly number[], cpu: readonly number[], bm: readonly number[] | null): Renaming;
  /**
   * {@link hashPermuted} by an interned renaming (no lookup; the explorer's hot path); `locals`
   * null when no renaming changes frame locals (parts with ids only there are not renamed).
   */
  hashRenamed(s: SimState, r: Renaming, locals: LocalsRenamer | null, h: HashLanes): void;
  /**
   * Signatures of symmetry group members, compiled for them (their indices and the fixed ids
   * are constants; each element's signature cached by identity, two ways per member and
   * part): `sigs(s, out, L)` writes member k's signature to out[k] — its thread's element
   * signature, its private bitmap's (bm > 0) and its CPU's (cpu >= 0), folded, without the ids
   * symmetry renames. `L`: the fingerprint whose element-hash cache thread signatures share
   * (see `threadsByContent`; null: computed uncached, the same values).
   */
  memberSigs(
    members: readonly { readonly t: number; readonly cpu: number; readonly bm: number }[],
    idsOf: LocalIds,
    /** Bit t: symmetry never moves thread t; bit b: never moves bitmap b. */
    fixedTids: number,
    fixedBitmaps: number,
    /**
     * No renaming changes frame locals: a thread's signature is its element hash (the one the
     * fingerprint caches in `L`; its ids are all in locals), not a walk of its own.
     */
    threadsByContent?: boolean,
  ): (s: SimState, out: Float64Array, L: HashLanes | null) => void;
  /**
   * The element hash (lane a) of element `el` at position k of a part marked hashCache, from
   * (and into) the fingerprint's cache in `L`; computed uncached when `L` is null.
   */
  contentHash(i: number, k: number, el: unknown, L: HashLanes | null): number;
  /** Throws when a record of `s` has other fields than the schema lists (or the root order differs). */
  verify(s: SimState | MutableSimState): void;
  /** Root fields the schema does not describe. */
  unknownRoots(s: SimState | MutableSimState): string[];
}

/**
 * A renaming of threads (p), CPUs (cpu) and bitmaps (bm, null: none moves), interned by
 * {@link StateOps.renaming}: `key` numbers it, and the inverses say which source element each
 * image position holds (shorter than the part: the rest stays in place).
 */
export interface Renaming {
  readonly key: number;
  readonly p: readonly number[];
  readonly cpu: readonly number[];
  readonly bm: readonly number[] | null;
  readonly ip: readonly number[];
  readonly icpu: readonly number[];
  readonly ibm: readonly number[];
}

/** Renames ids in a frame's locals (declared by its step machine); returns `l` when unchanged. */
export type LocalsRenamer = (
  fn: string,
  l: readonly number[],
  p: readonly number[],
  bm: readonly number[] | null,
) => readonly number[];

/** The id slots of a step machine's locals (StepMachine.ids). */
export type LocalIds = (
  fn: string,
) => { readonly tid?: readonly number[]; readonly bitmap?: readonly number[] } | undefined;

/** What the fingerprint walk needs from its caller. */
export interface HashLanes {
  a: number;
  b: number;
  /** Interned id of a step machine name. */
  fnId(fn: string): number;
  /** Mix one number / walk a value the schema does not describe (both update a, b). */
  num(n: number): void;
  value(v: unknown): void;
  /**
   * The states have root fields the schema does not describe (hashed generically after the
   * schema's parts; false spares looking for them).
   */
  readonly extras: boolean;
  /** Scratch: the last element hash. */
  ea: number;
  eb: number;
  /** Per part, per position: the last two element objects hashed and their lanes. */
  readonly cacheObj: unknown[][];
  readonly cacheHash: Int32Array[];
}

const ident = /^[A-Za-z_$][\w$]*$/;
function prop(x: string, key: string): string {
  if (!ident.test(key)) throw new Error(`state schema: field name '${key}' is not an identifier`);
  return `${x}.${key}`;
}

/** Code generator with unique local names and helper functions. */
class Gen {
  private n = 0;
  readonly helpers: string[] = [];
  /** Per part marked hashCache: its element hash, and its one-element cache lookup. */
  readonly eh: (string | undefined)[] = [];
  readonly cached: (string | undefined)[] = [];
  v(prefix: string): string {
    return `${prefix}${this.n++}`;
  }
}

/** Mixing one int expression into lanes (a, b); `x` a scratch local. */
const MIX = (v: string): string =>
  `x = ${v}; if ((x | 0) !== x) x = H(x); a = Math.imul(a ^ x, 0x01000193); a ^= a >>> 15; b = Math.imul(b + x + 0x7f4a7c15, 0x5bd1e995); b ^= b >>> 13;\n`;

/** The shape holds ids outside frame locals (fields marked `id`). */
function hasFieldIds(s: Shape): boolean {
  switch (s.t) {
    case 'int':
    case 'ints':
      return s.id !== undefined;
    case 'str':
    case 'locals':
      return false;
    case 'record':
      return s.fields.some((f) => hasFieldIds(f.shape));
    case 'list':
      return hasFieldIds(s.of);
  }
}

/** The shape holds frame locals. */
function hasLocals(s: Shape): boolean {
  return s.t === 'locals'
    ? true
    : s.t === 'record'
      ? s.fields.some((f) => hasLocals(f.shape))
      : s.t === 'list' && hasLocals(s.of);
}

function hasIds(s: Shape): boolean {
  switch (s.t) {
    case 'int':
    case 'ints':
      return s.id !== undefined;
    case 'str':
      return false;
    case 'locals':
      return true;
    case 'record':
      return s.fields.some((f) => hasIds(f.shape));
    case 'list':
      return hasIds(s.of);
  }
}

/** Expression: a deep copy of `x` of shape `s`. */
function cloneExpr(g: Gen, s: Shape, x: string): string {
  switch (s.t) {
    case 'int':
    case 'str':
      return x;
    case 'ints':
    case 'locals':
      return `${x}.slice()`;
    case 'record': {
      const r = g.v('r');
      const fn = g.v('c');
      g.helpers.push(
        `function ${fn}(${r}) { return { ${s.fields.map((f) => `${f.key}: ${cloneExpr(g, f.shape, prop(r, f.key))}`).join(', ')} }; }`,
      );
      return `${fn}(${x})`;
    }
    case 'list': {
      const fn = g.v('c');
      const e = g.v('e');
      g.helpers.push(
        `function ${fn}(a) { const o = a.slice(); for (let i = 0; i < a.length; i++) { const ${e} = a[i]; o[i] = ${cloneExpr(g, s.of, e)}; } return o; }`,
      );
      return `${fn}(${x})`;
    }
  }
}

/** Statements hashing `x` of shape `s` into lanes a, b. */
function hashStmts(g: Gen, s: Shape, x: string): string {
  switch (s.t) {
    case 'int':
      return MIX(x);
    case 'str':
      return MIX(`L.fnId(${x})`);
    case 'ints':
    case 'locals': {
      const arr = g.v('v');
      const j = g.v('j');
      return `{ const ${arr} = ${x}; ${MIX(`-0x4000 - ${arr}.length`)} for (let ${j} = 0; ${j} < ${arr}.length; ${j}++) { ${MIX(`${arr}[${j}]`)} } }\n`;
    }
    case 'record': {
      const r = g.v('r');
      return `{ const ${r} = ${x};\n${s.fields.map((f) => hashStmts(g, f.shape, prop(r, f.key))).join('')}}\n`;
    }
    case 'list': {
      const arr = g.v('v');
      const j = g.v('j');
      return `{ const ${arr} = ${x}; ${MIX(`-0x200 - ${arr}.length`)} for (let ${j} = 0; ${j} < ${arr}.length; ${j}++) {\n${hashStmts(g, s.of, `${arr}[${j}]`)}} }\n`;
    }
  }
}

/**
 * Statements mixing `x` of shape `s` into the single lane h (member signatures). A signature
 * must not change when symmetry renames threads and bitmaps, or two symmetric states would
 * sort differently: ids of threads that symmetry moves (bit clear in FX) and bitmaps it moves
 * (bit clear in FB) count only as "some moved one" (ids in fields marked `id`, and the id
 * slots of frame locals).
 */
function sigStmts(g: Gen, s: Shape, x: string): string {
  const mix = (v: string): string => `h = Math.imul(h ^ (${v}), 0x01000193);\n`;
  switch (s.t) {
    case 'int':
      return mix(s.id === undefined ? x : idSig(x, s.id));
    case 'str':
      return mix(`${x}.length + 31 * ${x}.charCodeAt(0)`);
    case 'ints': {
      const arr = g.v('v');
      const j = g.v('j');
      const v = s.id === undefined ? `${arr}[${j}]` : idSig(`${arr}[${j}]`, s.id);
      return `{ const ${arr} = ${x}; ${mix(`${arr}.length`)} for (let ${j} = 0; ${j} < ${arr}.length; ${j}++) { ${mix(v)} } }\n`;
    }
    case 'locals':
      throw new Error('state schema: locals must sit in a record next to a str field `fn`');
    case 'record': {
      const r = g.v('r');
      return `{ const ${r} = ${x};\n${s.fields
        .map((f) =>
          f.shape.t === 'locals'
            ? localsSig(g, prop(r, 'fn'), prop(r, f.key), mix)
            : sigStmts(g, f.shape, prop(r, f.key)),
        )
        .join('')}}\n`;
    }
    case 'list': {
      const arr = g.v('v');
      const j = g.v('j');
      return `{ const ${arr} = ${x}; ${mix(`${arr}.length`)} for (let ${j} = 0; ${j} < ${arr}.length; ${j}++) {\n${sigStmts(g, s.of, `${arr}[${j}]`)}} }\n`;
    }
  }
}

/** Expression: id `x` as a signature sees it, the common case (nothing moved) inline. */
function idSig(x: string, id: IdKind): string {
  return id === 'tids'
    ? `((${x} & ~FX) === 0 ? ${x} : ID(${x}, 'tids', FX))`
    : `(${x} < 0 || ((FX >>> ${x}) & 1) !== 0 ? ${x} : ID(${x}, 'tid', FX))`;
}

/** Statements mixing a frame's locals, the id slots its machine declares as {@link sigId}. */
function localsSig(g: Gen, fn: string, l: string, mix: (v: string) => string): string {
  const k = g.v('k');
  const arr = g.v('v');
  const j = g.v('j');
  return `{ const ${k} = SL(${fn}, IDS); const ${arr} = ${l};
    if (${k} === null) { for (let ${j} = 0; ${j} < ${arr}.length; ${j}++) { ${mix(`${arr}[${j}]`)} } }
    else for (let ${j} = 0; ${j} < ${arr}.length; ${j}++) {
      let x = ${arr}[${j}]; const kind = ${j} < ${k}.length ? ${k}[${j}] : 0;
      if (kind === 1) x = ID(x, 'tid', FX); else if (kind === 2) x = ID(x, 'bitmap', FB);
      ${mix('x')} } }\n`;
}

/** An id as a signature sees it: itself when symmetry never moves it, else one marker. */
function sigId(x: number, kind: IdKind | 'bitmap', fixed: number): number {
  if (kind === 'tids') {
    // The fixed threads' bits, and how many moved ones.
    let moved = x & ~fixed;
    let n = 0;
    for (; moved !== 0; moved &= moved - 1) n++;
    return (x & fixed) ^ (n << 24);
  }
  return x < 0 || x > 30 || ((fixed >>> x) & 1) !== 0 ? x : -2;
}

/** Per step machine name, the kind of each local slot (1 thread id, 2 bitmap id), or null. */
const kindNames: string[] = [];
const kindSlots: (Int8Array | null)[] = [];
function localKinds(fn: string, idsOf: LocalIds): Int8Array | null {
  for (let i = 0; i < kindNames.length; i++) if (kindNames[i] === fn) return kindSlots[i] ?? null;
  const ids = idsOf(fn);
  let k: Int8Array | null = null;
  if (ids !== undefined) {
    const slots = [...(ids.tid ?? []), ...(ids.bitmap ?? [])];
    k = new Int8Array(Math.max(0, ...slots) + 1);
    for (const x of ids.tid ?? []) k[x] = 1;
    for (const x of ids.bitmap ?? []) k[x] = 2;
  }
  kindNames.push(fn);
  kindSlots.push(k);
  return k;
}

/**
 * A function name renaming ids in a value of shape `s` (returns the value itself when nothing
 * changes). Its parameters: the value, then p, bm, RL (the locals renamer).
 */
function renameFn(g: Gen, s: Shape): string {
  const fn = g.v('rn');
  const P = 'p, bm, RL';
  switch (s.t) {
    case 'int':
      g.helpers.push(
        s.id === 'tid'
          ? `function ${fn}(x, ${P}) { return x >= 0 ? (p[x] ?? x) : x; }`
          : s.id === 'tids'
            ? `function ${fn}(x, ${P}) { return x === 0 ? 0 : M(x, p); }`
            : `function ${fn}(x, ${P}) { return x; }`,
      );
      return fn;
    case 'str':
      g.helpers.push(`function ${fn}(x, ${P}) { return x; }`);
      return fn;
    case 'locals':
      throw new Error('state schema: locals must sit in a record next to a str field `fn`');
    case 'ints': {
      const one = renameFn(g, { t: 'int', ...(s.id && { id: s.id }) });
      g.helpers.push(
        `function ${fn}(a, ${P}) { let o = a; for (let i = 0; i < a.length; i++) { const y = ${one}(a[i], ${P}); if (y !== a[i]) { if (o === a) o = a.slice(); o[i] = y; } } return o; }`,
      );
      return fn;
    }
    case 'list': {
      const one = renameFn(g, s.of);
      g.helpers.push(
        `function ${fn}(a, ${P}) { let o = a; for (let i = 0; i < a.length; i++) { const y = ${one}(a[i], ${P}); if (y !== a[i]) { if (o === a) o = a.slice(); o[i] = y; } } return o; }`,
      );
      return fn;
    }
    case 'record': {
      const parts = s.fields.map((f) => {
        if (f.shape.t === 'locals') {
          if (!s.fields.some((x) => x.key === 'fn' && x.shape.t === 'str'))
            throw new Error('state schema: locals need a sibling str field `fn`');
          return { key: f.key, expr: `(RL === null ? r.${f.key} : RL(r.fn, r.${f.key}, p, bm))` };
        }
        return hasIds(f.shape)
          ? { key: f.key, expr: `${renameFn(g, f.shape)}(r.${f.key}, ${P})` }
          : { key: f.key, expr: null };
      });
      const body = parts
        .filter((x) => x.expr !== null)
        .map((x) => `const n_${x.key} = ${x.expr as string};`)
        .join(' ');
      const same = parts
        .filter((x) => x.expr !== null)
        .map((x) => `n_${x.key} === r.${x.key}`)
        .join(' && ');
      const build = parts
        .map((x) => `${x.key}: ${x.expr !== null ? `n_${x.key}` : `r.${x.key}`}`)
        .join(', ');
      g.helpers.push(
        `function ${fn}(r, ${P}) { ${body} if (${same || 'true'}) return r; return { ${build} }; }`,
      );
      return fn;
    }
  }
}

function mapMask(mask: number, p: readonly number[]): number {
  let out = 0;
  for (let t = 0; mask !== 0 && t < 31; t++, mask >>>= 1) if (mask & 1) out |= 1 << (p[t] ?? t);
  return out;
}

/** A step machine name's id, as the fingerprint's `fnId` makes it (FNV-1a of the name). */
export function fnHash(fn: string): number {
  let h = 0x811c9dc5 | 0;
  for (let i = 0; i < fn.length; i++) h = Math.imul(h ^ fn.charCodeAt(i), 0x01000193);
  return h;
}

function hashNonInt(n: number): number {
  const s = String(n);
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h | 0;
}

/** Deep copy of plain data (arrays, objects; key order preserved). */
export function cloneGeneric(v: unknown): unknown {
  if (typeof v !== 'object' || v === null) return v;
  if (Array.isArray(v)) {
    const out = new Array<unknown>(v.length);
    for (let i = 0; i < v.length; i++) out[i] = cloneGeneric(v[i]);
    return out;
  }
  const o = v as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const k in o) out[k] = cloneGeneric(o[k]);
  return out;
}

/** The stack field of a `stack` part (its record's only list field). */
function stackField(p: Part): { key: string; frame: Shape } {
  const s = p.shape;
  const f = s.t === 'record' ? s.fields.find((x) => x.shape.t === 'list') : undefined;
  if (!f || f.shape.t !== 'list')
    throw new Error(`state schema: stack part ${p.key} needs a list field`);
  return { key: f.key, frame: f.shape.of };
}

/** Root object literal: required parts, then the optional ones present, then unknown fields. */
function rootOut(schema: readonly Part[], val: (p: Part, i: number) => string): string {
  const req = schema.filter((p) => !p.optional);
  let code = `let known = ${req.length};\nconst out = { ${schema
    .map((p, i) => (p.optional ? null : `${p.key}: ${val(p, i)}`))
    .filter((x) => x !== null)
    .join(', ')} };\n`;
  schema.forEach((p, i) => {
    if (p.optional)
      code += `if (s.${p.key} !== undefined) { known++; out.${p.key} = ${val(p, i)}; }\n`;
  });
  return code;
}

/** Source of `clone(s)`: a deep copy, key order kept. */
function genClone(g: Gen, schema: readonly Part[]): string {
  let clone = 'function clone(s) {\n';
  clone += rootOut(schema, (p) =>
    p.per !== undefined
      ? `${cloneExpr(g, { t: 'list', of: p.shape }, `s.${p.key}`)}`
      : cloneExpr(g, p.shape, `s.${p.key}`),
  );
  clone += `let i = 0; for (const k in s) if (i++ >= known) out[k] = G(s[k]);\nreturn out; }\n`;
  return clone;
}

/**
 * Source of `planOf(events)`: which elements of which parts the events change (bit i of
 * plan[part]: element i; -1: every element, or an index past 30). A string switch tests its
 * cases in order: the events of the stack parts come first (every step edits its thread's
 * frames), then those that change nothing, then the rest.
 */
function genPlanOf(schema: readonly Part[]): string {
  const byEvent = new Map<string, string[]>();
  schema.forEach((p, i) => {
    for (const [type, field] of Object.entries(p.touchedBy)) {
      const stmt =
        field === '*' || p.per === undefined
          ? `plan[${i}] = -1;`
          : `x = ${prop('e', field)}; plan[${i}] = x >= 0 && x < 31 ? plan[${i}] | (1 << x) : -1;`;
      byEvent.set(type, [...(byEvent.get(type) ?? []), stmt]);
    }
  });
  // Cleared by stores, not TypedArray.prototype.fill (a call into the runtime per transition).
  let planOf = `function planOf(events) { for (let q = 0; q < ${schema.length}; q++) plan[q] = 0; let x = 0; for (let k = 0; k < events.length; k++) { const e = events[k]; switch (e.type) {\n`;
  const stackEvents = new Set(schema.flatMap((p) => (p.stack ? Object.keys(p.touchedBy) : [])));
  const cases = (stack: boolean): void => {
    for (const [type, stmts] of byEvent)
      if (stackEvents.has(type) === stack)
        planOf += `case ${JSON.stringify(type)}: ${stmts.join(' ')} break;\n`;
  };
  cases(true);
  for (const type of STATE_NEUTRAL_EVENTS)
    if (!byEvent.has(type)) planOf += `case ${JSON.stringify(type)}:\n`;
  planOf += 'break;\n';
  cases(false);
  planOf += `default: plan.fill(-1); } } return plan; }\n`;
  return planOf;
}

/** Source of `cloneTouched(s, events)`: copies what the plan marks, shares the rest. */
function genCloneTouched(g: Gen, schema: readonly Part[]): string {
  let touched = 'function cloneTouched(s, events) {\nconst m = planOf(events);\n';
  schema.forEach((p, i) => {
    const v = `p${i}`;
    if (p.optional) touched += `let ${v} = s.${p.key}; if (${v} !== undefined) {\n`;
    else touched += `let ${v} = s.${p.key}; {\n`;
    if (p.per === undefined) {
      touched +=
        p.shape.t === 'int' ? '' : `if (m[${i}] !== 0) ${v} = ${cloneExpr(g, p.shape, v)};\n`;
    } else if (p.shape.t === 'int') {
      touched += `if (m[${i}] !== 0) ${v} = ${v}.slice();\n`;
    } else if (p.stack) {
      const { key, frame } = stackField(p);
      const fr = g.v('f');
      touched += `const mi = m[${i}]; if (mi !== 0) { ${v} = ${v}.slice(); for (let i = 0; i < ${v}.length; i++) if (mi === -1 || (mi & (1 << i)) !== 0) {
        const st = ${v}[i].${key}; const stack = st.slice(); const from = mi === -1 ? 0 : FE(events, i, st.length);
        for (let j = from; j < stack.length; j++) { const ${fr} = stack[j]; stack[j] = ${cloneExpr(g, frame, fr)}; }
        ${v}[i] = { ${key}: stack }; } }\n`;
    } else {
      const el = g.v('x');
      touched += `const mi = m[${i}]; if (mi !== 0) { ${v} = ${v}.slice(); for (let i = 0; i < ${v}.length; i++) if (mi === -1 || (mi & (1 << i)) !== 0) { const ${el} = ${v}[i]; ${v}[i] = ${cloneExpr(g, p.shape, el)}; } }\n`;
    }
    touched += '}\n';
  });
  touched += rootOut(schema, (_p, i) => `p${i}`);
  touched += `let i = 0; for (const k in s) if (i++ >= known) out[k] = G(s[k]);\nreturn out; }\n`;
  return touched;
}

/**
 * The element-hash cache of part `i` in lanes `L` as locals `objs`, `hs`, grown to hold `len`
 * positions: two ways per position (an element a step did not touch is the parent's object, and
 * no object of a completed state is ever mutated), the objects in `objs[2k]`, `objs[2k + 1]`
 * and their lanes in `hs[4k .. 4k + 3]`.
 */
function cacheArrays(i: number, len: string): string {
  return `const objs = L.cacheObj[${i}]; let hs = L.cacheHash[${i}];
      if (hs.length < (${len}) * 4) { const n = new Int32Array((${len}) * 8); n.set(hs); hs = L.cacheHash[${i}] = n; }\n`;
}

/**
 * Statements setting `ea`, `eb` (declared by the caller) to the hash of element `el` at
 * position `k` from the cache of {@link cacheArrays}, computed by `eh` and cached on a miss.
 */
function cachedElement(eh: string, el: string, k: string): string {
  return `const w = ${k} * 2;
        if (objs[w] === ${el}) { ea = hs[2 * w]; eb = hs[2 * w + 1]; }
        else if (objs[w + 1] === ${el}) { ea = hs[2 * w + 2]; eb = hs[2 * w + 3]; }
        else { ${eh}(${el}, L); ea = L.ea; eb = L.eb; objs[w + 1] = objs[w]; hs[2 * w + 2] = hs[2 * w]; hs[2 * w + 3] = hs[2 * w + 1]; objs[w] = ${el}; hs[2 * w] = ea; hs[2 * w + 1] = eb; }\n`;
}

/**
 * Statements hashing the elements of per-index part `p` (number `i`): `len` elements, image
 * element `j` being source element `from(j)` (an index expression) given by expression
 * `el(k)` of that index; element hashes cached by identity where the part says so, at the
 * source position (a symmetry image reads the same objects as the state, in another order).
 */
function partElementsHash(
  g: Gen,
  p: Part,
  i: number,
  len: string,
  el: (k: string) => string,
  from: (j: string) => string = (j) => j,
): string {
  if (!p.hashCache)
    return `${MIX(`-0x100 - ${len}`)} for (let j = 0; j < ${len}; j++) { const k = ${from('j')}; const el = ${el('k')};\n${hashStmts(g, p.shape, 'el')}}\n`;
  // Element hashes by identity, two ways per position: an element a step did not touch is the
  // parent's object, and no object of a completed state is ever mutated.
  const eh = g.v('eh');
  g.helpers.push(
    `function ${eh}(el, L) { let a = 0x2545f491, b = 0x68e31da4, x = 0;\n${hashStmts(g, p.shape, 'el')} L.ea = a; L.eb = b; }`,
  );
  g.eh[i] ??= eh;
  if (g.cached[i] === undefined) {
    // The same lookup for one element (member signatures: StateOps.contentHash).
    const ch = g.v('ch');
    g.helpers.push(
      `function ${ch}(el, k, L) { ${cacheArrays(i, 'k + 1')} let ea, eb; ${cachedElement(eh, 'el', 'k')} return ea; }`,
    );
    g.cached[i] = ch;
  }
  return `${MIX(`-0x100 - ${len}`)} ${cacheArrays(i, len)}
      for (let j = 0; j < ${len}; j++) { const k = ${from('j')}; const el = ${el('k')}; let ea, eb;
        ${cachedElement(eh, 'el', 'k')}
        ${MIX('ea')} ${MIX('eb')} }\n`;
}

/** Opening of part `p`'s block in a fingerprint walk: `v` its value, skipped when absent. */
function partOpen(p: Part, i: number, v: string): string {
  return p.optional
    ? `const ${v} = s.${p.key}; if (${v} !== undefined) {\n${MIX(`-0x6000 - ${i}`)}`
    : `const ${v} = s.${p.key}; {\n`;
}

/** Closing of a fingerprint walk: root fields the schema does not describe, generically. */
function hashTail(schema: readonly Part[]): string {
  let tail = `let n = ${schema.filter((p) => !p.optional).length};\n`;
  schema.forEach((p) => {
    if (p.optional) tail += `if (s.${p.key} !== undefined) n++;\n`;
  });
  tail += `L.a = a; L.b = b;
  if (L.extras) { let i = 0; for (const k in s) if (i++ >= n) { L.num(-0x5000 - k.length); L.value(s[k]); } }\n}\n`;
  return tail;
}

/** Source of `hash(s, L)`: the fingerprint walk (element hashes cached where marked). */
function genHash(g: Gen, schema: readonly Part[]): string {
  let hash = 'function hash(s, L) {\nlet a = L.a, b = L.b, x = 0;\n';
  schema.forEach((p, i) => {
    const v = `h${i}`;
    hash += partOpen(p, i, v);
    if (p.per === undefined) hash += hashStmts(g, p.shape, v);
    else hash += partElementsHash(g, p, i, `${v}.length`, (j) => `${v}[${j}]`);
    hash += '}\n';
  });
  return hash + hashTail(schema);
}

/** Which renaming moves the elements of per-index part `p` (null: none). */
function moveBy(p: Part): 'p' | 'cpu' | 'bm' | null {
  return p.per === 'thread' ? 'p' : p.per === 'cpu' ? 'cpu' : p.per === 'bitmap' ? 'bm' : null;
}

/**
 * Expression: element `i` of part `p` (number `n`, array `src`) renamed; `rn` its renaming
 * function or null. Elements whose hashes the fingerprint caches keep their identity across
 * calls: memoised per position on (source object, renaming `key`).
 */
function renamedElement(p: Part, n: number, rn: string | null, i: string): string {
  if (!rn) return `src[${i}]`;
  if (!p.hashCache) return `${rn}(src[${i}], p, bm, RL)`;
  return `(MS${n}[${i}] === src[${i}] && MK${n}[${i}] === key ? MO${n}[${i}] : ((MS${n}[${i}] = src[${i}]), (MK${n}[${i}] = key), (MO${n}[${i}] = ${rn}(src[${i}], p, bm, RL))))`;
}

/**
 * Source of `hashRenamed(s, R, RL, L)`: {@link genHash}'s walk over the image `permute` would
 * build for renaming R (image element j of a moved part is source element R's inverse at j,
 * renamed).
 */
function genHashPermuted(
  g: Gen,
  schema: readonly Part[],
  rename: readonly (string | null)[],
): string {
  let code =
    'function hashRenamed(s, R, RL, L) {\nconst key = R.key, p = R.p, bm = R.bm;\nlet a = L.a, b = L.b, x = 0;\n';
  schema.forEach((p, i) => {
    const v = `h${i}`;
    const rn = rename[i] ?? null;
    code += partOpen(p, i, v);
    if (p.per === undefined) {
      code += hashStmts(g, p.shape, rn ? `${rn}(${v}, p, bm, RL)` : v);
    } else {
      const by = moveBy(p);
      code += `const src = ${v};\n`;
      // No renamed locals (RL null): an element whose ids are all in frame locals is itself;
      // one with other ids too is renamed unmemoised (the memo holds renamings with locals).
      const el = (k: string): string =>
        rn && hasLocals(p.shape)
          ? `(RL === null ? ${hasFieldIds(p.shape) ? `${rn}(src[${k}], p, bm, null)` : `src[${k}]`} : ${renamedElement(p, i, rn, k)})`
          : renamedElement(p, i, rn, k);
      if (by === null) code += partElementsHash(g, p, i, 'src.length', el);
      else {
        // The inverse of the move: image position j holds source element iv[j].
        const inv = by === 'p' ? 'R.ip' : by === 'cpu' ? 'R.icpu' : 'R.ibm';
        code += `const iv = ${inv};\n`;
        code += partElementsHash(
          g,
          p,
          i,
          'src.length',
          el,
          (j) => `(${j} < iv.length ? iv[${j}] : ${j})`,
        );
      }
    }
    code += '}\n';
  });
  return code + hashTail(schema);
}

/** Source of `permute(s, p, cpu, bm, RL)`, its memo declarations and each part's renaming. */
function genPermute(
  g: Gen,
  schema: readonly Part[],
): { permute: string; memos: string; rename: (string | null)[] } {
  let permute = 'function permute(s, p, cpu, bm, RL) {\nconst key = RK(p, cpu, bm).key;\n';
  let memos = '';
  const rename: (string | null)[] = schema.map(() => null);
  schema.forEach((p, i) => {
    const v = `q${i}`;
    const by = moveBy(p);
    const ids = hasIds(p.shape);
    permute += `let ${v} = s.${p.key};\n`;
    if (p.per === undefined) {
      if (ids) {
        rename[i] = renameFn(g, p.shape);
        permute += `${v} = ${rename[i]}(${v}, p, bm, RL);\n`;
      }
      return;
    }
    if (!ids && by === null) return;
    const rn = ids ? renameFn(g, p.shape) : null;
    rename[i] = rn;
    if (rn && p.hashCache) memos += `const MS${i} = [], MK${i} = [], MO${i} = [];\n`;
    const el = renamedElement(p, i, rn, 'i');
    const guard = p.optional ? `if (${v} !== undefined) ` : '';
    if (by === null)
      permute += `${guard}{ const src = ${v}; let o = src; for (let i = 0; i < src.length; i++) { const y = ${el}; if (y !== src[i]) { if (o === src) o = src.slice(); o[i] = y; } } ${v} = o; }\n`;
    else
      permute += `${guard}{ const src = ${v}; const map = ${by}; ${by === 'bm' ? 'if (map !== null || ' + (rn ? 'true' : 'false') + ')' : ''} { const o = src.slice(); for (let i = 0; i < src.length; i++) o[${by === 'bm' ? '(map === null ? i : (map[i] ?? i))' : '(map[i] ?? i)'}] = ${el}; ${v} = o; } }\n`;
  });
  permute += rootOut(schema, (_p, i) => `q${i}`);
  permute += `let i = 0; for (const k in s) if (i++ >= known) out[k] = s[k];\nreturn out; }\n`;
  return { permute, memos, rename };
}

/**
 * Source of a function `sigs(s, out, L)` writing the signature of each member of `members`
 * into out[k]: its elements' signatures (its thread's, then its bitmap's, then its CPU's: the
 * order decides ties less often), each a hash without the ids symmetry renames, folded. The
 * member's indices, the parts it has and the fixed ids are constants; each element's signature
 * is cached by identity, two ways per member and part, in locals of the closure (the explorer
 * alternates between a parent's successors, in which an element is either the parent's or
 * fresh): a step that changes a writer's TLB walks the TLB again, not its stack. With
 * `threadsByContent`, a thread's signature is its element hash from the fingerprint's cache in
 * `L` (`CH`: no walk of its own when the fingerprint has hashed it). No array, no boxed number
 * per call.
 */
function genMemberSigs(
  schema: readonly Part[],
  members: readonly { readonly t: number; readonly cpu: number; readonly bm: number }[],
  fixedTids: number,
  fixedBitmaps: number,
  threadsByContent: boolean,
): string {
  const g = new Gen();
  const order = (['thread', 'bitmap', 'cpu'] as const).flatMap((per) =>
    schema.filter((p) => p.per === per),
  );
  let decl = `"use strict";\nconst FX = ${fixedTids | 0}, FB = ${fixedBitmaps | 0};\n`;
  let body = 'function sigs(s, out, L) {\n';
  members.forEach((m, n) => {
    const parts = order.filter((p) =>
      p.per === 'thread' ? m.t >= 0 : p.per === 'cpu' ? m.cpu >= 0 : m.bm > 0,
    );
    const idx = (p: Part): number => (p.per === 'thread' ? m.t : p.per === 'cpu' ? m.cpu : m.bm);
    body += '{ let H = 0x811c9dc5;\n';
    parts.forEach((p, k) => {
      const r = `r${n}_${k}`;
      const w = `m${n}_${k}`;
      decl += `let ${w}a, ${w}b, ${w}ha = 0, ${w}hb = 0;\n`;
      const part = schema.indexOf(p);
      const walk =
        threadsByContent && p.per === 'thread' && p.hashCache === true && !hasFieldIds(p.shape)
          ? `const h = CH(${part}, ${idx(p)}, ${r}, L);`
          : `let h = 0x811c9dc5;\n${sigStmts(g, p.shape, r)}`;
      body += `const ${r} = s.${p.key} !== undefined ? s.${p.key}[${idx(p)}] : undefined;
if (${r} !== undefined) { let e;
  if (${r} === ${w}a) e = ${w}ha; else if (${r} === ${w}b) e = ${w}hb;
  else { ${walk} e = h; ${w}b = ${w}a; ${w}hb = ${w}ha; ${w}a = ${r}; ${w}ha = h; }
  H = Math.imul(H ^ e, 0x01000193); }\n`;
    });
    body += `out[${n}] = H >>> 0; }\n`;
  });
  body += '}\n';
  return `${decl}${g.helpers.join('\n')}\n${body}return sigs;`;
}

/** Compile the operations of a schema (see {@link StateOps}). */
export function compileStateOps(schema: readonly Part[]): StateOps {
  const g = new Gen();
  const clone = genClone(g, schema);
  const planOf = genPlanOf(schema);
  const touched = genCloneTouched(g, schema);
  const hash = genHash(g, schema);
  const { permute, memos, rename } = genPermute(g, schema);
  const hashPermuted = genHashPermuted(g, schema, rename);
  const ehc = schema.map((_, i) => g.eh[i] ?? 'null').join(', ');
  const chc = schema.map((_, i) => g.cached[i] ?? 'null').join(', ');
  const body = `"use strict";\n${memos}${g.helpers.join('\n')}\n${clone}\n${planOf}\n${touched}\n${hash}\n${permute}\n${hashPermuted}\nreturn { clone, planOf, cloneTouched, hash, permute, hashRenamed, uncached: [${ehc}], cached: [${chc}] };`;
  const plan = new Int32Array(schema.length);
  /** Renamings seen, interned (their keys are the memo keys of renamed elements). */
  const seen: Renaming[] = [];
  let last: Renaming | null = null;
  const RK = (
    p: readonly number[],
    cpu: readonly number[],
    bm: readonly number[] | null,
  ): Renaming => {
    if (last !== null && last.p === p && last.cpu === cpu && last.bm === bm) return last;
    let r: Renaming | undefined;
    for (let k = 0; k < seen.length && r === undefined; k++) {
      const q = seen[k] as Renaming;
      if (same(q.p, p) && same(q.cpu, cpu) && same(q.bm, bm)) r = q;
    }
    if (r === undefined) {
      const inv = (m: readonly number[] | null): number[] => {
        const out: number[] = [];
        if (m !== null) for (let k = 0; k < m.length; k++) out[m[k] ?? k] = k;
        return out;
      };
      r = {
        key: seen.length,
        p: p.slice(),
        cpu: cpu.slice(),
        bm: bm === null ? null : bm.slice(),
        ip: inv(p),
        icpu: inv(cpu),
        ibm: inv(bm),
      };
      seen.push(r);
    }
    // The caller's arrays, for the identity test above (callers never change them).
    last = { ...r, p, cpu, bm };
    return r;
  };
  type Compiled = Pick<
    StateOps,
    'clone' | 'planOf' | 'cloneTouched' | 'hash' | 'hashRenamed' | 'permute'
  > & {
    readonly uncached: readonly (((el: unknown, L: HashLanes) => void) | null)[];
    readonly cached: readonly (((el: unknown, k: number, L: HashLanes) => number) | null)[];
  };
  let compiled: Compiled;
  try {
    compiled = (
      new Function('plan', 'FE', 'G', 'H', 'M', 'RK', 'SL', 'ID', body) as (
        ...a: unknown[]
      ) => Compiled
    )(plan, firstEdited, cloneGeneric, hashNonInt, mapMask, RK, localKinds, sigId);
  } catch (err) {
    throw new ModelInvariantError(`state schema: generated code does not compile: ${String(err)}`);
  }
  /** Lanes for an uncached element hash (fnId as the fingerprint's: a hash of the name). */
  const scratch = { ea: 0, eb: 0, fnId: fnHash } as unknown as HashLanes;
  const contentHash = (i: number, k: number, el: unknown, L: HashLanes | null): number => {
    const eh = compiled.uncached[i];
    const ch = compiled.cached[i];
    if (!eh || !ch)
      throw new ModelInvariantError(`state schema: part ${i} has no cached element hash`);
    if (L !== null) return ch(el, k, L);
    eh(el, scratch);
    return scratch.ea;
  };
  const { cached: _c, uncached: _u, ...ops } = compiled;
  return {
    schema,
    ...ops,
    renaming: RK,
    contentHash,
    memberSigs: (members, idsOf, fixedTids, fixedBitmaps, threadsByContent = false) => {
      const src = genMemberSigs(schema, members, fixedTids, fixedBitmaps, threadsByContent);
      try {
        return (
          new Function('SL', 'ID', 'IDS', 'CH', src) as (
            ...a: unknown[]
          ) => (s: SimState, out: Float64Array, L: HashLanes | null) => void
        )(localKinds, sigId, idsOf, contentHash);
      } catch (err) {
        throw new ModelInvariantError(
          `state schema: generated code does not compile: ${String(err)}`,
        );
      }
    },
    hashPermuted: (s, p, cpu, bm, locals, h) => compiled.hashRenamed(s, RK(p, cpu, bm), locals, h),
    verify: (s) => verifyShapes(schema, s),
    unknownRoots: (s) => Object.keys(s).filter((k) => !schema.some((p) => p.key === k)),
  };
}

/** Equal renamings (callers never change a renaming array after passing it). */
function same(a: readonly number[] | null, b: readonly number[] | null): boolean {
  if (a === b) return true;
  if (a === null || b === null || a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * The lowest of thread `tid`'s existing frames (a stack of `depth`) that the events edit:
 * goto/set edit the top frame, call pushes a fresh one, return pops (exposing the one
 * below to later edits). `depth` when they edit none.
 */
function firstEdited(events: readonly SimEvent[], tid: number, depth: number): number {
  let d = depth;
  let from = depth;
  for (let k = 0; k < events.length; k++) {
    const e = events[k] as SimEvent;
    switch (e.type) {
      case 'thread/call':
        if (e.tid === tid) d++;
        break;
      case 'thread/return':
        if (e.tid === tid) d--;
        break;
      case 'thread/goto':
      case 'thread/set':
        if (e.tid === tid && d - 1 < from) from = Math.max(0, d - 1);
        break;
      default:
        break;
    }
  }
  return from;
}

function shapeFail(what: string, want: readonly string[], o: unknown): never {
  throw new ModelInvariantError(
    `the explorer's state walk expects ${what} objects with fields ${want.join(', ')}, ` +
      `found ${Object.keys(o as object).join(', ')}: describe the change in src/state/schema.ts`,
  );
}

function checkShape(s: Shape, v: unknown, what: string): void {
  if (s.t === 'record') {
    const want = s.fields.map((f) => f.key);
    let i = 0;
    for (const k in v as Record<string, unknown>) {
      if (want[i] !== k) shapeFail(what, want, v);
      i++;
    }
    if (i !== want.length) shapeFail(what, want, v);
    for (const f of s.fields)
      checkShape(f.shape, (v as Record<string, unknown>)[f.key], `${what}.${f.key}`);
  } else if (s.t === 'list') for (const x of v as unknown[]) checkShape(s.of, x, what);
}

/** Throws when an object of `state` has other fields than the schema lists. */
function verifyShapes(schema: readonly Part[], state: SimState | MutableSimState): void {
  const s = state as unknown as Record<string, unknown>;
  const root = Object.keys(s);
  const want = schema.filter((p) => !p.optional || s[p.key] !== undefined).map((p) => p.key);
  for (let i = 0; i < want.length; i++)
    if (root[i] !== want[i])
      throw new ModelInvariantError(
        `the explorer's state walk expects root fields ${want.join(', ')} first, found ${root.join(', ')}: describe the change in src/state/schema.ts`,
      );
  for (const p of schema) {
    const v = s[p.key];
    if (v === undefined) continue;
    if (p.per === undefined) checkShape(p.shape, v, p.key);
    else for (const x of v as unknown[]) checkShape(p.shape, x, p.key);
  }
}

/** The operations of SimState's own schema. */
export const STATE_OPS: StateOps = compileStateOps(STATE_SCHEMA);
