import type { Scenario } from '../scenario/types.js';
import type { MutableSimState } from '../state/types.js';
import { SimError } from '../errors.js';

/**
 * Bounds a recorded state (or event stream) must keep that the scenario alone does not fix.
 * No step machine calls deeper than a handful of frames or uses more than a few locals; these
 * limits only stop a hostile log from growing a stack or a frame without bound.
 */
export const MAX_CALL_DEPTH = 32;
/** Locals per frame (`thread/call` carries at most this many, `thread/set` a slot below it). */
export const MAX_LOCALS = 64;
/** Longest string in a recorded state (step machine names). */
const MAX_STATE_STRING = 200;

const TLB_ENTRY = { mm: 0, vpn: 0, pfn: 0, w: 0, d: 0, susp: 0 };
const FRAME = { fn: '', pc: 0, l: [] as number[] };

/**
 * Check an untrusted state (a log header's initial state, a checkpoint) against `shape`, the
 * scenario's state shape (`stateShape`, or an initial state already checked): the same parts
 * and keys in the same order, every array as long as in the shape, every number a safe
 * integer; except the lists that grow while a run goes on, which are bounded: a CPU's TLB (at
 * most `tlbCapacity` entries), a thread's call stack (at most MAX_CALL_DEPTH frames) and a
 * frame's locals (at most MAX_LOCALS). Returns the value, typed; errors name the field path.
 */
export function checkState(
  raw: unknown,
  shape: MutableSimState,
  scenario: Scenario,
  where: string,
  what: string,
): MutableSimState {
  const fail = (path: string, m: string): never => {
    throw new SimError('LOG_CORRUPT', `${what}${path}: ${m}`, where);
  };
  const isMap = (v: unknown): v is Record<string, unknown> =>
    typeof v === 'object' && v !== null && Object.getPrototypeOf(v) === Object.prototype;
  const walk = (v: unknown, t: unknown, path: string): void => {
    if (typeof t === 'number') {
      if (typeof v !== 'number' || !Number.isSafeInteger(v)) fail(path, 'expected an integer');
    } else if (typeof t === 'string') {
      if (typeof v !== 'string' || v.length > MAX_STATE_STRING)
        fail(path, `expected a string of at most ${MAX_STATE_STRING} characters`);
    } else if (Array.isArray(t)) {
      if (!Array.isArray(v)) return fail(path, 'expected an array');
      if (v.length !== t.length) fail(path, `expected ${t.length} elements, found ${v.length}`);
      for (let i = 0; i < v.length; i++) walk(v[i], t[i], `${path}[${i}]`);
    } else if (isMap(t)) {
      if (!isMap(v)) return fail(path, 'expected a map');
      const keys = Object.keys(v);
      const tk = Object.keys(t);
      if (keys.length !== tk.length || keys.some((k, i) => k !== tk[i]))
        fail(path, `expected keys ${tk.join(',')}, found ${keys.join(',').slice(0, 80)}`);
      for (const k of tk) {
        const sub = `${path}.${k}`;
        if (path === '' && k === 'tlbs') walkList(v[k], t[k], sub, scenario.options.tlbCapacity);
        else if (path === '' && k === 'threads') walkThreads(v[k], t[k], sub);
        else walk(v[k], t[k], sub);
      }
    } else fail(path, `unexpected ${typeof t} in the shape`);
  };
  /** Per CPU: a list of TLB entries, at most `cap` of them. */
  const walkList = (v: unknown, t: unknown, path: string, cap: number): void => {
    const n = (t as unknown[]).length;
    if (!Array.isArray(v) || v.length !== n) return fail(path, `expected ${n} lists`);
    v.forEach((list, c) => {
      if (!Array.isArray(list) || list.length > cap)
        fail(`${path}[${c}]`, `expected a list of at most ${cap} entries`);
      (list as unknown[]).forEach((x, i) => walk(x, TLB_ENTRY, `${path}[${c}][${i}]`));
    });
  };
  const walkThreads = (v: unknown, t: unknown, path: string): void => {
    const n = (t as unknown[]).length;
    if (!Array.isArray(v) || v.length !== n) return fail(path, `expected ${n} threads`);
    v.forEach((th, tid) => {
      const p = `${path}[${tid}]`;
      if (!isMap(th) || Object.keys(th).join() !== 'stack') return fail(p, 'expected { stack }');
      const stack = th['stack'];
      if (!Array.isArray(stack) || stack.length > MAX_CALL_DEPTH)
        return fail(`${p}.stack`, `expected at most ${MAX_CALL_DEPTH} frames`);
      stack.forEach((f, i) => {
        const fp = `${p}.stack[${i}]`;
        if (!isMap(f) || Object.keys(f).join() !== 'fn,pc,l')
          return fail(fp, 'expected a frame { fn, pc, l }');
        walk(f['fn'], FRAME.fn, `${fp}.fn`);
        walk(f['pc'], FRAME.pc, `${fp}.pc`);
        const l = f['l'];
        if (!Array.isArray(l) || l.length > MAX_LOCALS)
          return fail(`${fp}.l`, `expected at most ${MAX_LOCALS} locals`);
        l.forEach((x, j) => walk(x, 0, `${fp}.l[${j}]`));
      });
    });
  };
  walk(raw, shape, '');
  return raw as MutableSimState;
}
