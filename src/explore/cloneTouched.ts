import type { SimEvent } from '../events/index.js';
import type { MutableSimState, SimState } from '../state/types.js';
import { cloneGeneric, KNOWN_ROOT, verifyKnownShapes } from './knownShape.js';

/**
 * Copy-on-write successor for the explorer: a copy of `parent` in which only the parts the
 * step's events will change are fresh objects; everything else is shared with `parent` (which
 * the search never mutates). Which part each event's recipe touches is listed below, per
 * root array element (`mms[e.mm]`, `tlbs[e.cpu]`, `locks[e.lock]`, ...);
 * test/explore/stateKey.test.ts checks the list against the recipes on every built-in
 * scenario. An event type not listed copies everything (safe default); root fields beyond the
 * known ones are always copied.
 */
const PAGES = 0;
const MMS = 1;
const TLBS = 2;
const LOCKS = 3;
const BITMAPS = 4;
const THREADS = 5;
const SMMUS = 6;
const BOUNDS = 7;
const ALL = -1;

/** Bit i of plan[root]: element i of that root array is copied. */
const plan = new Int32Array(8);

function mark(root: number, i: number): void {
  plan[root] = i >= 0 && i < 31 ? (plan[root] as number) | (1 << i) : ALL;
}

/** The parts of the state that `events` touch, as a plan (exported for the test). */
export function planOf(events: readonly SimEvent[]): Int32Array {
  plan.fill(0);
  for (let k = 0; k < events.length; k++) {
    const e = events[k] as SimEvent;
    switch (e.type) {
      case 'thread/call':
      case 'thread/goto':
      case 'thread/set':
      case 'thread/return':
        mark(THREADS, e.tid);
        break;
      case 'pte/set':
      case 'notifier/start':
      case 'notifier/end':
      case 'pending/inc':
      case 'pending/dec':
        mark(MMS, e.mm);
        break;
      case 'tlb/fill':
      case 'tlb/dirty':
      case 'tlb/drop':
      case 'tlb/flush':
      case 'tlb/catchup': // and the generic `cpus`
        mark(TLBS, e.cpu);
        break;
      case 'lock/acquire':
      case 'lock/release':
        mark(LOCKS, e.lock);
        break;
      case 'mem/store':
      case 'dev/copy':
        mark(PAGES, e.page);
        break;
      case 'bitmap/set':
      case 'bitmap/clear':
        mark(BITMAPS, e.bm);
        break;
      case 'bounds/set':
        plan[BOUNDS] = 1;
        break;
      case 'ghost/wp-seen':
        plan[TLBS] = ALL;
        plan[SMMUS] = ALL;
        break;
      case 'smmu/invalidate':
      case 'smmu/read-begin': // reads only, but copying keeps the check below simple
      case 'smmu/install':
      case 'smmu/zap':
        mark(SMMUS, e.sub);
        break;
      // Nothing, or a scalar / generic root field (always copied):
      case 'flush/start':
      case 'flush/done':
      case 'helper/call':
      case 'helper/return':
      case 'fault/enter':
      case 'fault/exit':
      case 'warn':
      case 'page/dirty':
      case 'ubc/pending':
      case 'ubc/flushed':
      case 'actor/call':
      case 'actor/return':
      case 'vma/write':
      case 'tlb/defer':
      case '@sim/sched':
      case '@sim/choice':
      case '@sim/end':
        break;
      default:
        plan.fill(ALL);
    }
  }
  return plan;
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

let calls = 0;

/** The copy-on-write successor of `parent` for `events` (see the file comment). */
export function cloneTouched(
  parent: SimState | MutableSimState,
  events: readonly SimEvent[],
): MutableSimState {
  const s = parent as MutableSimState;
  if ((calls++ & 1023) === 0) verifyKnownShapes(s);
  const p = planOf(events);
  let pages = s.pages;
  const mPages = p[PAGES] as number;
  if (mPages !== 0) {
    pages = s.pages.slice();
    for (let i = 0; i < pages.length; i++)
      if (mPages === ALL || (mPages & (1 << i)) !== 0) {
        const x = pages[i] as MutableSimState['pages'][number];
        pages[i] = { version: x.version, device: x.device };
      }
  }
  let mms = s.mms;
  const mMms = p[MMS] as number;
  if (mMms !== 0) {
    mms = s.mms.slice();
    for (let i = 0; i < mms.length; i++)
      if (mMms === ALL || (mMms & (1 << i)) !== 0) {
        const m = mms[i] as MutableSimState['mms'][number];
        mms[i] = { ptes: m.ptes.slice(), pending: m.pending, seq: m.seq, active: m.active };
      }
  }
  let tlbs = s.tlbs;
  const mTlbs = p[TLBS] as number;
  if (mTlbs !== 0) {
    tlbs = s.tlbs.slice();
    for (let i = 0; i < tlbs.length; i++)
      if (mTlbs === ALL || (mTlbs & (1 << i)) !== 0) {
        const t = tlbs[i] as MutableSimState['tlbs'][number];
        const out = new Array<MutableSimState['tlbs'][number][number]>(t.length);
        for (let j = 0; j < t.length; j++) {
          const e = t[j] as MutableSimState['tlbs'][number][number];
          out[j] = { mm: e.mm, vpn: e.vpn, pfn: e.pfn, w: e.w, d: e.d, susp: e.susp };
        }
        tlbs[i] = out;
      }
  }
  let locks = s.locks;
  const mLocks = p[LOCKS] as number;
  if (mLocks !== 0) {
    locks = s.locks.slice();
    for (let i = 0; i < locks.length; i++)
      if (mLocks === ALL || (mLocks & (1 << i)) !== 0) {
        const l = locks[i] as MutableSimState['locks'][number];
        locks[i] = { owner: l.owner, readers: l.readers };
      }
  }
  let bitmaps = s.bitmaps;
  const mBitmaps = p[BITMAPS] as number;
  if (mBitmaps !== 0) {
    bitmaps = s.bitmaps.slice();
    for (let i = 0; i < bitmaps.length; i++)
      if (mBitmaps === ALL || (mBitmaps & (1 << i)) !== 0)
        bitmaps[i] = (bitmaps[i] as number[]).slice();
  }
  let threads = s.threads;
  const mThreads = p[THREADS] as number;
  if (mThreads !== 0) {
    threads = s.threads.slice();
    for (let i = 0; i < threads.length; i++)
      if (mThreads === ALL || (mThreads & (1 << i)) !== 0) {
        const st = (threads[i] as MutableSimState['threads'][number]).stack;
        const stack = st.slice();
        const from = mThreads === ALL ? 0 : firstEdited(events, i, st.length);
        for (let j = from; j < stack.length; j++) {
          const f = stack[j] as MutableSimState['threads'][number]['stack'][number];
          stack[j] = { fn: f.fn, pc: f.pc, l: f.l.slice() };
        }
        threads[i] = { stack };
      }
  }
  let smmus = s.smmus;
  const mSmmus = p[SMMUS] as number;
  if (mSmmus !== 0) {
    smmus = s.smmus.slice();
    for (let i = 0; i < smmus.length; i++)
      if (mSmmus === ALL || (mSmmus & (1 << i)) !== 0) {
        const m = smmus[i] as MutableSimState['smmus'][number];
        smmus[i] = { mm: m.mm, seq: m.seq, sptes: m.sptes.slice(), susp: m.susp.slice() };
      }
  }
  const out: Record<string, unknown> = {
    pages,
    mms,
    tlbs,
    locks,
    bitmaps,
    bounds: p[BOUNDS] !== 0 ? { start: s.bounds.start, end: s.bounds.end } : s.bounds,
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
