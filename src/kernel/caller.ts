import { at } from '../errors.js';
import type { CallerThreadSpec, ThreadSpec } from '../scenario/types.js';
import type { SimState } from '../state/types.js';
import { HELPER, helperArgs } from './helper.js';
import { canAcquire, threadSpec, type StepCtx, type StepMachine } from './step.js';
import { defineMachine, type EmitOf } from './machine.js';

/**
 * Kernel-side users of the helpers (SEMANTICS §7 and the SPIN anchor's protocols).
 * Locals and labels: {@link CALLER}.
 *
 * snap (wrprotect):   pc0 [driver lock] snapshot+clear bitmap bits → call wrprotect
 *                     pc1 [driver lock] copy the snapshot's pages to the device
 * lit (wrprotect):    pc0 call wrprotect   pc1 [driver lock] copy pages whose bit is set,
 *                     clear them (the SPIN anchor's literal brief, PROTO=1)
 * clean:              pc0 call clean_record into a private bitmap
 *                     pc1 [driver lock] copy recorded pages, clear their bits
 * vmwgfx-mkwrite:     pc0 take the driver lock (BO resv); no bits → unlock, done (V2)
 *                     pc1 call wrprotect([start, end))   pc2 transfer: copy+clear, unlock
 * vmwgfx-pagetable:   pc0 take the driver lock   pc1 call clean_record(all) into the
 *                     driver's bitmap   pc2 transfer: copy+clear, unlock
 * A `drain` runs the same code once every user thread and caller has finished.
 */
export function callerSpec(ctx: StepCtx): CallerThreadSpec {
  return threadSpec(ctx, 'caller', 'drain');
}

export const CALLER = defineMachine('caller', {
  locals: [
    /** snap: the snapshot's bitmask of pages. */
    'snapshot',
  ],
  labels: ['start', 'second', 'third'],
});
const P = CALLER.pc;

/** Threads that run last: drains and final writeback passes. */
export function isFinalThread(spec: ThreadSpec): boolean {
  return spec.kind === 'drain' || (spec.kind === 'writeback' && spec.final);
}

/** A drain (or final writeback) waits for every thread that is not itself final to finish. */
export function drainReady(state: SimState, ctx: StepCtx): boolean {
  const threads = ctx.layout.scenario.threads;
  for (let t = 0; t < threads.length; t++)
    if (!isFinalThread(at(threads, t)) && (state.threads[t]?.stack.length ?? 0) > 0) return false;
  return true;
}

/** Copy every page whose bit is set in bitmap `bm` within the spec's range, clearing it. */
function transfer(
  ctx: StepCtx,
  spec: CallerThreadSpec,
  e: EmitOf<typeof CALLER>,
  bm: number,
): void {
  const bits = ctx.state.bitmaps[bm] ?? [];
  for (let p = spec.first; p < spec.first + spec.nr; p++) {
    if (bits[p] !== 1) continue;
    if (spec.copy !== false) e.push({ type: 'dev/copy', tid: ctx.tid, page: p });
    e.push({ type: 'bitmap/clear', tid: ctx.tid, bm, bit: p });
  }
}

export const callerProgram: StepMachine = {
  layout: CALLER,
  options(ctx, frame) {
    const spec = callerSpec(ctx);
    if (spec.kind === 'drain' && frame.pc === P.start && !drainReady(ctx.state, ctx)) return 0;
    const needsLock =
      (spec.protocol === 'snap' && (frame.pc === P.start || frame.pc === P.second)) ||
      ((spec.protocol === 'clean' || spec.protocol === 'lit') && frame.pc === P.second) ||
      (spec.protocol.startsWith('vmwgfx') && frame.pc === P.start);
    return needsLock && !canAcquire(ctx.state, ctx.layout.driverLock, 'w') ? 0 : 1;
  },
  step(ctx, frame) {
    const spec = callerSpec(ctx);
    const e = CALLER.emit(ctx.tid);
    const lock = ctx.layout.driverLock;
    const bits = ctx.state.bitmaps[0] ?? [];
    switch (spec.protocol) {
      case 'snap':
        if (frame.pc === P.start) {
          let mask = 0;
          e.acquire(lock);
          for (let p = spec.first; p < spec.first + spec.nr; p++) {
            if (bits[p] !== 1) continue;
            mask |= 1 << p;
            e.push({ type: 'bitmap/clear', tid: ctx.tid, bm: 0, bit: p });
          }
          e.release(lock);
          return e
            .set('snapshot', mask)
            .goto('second')
            .call(HELPER, helperArgs('wrprotect', spec.first, spec.nr, 0)).ev;
        }
        {
          const mask = CALLER.get(frame, 'snapshot');
          e.acquire(lock);
          for (let p = spec.first; p < spec.first + spec.nr; p++)
            if (mask & (1 << p)) e.push({ type: 'dev/copy', tid: ctx.tid, page: p });
          e.release(lock);
          return e.ret().ev;
        }
      case 'lit':
        if (frame.pc === P.start)
          return e.goto('second').call(HELPER, helperArgs('wrprotect', spec.first, spec.nr, 0)).ev;
        e.acquire(lock);
        transfer(ctx, spec, e, 0);
        e.release(lock);
        return e.ret().ev;
      case 'clean': {
        const bm = ctx.layout.bitmapOf[ctx.tid] ?? 0;
        if (frame.pc === P.start)
          return e.goto('second').call(HELPER, helperArgs('clean', spec.first, spec.nr, bm)).ev;
        e.acquire(lock);
        transfer(ctx, spec, e, bm);
        e.release(lock);
        return e.ret().ev;
      }
      case 'vmwgfx-mkwrite':
      case 'vmwgfx-pagetable': {
        const mkwrite = spec.protocol === 'vmwgfx-mkwrite';
        if (frame.pc === P.start) {
          e.acquire(lock);
          if (mkwrite) {
            let any = false;
            for (let p = spec.first; p < spec.first + spec.nr; p++) if (bits[p] === 1) any = true;
            if (!any) return e.release(lock).ret().ev; // vmw_bo_dirty_scan_mkwrite: nothing to do
          }
          return e.goto('second').ev;
        }
        if (frame.pc === P.second) {
          if (mkwrite) {
            // Re-arm the pages that faulted: wp([start, end)) of the dirty bounds (V2).
            const b = ctx.state.bounds;
            const first = Math.max(spec.first, b.start);
            const nr = Math.max(0, Math.min(spec.first + spec.nr, b.end) - first);
            return e.goto('third').call(HELPER, helperArgs('wrprotect', first, nr, 0)).ev;
          }
          return e.goto('third').call(HELPER, helperArgs('clean', spec.first, spec.nr, 0)).ev;
        }
        transfer(ctx, spec, e, 0);
        const pages = ctx.layout.scenario.pages;
        const b = ctx.state.bounds;
        if (b.start !== pages || b.end !== 0)
          e.push({ type: 'bounds/set', tid: ctx.tid, start: pages, end: 0 });
        return e.release(lock).ret().ev;
      }
    }
  },
};
