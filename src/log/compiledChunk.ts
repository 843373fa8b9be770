import type { SimEvent } from '../events/index.js';
import { EVENT_FIELDS } from '../events/schema.js';
import type { SimEventType } from '../events/index.js';
import { ModelInvariantError } from '../errors.js';
import {
  KIND_ENUM,
  KIND_INT,
  KIND_INTS,
  KIND_STR,
  type Decoder,
  type Encoder,
} from './eventTable.js';
import { corrupt as fail, varintRest, type ByteWriter } from './bytes.js';
import { boundsCheckSource, boundsPrelude, FOLD_CHECKED, type EventBounds } from './eventGuard.js';
import { MAX_CALL_DEPTH } from './stateCheck.js';

/**
 * A chunk visitor compiled from a log's type table: one small function per type code with
 * every field read inline (small functions optimise early and independently: a rare type
 * does not deoptimise the hot ones, which one big `switch` did), instead of the generic loop of `visitChunk` (about 2x faster, which the
 * replay target needs; docs/log-format.md §Measurements). Same bytes in, same events out: a
 * test runs both on random chunks. Only today's field names (from EVENT_FIELDS, our source)
 * and integer indices are written into the generated code; everything that comes from the log
 * (type names, enum values, strings) is passed in as data.
 *
 * Compiled with a log's EventBounds, each type's function also checks the fields that type
 * has against them (eventGuard.ts `boundsCheckSource`: the checks of `eventProblem`, inline,
 * on the decoded values) and, given a `depth` array, tracks call depths as the reader's
 * `depthProblem` does. An event that fails is handed to `refuse` before anyone sees it (only
 * if it is in [lo, hi), as the reader checks only what it visits); `refuse` writes the message
 * (or, should it find nothing wrong, returns and the event is visited). With `fold`, an event of
 * a type `foldProblem` looks at (FOLD_CHECKED) that passed is handed to `refuse` too (why 3),
 * so a fold checks it against its state before applying it without testing every event's type.
 */
export type CompiledVisitor = (
  types: Uint8Array,
  data: Uint8Array,
  n: number,
  first: number,
  strs: readonly string[],
  scratch: (SimEvent | undefined)[] | null,
  visit: (e: SimEvent, i: number) => void,
  /** Visit only events `lo <= i < hi` (absolute indices); stop decoding at `hi`. */
  lo: number,
  hi: number,
  /** Call depth per thread, tracked along a read from event 0 (null: not tracked). */
  depth?: number[] | null,
  /** Hand FOLD_CHECKED events to `refuse` (why 3). */
  fold?: boolean,
  /** An event that failed a check (why 1: the bounds; 2: the call depth), or one for the fold (3). */
  refuse?: (e: SimEvent, i: number, why: number) => void,
) => void;

interface Cursor {
  pos: number;
}

/** Multi-byte (or out-of-bounds) uvarint at `pos`; leaves the next position in `cur.pos`. */
function uvSlow(buf: Uint8Array, pos: number, cur: Cursor, where: string): number {
  const b0 = buf[pos];
  if (b0 === undefined) fail(where, pos, 'column ends in the middle of an event');
  if (b0 < 0x80) {
    cur.pos = pos + 1;
    return b0;
  }
  return varintRest(buf, pos, b0 & 0x7f, 0x80, cur, where);
}

/** Multi-byte svarint delta, or the escape and an absolute value; adds `prev` to a delta. */
function svSlow(buf: Uint8Array, pos: number, prev: number, cur: Cursor, where: string): number {
  const b0 = buf[pos];
  if (b0 === undefined) fail(where, pos, 'column ends in the middle of an event');
  if (b0 === 0x01) return svRaw(buf, pos + 1, cur, where);
  return svRaw(buf, pos, cur, where) + prev;
}

function svRaw(buf: Uint8Array, pos: number, cur: Cursor, where: string): number {
  const b0 = buf[pos];
  if (b0 === undefined) fail(where, pos, 'column ends in the middle of an event');
  const neg = (b0 & 1) === 1;
  if (b0 < 0x80) {
    if (b0 === 0x01) fail(where, pos, 'escape byte where a number was expected');
    cur.pos = pos + 1;
    return neg ? -(b0 >> 1) : b0 >> 1;
  }
  const v = varintRest(buf, pos, (b0 >> 1) & 0x3f, 0x40, cur, where);
  return neg ? -v : v;
}

/** Events per call of the generated `run` (see there). */
const BATCH = 1024;

const cache = new Map<string, (...deps: unknown[]) => (where: string) => CompiledVisitor>();

/**
 * Compile the visitor of a decoder whose every type is on the fast path; null otherwise. With
 * `bounds` (the log's own scenario's), every event is checked against them (see above).
 */
export function compileVisitor(
  dec: Decoder,
  where: string,
  bounds: EventBounds | null = null,
): CompiledVisitor | null {
  if (dec.plans.some((p) => p.make === null)) return null;
  const checked = bounds !== null;
  const key = `${checked ? 'checked' : 'unchecked'}|${dec.plans
    .map((p) => `${p.type}:${Array.from(p.kinds).join('')}:${p.names.join(',')}`)
    .join('|')}`;
  let factory = cache.get(key);
  if (!factory) {
    factory = new Function(
      'uvSlow',
      'svSlow',
      'svRaw',
      'fail',
      'TY',
      'EN',
      'BD',
      generate(dec, checked),
    ) as (...deps: unknown[]) => (where: string) => CompiledVisitor;
    cache.set(key, factory);
  }
  return factory(
    uvSlow,
    svSlow,
    svRaw,
    fail,
    dec.plans.map((p) => p.type),
    dec.plans.map((p) => p.enums),
    bounds,
  )(where);
}

/**
 * The checks of one type's function (after its event is built): bounds, then call depth. Only
 * today's field names and type names (from EVENT_FIELDS) reach the code.
 */
function checkLines(type: SimEventType, v: (field: string) => string): string[] {
  const ok = boundsCheckSource(type, v);
  const lines = ok === 'true' ? [] : [`if (!(${ok})) cur.bad = 1;`];
  const depth =
    type === 'thread/call'
      ? `{ dd = cur.depth; if (dd !== null) { k = (dd[${v('tid')}] ?? 0) + 1; dd[${v('tid')}] = k; if (k > ${MAX_CALL_DEPTH}) cur.bad = 2; } }`
      : type === 'thread/return'
        ? `{ dd = cur.depth; if (dd !== null) dd[${v('tid')}] = Math.max(0, (dd[${v('tid')}] ?? 0) - 1); }`
        : null;
  if (depth !== null) lines.push(lines.length > 0 ? `else ${depth}` : depth);
  if (FOLD_CHECKED.has(type)) lines.push(`if (cur.bad === 0 && cur.fold) cur.bad = 3;`);
  return lines;
}

/**
 * The visitor's source. `run` decodes events [i0, i1) of a chunk from column positions
 * cur.tp and cur.dp (and leaves them there); the visitor calls it per batch of BATCH events
 * rather than once per chunk, so that it is optimised as a whole function after a few batches,
 * its exit path already run, instead of by on-stack replacement inside its first long loop
 * (whose never-run exit then deoptimised it again at the end of every chunk).
 */
function generate(dec: Decoder, checked: boolean): string {
  const cases: string[] = [];
  dec.plans.forEach((plan, code) => {
    const today = Object.keys(EVENT_FIELDS[plan.type as SimEventType]);
    // Today's field i comes from log field order[i].
    const order = today.map((n) => plan.names.indexOf(n));
    const todayName = (f: number): string => today[order.indexOf(f)] as string;
    const lines: string[] = [];
    const kinds = Array.from(plan.kinds);
    kinds.forEach((kind, f) => {
      const a = `a${f}`;
      if (kind === KIND_INT) {
        const s = plan.slot + f;
        lines.push(
          `b = D[dp]; if (b < 0x80 && b !== 1) { dp++; ${a} = ((b & 1) ? -(b >> 1) : (b >> 1)) + P[${s}]; } else { ${a} = svSlow(D, dp, P[${s}], cur, WD); dp = cur.pos; }`,
          `if (!Number.isSafeInteger(${a})) fail(WD, dp, 'event ' + (first + i) + ': field ${f} of type ${code} is not a safe integer');`,
          `P[${s}] = ${a};`,
        );
      } else if (kind === KIND_STR) {
        lines.push(
          `b = D[dp]; if (b < 0x80) { dp++; k = b; } else { k = uvSlow(D, dp, cur, WD); dp = cur.pos; }`,
          `if (k >= S.length) fail(WD, dp, 'event ' + (first + i) + ': string index ' + k + ' beyond chunk.strs (' + S.length + ')');`,
          `${a} = S[k];`,
        );
      } else if (kind === KIND_ENUM) {
        lines.push(
          `b = D[dp]; if (b < 0x80) { dp++; k = b; } else { k = uvSlow(D, dp, cur, WD); dp = cur.pos; }`,
          `${a} = E${code}_${f}[k];`,
          `if (${a} === undefined || ${a} === null) fail(WD, dp, 'event ' + (first + i) + ': enum field ${f} of type ${code} has no value ' + k + ' known to this ptesim');`,
        );
      } else if (kind === KIND_INTS) {
        lines.push(
          `b = D[dp]; if (b < 0x80) { dp++; k = b; } else { k = uvSlow(D, dp, cur, WD); dp = cur.pos; }`,
          `if (k > 64) fail(WD, dp, 'event ' + (first + i) + ': ' + k + ' integers in an array (limit 64)');`,
          // Scratch events (SC) reuse their array when the length is the same (it is part of
          // the scratch event: a visitor copies what it keeps, as evolve's thread/call does).
          `${a} = SC !== null && SC[${code}] !== undefined ? SC[${code}][${JSON.stringify(todayName(f))}] : null;`,
          `if (${a} === null || ${a}.length !== k) ${a} = new Array(k);`,
          `for (let j = 0; j < k; j++) { ${a}[j] = svRaw(D, dp, cur, WD); dp = cur.pos; }`,
        );
      }
    });
    const props = today.map((n, i) => `${JSON.stringify(n)}: a${order[i] as number}`).join(', ');
    const assigns = today
      .map((n, i) => `o[${JSON.stringify(n)}] = a${order[i] as number};`)
      .join(' ');
    lines.push(
      `if (SC === null) e = { type: TY[${code}], ${props} };`,
      `else { o = SC[${code}]; if (o === undefined) { e = SC[${code}] = { type: TY[${code}], ${props} }; } else { ${assigns} e = o; } }`,
    );
    if (checked)
      lines.push(
        ...checkLines(plan.type as SimEventType, (n) => `a${order[today.indexOf(n)] as number}`),
      );
    const locals = Array.from({ length: kinds.length }, (_, f) => `a${f}`).join(', ');
    cases.push(
      `function d${code}(D, dp, P, S, SC, first, i, cur, WD) {\nlet b = 0, k = 0, e, o, dd${locals ? `, ${locals}` : ''};\n${lines.join('\n')}\ncur.e = e;\nreturn dp;\n}`,
    );
  });
  const enumConsts: string[] = [];
  dec.plans.forEach((plan, code) =>
    Array.from(plan.kinds).forEach((k, f) => {
      if (k === KIND_ENUM) enumConsts.push(`const E${code}_${f} = EN[${code}][${f}];`);
    }),
  );
  return `
${checked ? boundsPrelude('BD') : ''}
${enumConsts.join('\n')}
${cases.join('\n')}
return (where) => {
  const WT = where + ' chunk.types';
  const WD = where + ' chunk.data';
  function run(T, D, P, S, SC, first, i0, i1, from, cur, visit, refuse) {
    let tp = cur.tp, dp = cur.dp, b = 0, code = 0;
    for (let i = i0; i < i1; i++) {
      b = T[tp]; if (b < 0x80) { tp++; code = b; } else { code = uvSlow(T, tp, cur, WT); tp = cur.pos; }
      switch (code) {
${dec.plans.map((_, code) => `        case ${code}: dp = d${code}(D, dp, P, S, SC, first, i, cur, WD); break;`).join('\n')}
        default: fail(WT, tp, 'event ' + (first + i) + ': type code ' + code + " is not in the header's table");
      }
${
  checked
    ? `      if (cur.bad !== 0) { b = cur.bad; cur.bad = 0; if (i >= from) refuse(cur.e, first + i, b); }\n`
    : ''
}      if (i >= from) visit(cur.e, first + i);
    }
    cur.tp = tp;
    cur.dp = dp;
  }
  return (T, D, n, first, S, SC, visit, lo, hi, depth, fold, refuse) => {
    const cur = { pos: 0, tp: 0, dp: 0, e: null, bad: 0, depth: depth ?? null, fold: fold === true };
    const P = new Array(${dec.slots}).fill(0);
    // Decode events up to \`hi\` (at least one); events before \`lo\` are decoded, not visited.
    const end = Math.max(1, Math.min(n, hi - first));
    for (let i0 = 0; i0 < end; i0 += ${BATCH}) run(T, D, P, S, SC, first, i0, Math.min(end, i0 + ${BATCH}), lo - first, cur, visit, refuse);
    // Stopped early: the rest of the chunk is not wanted (its checks are skipped).
    if (end < n) return;
    if (cur.tp !== T.length) fail(WT, cur.tp, 'chunk.types holds more than n = ' + n + ' events');
    if (cur.dp !== D.length) fail(WD, cur.dp, 'chunk.data has bytes left after ' + n + ' events');
  };
};`;
}

/** Appends one event to the `types` and `data` columns (see ChunkEncoder). */
export type CompiledEncoder = (
  e: SimEvent,
  types: ByteWriter,
  data: ByteWriter,
  prev: Float64Array,
  str: (s: string) => number,
) => void;

/**
 * The encoder twin of `compileVisitor`: one `switch` on `e.type` writing each field inline,
 * generated from the writer's table (today's EVENT_FIELDS: type names and field names are our
 * source, JSON-quoted). An event type without a row throws a ModelInvariantError.
 */
export function compileEncoder(enc: Encoder): CompiledEncoder {
  const cases: string[] = [];
  const enums: (ReadonlyMap<string, number> | undefined)[][] = [];
  for (const [type, plan] of enc.byType) {
    enums[plan.code] = plan.enums.slice();
    const lines: string[] = [`T.uvarint(${plan.code});`];
    plan.names.forEach((name, f) => {
      const get = `e[${JSON.stringify(name)}]`;
      const kind = plan.kinds[f];
      if (kind === KIND_INT) {
        const s = plan.slot + f;
        lines.push(
          `x = ${get}; d = x - P[${s}]; if (Number.isSafeInteger(d)) D.svarint(d); else { D.u8(1); D.svarint(x); } P[${s}] = x;`,
        );
      } else if (kind === KIND_STR) lines.push(`D.uvarint(str(${get}));`);
      else if (kind === KIND_ENUM)
        lines.push(`D.uvarint(EN[${plan.code}][${f}].get(${get}) ?? 0);`);
      else
        lines.push(
          `a = ${get}; D.uvarint(a.length); for (let j = 0; j < a.length; j++) D.svarint(a[j]);`,
        );
    });
    cases.push(`case ${JSON.stringify(type)}: {\n${lines.join('\n')}\nreturn; }`);
  }
  const body = `return (e, T, D, P, str) => {
  let x = 0, d = 0, a;
  switch (e.type) {
${cases.join('\n')}
  }
  unknown(e.type);
};`;
  const unknown = (type: string): never => {
    throw new ModelInvariantError(`event type ${type} has no row in EVENT_FIELDS`);
  };
  return (new Function('EN', 'unknown', body) as (en: unknown, u: unknown) => CompiledEncoder)(
    enums,
    unknown,
  );
}
