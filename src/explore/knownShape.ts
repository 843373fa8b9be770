import { SimError } from '../errors.js';
import type { MutableSimState, SimState } from '../state/types.js';

/**
 * The explorer's hot loop (fingerprint and clone of every state) walks the parts of SimState
 * it knows field by field, which is several times faster than a generic walk; root fields it
 * does not know (added later by other areas) go through the generic walk. So that a field
 * added to one of the known objects can never be silently ignored, {@link verifyKnownShapes}
 * compares every known object's keys with the list below; the explorer runs it on the first
 * state and then every few hundred states, and throws when they differ.
 */
export const KNOWN: Readonly<Record<string, readonly string[]>> = {
  page: ['version', 'device'],
  mm: ['ptes', 'pending', 'seq', 'active'],
  tlb: ['mm', 'vpn', 'pfn', 'w', 'd', 'susp'],
  lock: ['owner', 'readers'],
  bounds: ['start', 'end'],
  thread: ['stack'],
  frame: ['fn', 'pc', 'l'],
  smmu: ['mm', 'seq', 'sptes', 'susp'],
};
/** Root fields walked field by field, in this order; the others follow generically. */
export const KNOWN_ROOT: readonly string[] = [
  'pages',
  'mms',
  'tlbs',
  'locks',
  'bitmaps',
  'bounds',
  'threads',
  'smmus',
  'warnings',
];

function check(o: unknown, kind: string): void {
  const want = KNOWN[kind] as readonly string[];
  let i = 0;
  for (const k in o as Record<string, unknown>) {
    if (want[i] !== k) fail(kind, o);
    i++;
  }
  if (i !== want.length) fail(kind, o);
}

function fail(kind: string, o: unknown): never {
  throw new SimError(
    'MODEL_INVARIANT',
    `the explorer's state walk expects ${kind} objects with fields ${(KNOWN[kind] ?? []).join(', ')}, ` +
      `found ${Object.keys(o as object).join(', ')}: update src/explore/knownShape.ts`,
  );
}

/** Throws when a known object of `state` has other fields than {@link KNOWN} lists. */
export function verifyKnownShapes(state: SimState | MutableSimState): void {
  const s = state as MutableSimState;
  for (const p of s.pages) check(p, 'page');
  for (const m of s.mms) check(m, 'mm');
  for (const t of s.tlbs) for (const e of t) check(e, 'tlb');
  for (const l of s.locks) check(l, 'lock');
  check(s.bounds, 'bounds');
  for (const th of s.threads) {
    check(th, 'thread');
    for (const f of th.stack) check(f, 'frame');
  }
  for (const m of s.smmus) check(m, 'smmu');
  const root = Object.keys(s);
  for (let i = 0; i < KNOWN_ROOT.length; i++)
    if (root[i] !== KNOWN_ROOT[i])
      throw new SimError(
        'MODEL_INVARIANT',
        `the explorer's state walk expects root fields ${KNOWN_ROOT.join(', ')} first, found ${root.join(', ')}: update src/explore/knownShape.ts`,
      );
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

/** Deep copy: known parts field by field, the rest generically; key order is preserved. */
let cloneCalls = 0;
/**
 * @param onlyThreads when given, threads not listed are shared with `state`, not copied: the
 * caller promises that only their events (thread/* of those tids, the only recipes that touch
 * `threads`; test/explore/stateKey.test.ts checks it) will change the copy.
 */
export function cloneKnown(
  state: SimState | MutableSimState,
  onlyThreads?: readonly number[],
): MutableSimState {
  const s = state as MutableSimState;
  if ((cloneCalls++ & 1023) === 0) verifyKnownShapes(s);
  const pages = new Array<MutableSimState['pages'][number]>(s.pages.length);
  for (let i = 0; i < pages.length; i++) {
    const p = s.pages[i] as MutableSimState['pages'][number];
    pages[i] = { version: p.version, device: p.device };
  }
  const mms = new Array<MutableSimState['mms'][number]>(s.mms.length);
  for (let i = 0; i < mms.length; i++) {
    const m = s.mms[i] as MutableSimState['mms'][number];
    mms[i] = { ptes: m.ptes.slice(), pending: m.pending, seq: m.seq, active: m.active };
  }
  const tlbs = new Array<MutableSimState['tlbs'][number]>(s.tlbs.length);
  for (let i = 0; i < tlbs.length; i++) {
    const t = s.tlbs[i] as MutableSimState['tlbs'][number];
    const out = new Array<MutableSimState['tlbs'][number][number]>(t.length);
    for (let j = 0; j < t.length; j++) {
      const e = t[j] as MutableSimState['tlbs'][number][number];
      out[j] = { mm: e.mm, vpn: e.vpn, pfn: e.pfn, w: e.w, d: e.d, susp: e.susp };
    }
    tlbs[i] = out;
  }
  const locks = new Array<MutableSimState['locks'][number]>(s.locks.length);
  for (let i = 0; i < locks.length; i++) {
    const l = s.locks[i] as MutableSimState['locks'][number];
    locks[i] = { owner: l.owner, readers: l.readers };
  }
  const bitmaps = new Array<number[]>(s.bitmaps.length);
  for (let i = 0; i < bitmaps.length; i++) bitmaps[i] = (s.bitmaps[i] as number[]).slice();
  const threads = new Array<MutableSimState['threads'][number]>(s.threads.length);
  for (let i = 0; i < threads.length; i++) {
    if (onlyThreads && !onlyThreads.includes(i)) {
      threads[i] = s.threads[i] as MutableSimState['threads'][number];
      continue;
    }
    const st = (s.threads[i] as MutableSimState['threads'][number]).stack;
    const stack = new Array<MutableSimState['threads'][number]['stack'][number]>(st.length);
    for (let j = 0; j < st.length; j++) {
      const f = st[j] as MutableSimState['threads'][number]['stack'][number];
      stack[j] = { fn: f.fn, pc: f.pc, l: f.l.slice() };
    }
    threads[i] = { stack };
  }
  const smmus = new Array<MutableSimState['smmus'][number]>(s.smmus.length);
  for (let i = 0; i < smmus.length; i++) {
    const m = s.smmus[i] as MutableSimState['smmus'][number];
    smmus[i] = { mm: m.mm, seq: m.seq, sptes: m.sptes.slice(), susp: m.susp.slice() };
  }
  const out: Record<string, unknown> = {
    pages,
    mms,
    tlbs,
    locks,
    bitmaps,
    bounds: { start: s.bounds.start, end: s.bounds.end },
    threads,
    smmus,
    warnings: s.warnings,
  };
  let i = 0;
  for (const k in s)
    if (i++ >= KNOWN_ROOT.length)
      out[k] = cloneGeneric((s as unknown as Record<string, unknown>)[k]);
  return out as unknown as MutableSimState;
}
