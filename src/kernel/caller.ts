import { at } from '../errors.js';
import type { CallerThreadSpec, ConsumerThreadSpec, ThreadSpec } from '../scenario/types.js';
import {
  flattenProgram,
  type CallerBitmap,
  type CallerLock,
  type CallerRange,
  type FlatOp,
} from '../scenario/program.js';
import { consumerProgram } from '../scenario/protocols.js';
import type { SimState } from '../state/types.js';
import { HELPER, helperArgs } from './helper.js';
import { UNMAP_MAPPING } from './unmapMapping.js';
import { canAcquire, threadSpec, type StepCtx, type StepMachine } from './step.js';
import { defineMachine, type EmitOf } from './machine.js';
import { VMW, vmwArgs, vmwTransfer } from './vmwgfx.js';

/**
 * Kernel-side users of the helpers (docs/rules/vmwgfx.md §7): a caller program (src/scenario/program.ts)
 * run as a step machine whose pc is the index of the next operation of the unrolled program.
 * One step runs operations until it has called a helper, reaches a `lock` that is not its
 * first operation (a lock may block), a `yield`, or the end (return). The library protocols
 * (src/scenario/protocols.ts) are programs of this form; a `drain` runs its program once every
 * other thread has finished; a `consumer` runs the copy program of src/scenario/protocols.ts.
 */
export function callerSpec(ctx: StepCtx): CallerThreadSpec | ConsumerThreadSpec {
  const spec = at(ctx.layout.scenario.threads, ctx.tid);
  if (spec.kind === 'consumer') return spec;
  return threadSpec(ctx, 'caller', 'drain');
}

const consumerCache = new WeakMap<ConsumerThreadSpec, readonly FlatOp[]>();

/**
 * The program of thread `tid` whose spec is `spec`: {@link programOfThread}, kept per thread
 * with the spec object it was made for (the options of every state ask; a WeakMap lookup each
 * time costs more than the rest of them).
 */
const programSpecs: unknown[] = [];
const programs: (readonly FlatOp[])[] = [];
function programOfTid(tid: number, spec: CallerThreadSpec | ConsumerThreadSpec): readonly FlatOp[] {
  if (programSpecs[tid] === spec) return programs[tid] as readonly FlatOp[];
  const p = programOfThread(spec);
  programSpecs[tid] = spec;
  programs[tid] = p;
  return p;
}

/** The unrolled program thread `spec` runs. */
export function programOfThread(spec: CallerThreadSpec | ConsumerThreadSpec): readonly FlatOp[] {
  if (spec.kind !== 'consumer') return flattenProgram(spec.program);
  let p = consumerCache.get(spec);
  if (!p) consumerCache.set(spec, (p = flattenProgram(consumerProgram(spec.passes, spec.from))));
  return p;
}

/** Its locals; the pc is the index of the next operation (no labels). */
export const CALLER = defineMachine('caller', {
  locals: [
    /** The last snapshot: a bitmask of pages (`snapshot`, `copy pages: snapshot`). */
    'snapshot',
  ],
  labels: [],
});

/** Threads that run last: drains and final writeback passes. */
export function isFinalThread(spec: ThreadSpec): boolean {
  return spec.kind === 'drain' || (spec.kind === 'writeback' && spec.final);
}

/** A drain (or final writeback) waits for every thread that is not itself final to finish. */
export function drainReady(state: SimState, ctx: StepCtx): boolean {
  const waited = waitedFor(ctx.layout.scenario.threads);
  for (let i = 0; i < waited.length; i++)
    if ((state.threads[waited[i] as number]?.stack.length ?? 0) > 0) return false;
  return true;
}

/** The threads a drain waits for (not final), for the last thread list asked about. */
let waitedThreads: readonly ThreadSpec[] | null = null;
let waitedTids: readonly number[] = [];
function waitedFor(threads: readonly ThreadSpec[]): readonly number[] {
  if (threads === waitedThreads) return waitedTids;
  const tids: number[] = [];
  for (let t = 0; t < threads.length; t++) if (!isFinalThread(at(threads, t))) tids.push(t);
  waitedThreads = threads;
  waitedTids = tids;
  return tids;
}

type CallerEmit = EmitOf<typeof CALLER>;

function lockIndex(ctx: StepCtx, lock: CallerLock): number {
  return lock === 'driver' ? ctx.layout.driverLock : ctx.layout.immapLock;
}

const modeOf = (m: 'read' | 'write'): 'r' | 'w' => (m === 'read' ? 'r' : 'w');

/** The locks held before operation `pc` (programs are straight-line, so this is static). */
function heldBefore(ops: readonly FlatOp[], pc: number): FlatOp[] {
  const held: FlatOp[] = [];
  for (let i = 0; i < pc; i++) {
    const op = ops[i] as FlatOp;
    if (op.op === 'lock') held.push(op);
    else if (op.op === 'unlock') {
      const k = held.findIndex((h) => h.op === 'lock' && h.lock === op.lock);
      if (k >= 0) held.splice(k, 1);
    }
  }
  return held;
}

/** One step's view of the bitmaps: the state's, with this step's own changes on top. */
class Bits {
  /** Made on the first change (most steps change no bit). */
  private changed: Map<number, number> | null = null;
  constructor(
    private readonly ctx: StepCtx,
    private readonly e: CallerEmit,
  ) {}
  get(bm: number, page: number): number {
    return this.changed?.get(bm * 64 + page) ?? this.ctx.state.bitmaps[bm]?.[page] ?? 0;
  }
  put(bm: number, page: number, value: 0 | 1): void {
    if (this.get(bm, page) === value) return;
    (this.changed ??= new Map()).set(bm * 64 + page, value);
    this.e.push({
      type: value === 1 ? 'bitmap/set' : 'bitmap/clear',
      tid: this.ctx.tid,
      bm,
      bit: page,
    });
  }
}

function bitmapId(ctx: StepCtx, b: CallerBitmap): number {
  return b === 'driver' ? 0 : (ctx.layout.bitmapOf[ctx.tid] ?? 0);
}

/** The helper's [first, nr) for an operation's range. */
function helperRange(ctx: StepCtx, spec: Range, r: CallerRange): [number, number] {
  if (r === 'thread') return [spec.first, spec.nr];
  if (r === 'dirty-bounds') {
    // Re-arm the pages that faulted: wp([start, end)) of the dirty bounds (V2).
    const b = ctx.state.bounds;
    const first = Math.max(spec.first, b.start);
    return [first, Math.max(0, Math.min(spec.first + spec.nr, b.end) - first)];
  }
  return [r.first, r.nr];
}

interface Range {
  readonly first: number;
  readonly nr: number;
}

/** The step's locals into the frame: the snapshot, when this step took one. */
function saveLocals(e: CallerEmit, taken: boolean, snapshot: number): void {
  if (taken) e.set('snapshot', snapshot);
}

export const callerProgram: StepMachine = {
  layout: CALLER,
  options(ctx, frame) {
    const spec = callerSpec(ctx);
    if (spec.kind === 'drain' && frame.pc === 0 && !drainReady(ctx.state, ctx)) return 0;
    const op = programOfTid(ctx.tid, spec)[frame.pc];
    if (op?.op !== 'lock') return 1;
    return canAcquire(ctx.state, lockIndex(ctx, op.lock), modeOf(op.mode)) ? 1 : 0;
  },
  step(ctx, frame) {
    const spec = callerSpec(ctx);
    const ops = programOfTid(ctx.tid, spec);
    const e = CALLER.emit(ctx.tid);
    const bits = new Bits(ctx, e);
    const copyToDevice = spec.kind === 'consumer' || spec.copy !== false;
    const end = spec.first + spec.nr;
    let snapshot = CALLER.get(frame, 'snapshot');
    let snapshotTaken = false;
    for (let pc = frame.pc; pc < ops.length; pc++) {
      const op = ops[pc] as FlatOp;
      switch (op.op) {
        case 'lock':
          if (pc !== frame.pc) {
            saveLocals(e, snapshotTaken, snapshot);
            return e.gotoOp(pc).ev;
          }
          e.acquire(lockIndex(ctx, op.lock), modeOf(op.mode));
          break;
        case 'unlock':
          e.release(lockIndex(ctx, op.lock), modeOf(op.mode));
          break;
        case 'yield':
          saveLocals(e, snapshotTaken, snapshot);
          return e.gotoOp(pc + 1).ev;
        case 'wrprotect':
        case 'clean': {
          const [first, nr] = helperRange(ctx, spec, op.range);
          const bm = op.op === 'clean' ? bitmapId(ctx, op.into) : 0;
          saveLocals(e, snapshotTaken, snapshot);
          return e.gotoOp(pc + 1).call(HELPER, helperArgs(op.op, first, nr, bm)).ev;
        }
        case 'unmap-mapping': {
          // unmap_mapping_range (Z3): runs as its own steps, like a helper call.
          const [first, nr] = helperRange(ctx, spec, op.range);
          saveLocals(e, snapshotTaken, snapshot);
          return e.gotoOp(pc + 1).call(UNMAP_MAPPING, { first, nr }).ev;
        }
        case 'snapshot': {
          const bm = bitmapId(ctx, op.from);
          snapshot = 0;
          snapshotTaken = true;
          for (let p = spec.first; p < end; p++)
            if (bits.get(bm, p) === 1) {
              snapshot |= 1 << p;
              bits.put(bm, p, 0);
            }
          break;
        }
        case 'clear':
        case 'set': {
          const bm = bitmapId(ctx, op.bitmap);
          for (let p = spec.first; p < end; p++) bits.put(bm, p, op.op === 'set' ? 1 : 0);
          break;
        }
        case 'copy': {
          const bm = bitmapId(ctx, op.from);
          for (let p = spec.first; p < end; p++) {
            const take =
              op.pages === 'all' ||
              (op.pages === 'snapshot' ? (snapshot & (1 << p)) !== 0 : bits.get(bm, p) === 1);
            if (!take) continue;
            if (copyToDevice) e.push({ type: 'dev/copy', tid: ctx.tid, page: p });
            if (op.pages === 'recorded' && op.clear) bits.put(bm, p, 0);
          }
          break;
        }
        case 'transfer':
          // vmw_bo_dirty_transfer_to_res for the resource [first, end): within the dirty bounds (V2, S-16).
          vmwTransfer(ctx, e, bits, spec.first, end, copyToDevice);
          break;
        case 'scan':
        case 'dirty-add':
        case 'unmap':
        case 'validate': {
          // vmwgfx's tracker (src/kernel/vmwgfx.ts), run as its own machine (V5, V6, V8).
          const [first, nr] =
            op.op === 'unmap' ? helperRange(ctx, spec, op.range) : [spec.first, spec.nr];
          const arg =
            op.op === 'dirty-add'
              ? Number(op.method === 'mkwrite')
              : op.op === 'validate'
                ? Number(op.dirtying)
                : op.op === 'unmap'
                  ? Number(op.via === 'ttm_bo_unmap_virtual')
                  : 0;
          saveLocals(e, snapshotTaken, snapshot);
          return e.gotoOp(pc + 1).call(VMW, vmwArgs(op.op, first, nr, arg)).ev;
        }
        case 'done-if-clean': {
          // vmw_bo_dirty_scan_mkwrite: nothing recorded → nothing to do.
          const bm = bitmapId(ctx, op.bitmap);
          let any = false;
          for (let p = spec.first; p < end; p++) if (bits.get(bm, p) === 1) any = true;
          if (any) break;
          for (const h of heldBefore(ops, pc).reverse())
            if (h.op === 'lock') e.release(lockIndex(ctx, h.lock), modeOf(h.mode));
          saveLocals(e, snapshotTaken, snapshot);
          return e.ret().ev;
        }
      }
    }
    saveLocals(e, snapshotTaken, snapshot);
    return e.ret().ev;
  },
};
