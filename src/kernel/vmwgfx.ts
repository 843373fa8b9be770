import type { CallerThreadSpec } from '../scenario/types.js';
import type { FrameView } from '../state/types.js';
import { threadSpec, type StepCtx, type StepMachine } from './step.js';
import { defineMachine, type Emit, type EmitOf } from './machine.js';
import { HELPER, helperArgs } from './helper.js';
import { UNMAP_MAPPING } from './unmapMapping.js';

/**
 * vmwgfx's dirty tracker of a BO beyond one scan protocol (drivers/gpu/drm/vmwgfx/
 * vmwgfx_page_dirty.c, vmwgfx_resource.c; rules V5, V6, V8): the method switch of
 * vmw_bo_dirty_scan(), vmw_bo_dirty_add(), vmw_bo_dirty_unmap() and the dirty part of
 * vmw_resource_do_validate(). A caller program runs it with the BO reserved (the driver lock,
 * V1), as operations `scan`, `dirty-add`, `unmap`, `validate` (src/scenario/program.ts). The BO
 * is the thread's page range; the bitmap is the driver's (bitmap 0), indexed by page.
 *
 *   start       dispatch on the operation (and, for a scan, on the method now).
 *   ptScanned   after clean_record(BO): nothing marked → change_count++, else 0; above
 *               VMW_DIRTY_NUM_CHANGE_TRIGGERS switch to MKWRITE: wp(BO) …
 *   switchWp    … then clean_record(BO) into the bitmap (and the dirty bounds).
 *   mkScanned   after wp([start, end)): more than VMW_DIRTY_PERCENTAGE of the BO's pages
 *               write-protected → change_count++, else 0; above the trigger count switch to
 *               PAGETABLE: clean_record(BO) with local bounds …
 *   mkSwitched  … then bitmap_clear(BO) and bitmap_set([start, end)) of the dirty bounds
 *               from before that clean: bits it harvested outside them are dropped.
 *   addWp       vmw_bo_dirty_add in MKWRITE: after wp(BO), clean_record(BO).
 *   preUnmapWp  vmw_bo_dirty_pre_unmap (PAGETABLE only): after wp(range), clean_record(range).
 *   zap         after the harvest, unmap_shared_mapping_range(range): the UNMAP_MAPPING machine
 *               (src/kernel/unmapMapping.ts, Z3) runs as its own steps, i_mmap then one
 *               zap_page_range_single per VMA of the i_mmap tree, one PTE per step (the ZAP
 *               machine, Z1/Z2: a special PTE's dirty bit is dropped, a page-backed one
 *               dirties its page). Without a harvest `start` calls it directly.
 *   done        return after the last helper call (or after the zap of an `unmap`).
 *   validated   after the zap of a `validate`: the transfer (V8).
 *
 * The kernel's constants are fixed; a scenario sets change_count at start
 * (`driver.changeCount`) to start near a switch.
 */
export const VMW = defineMachine('vmw', {
  locals: [
    /** 0 scan, 1 dirty-add, 2 unmap, 3 validate. */
    'op',
    /** The range the operation works on (the BO, or the unmap range). */
    'first',
    'nr',
    /** dirty-add: 1 MKWRITE, 0 PAGETABLE; validate: 1 dirtying; unmap: 1 ttm_bo_unmap_virtual. */
    'arg',
    /** The last helper's return value (num_marked). */
    'marked',
    /** The dirty bounds before the MKWRITE→PAGETABLE switch's clean_record. */
    'saveStart',
    'saveEnd',
  ],
  labels: [
    'start',
    'ptScanned',
    'switchWp',
    'mkScanned',
    'mkSwitched',
    'addWp',
    'preUnmapWp',
    'zap',
    'done',
    'validated',
  ],
  result: 'marked',
});

/** VMW_DIRTY_NUM_CHANGE_TRIGGERS: a switch happens when change_count exceeds it. */
export const VMW_DIRTY_NUM_CHANGE_TRIGGERS = 2;
/** VMW_DIRTY_PERCENTAGE: MKWRITE scans that re-protect more of the BO count as triggers. */
export const VMW_DIRTY_PERCENTAGE = 10;

export const VMW_OP = { scan: 0, 'dirty-add': 1, unmap: 2, validate: 3 } as const;

type VmwEmit = EmitOf<typeof VMW>;
const get = VMW.get;
const Pc = VMW.pc;

/**
 * The tracker's method now: the state's when the scenario switches methods (V5), else the
 * scenario's constant. vmw_bo_vm_fault (V3) and vmw_bo_vm_mkwrite (V4) read it.
 */
export function trackerMethod(ctx: StepCtx): 'mkwrite' | 'pagetable' {
  const v = ctx.state.vmw;
  if (v === undefined) return ctx.layout.scenario.driver.mode;
  return v.method === 1 ? 'mkwrite' : 'pagetable';
}

/** Set method, change_count and res_dirty (only what differs is an event). */
function setTracker(
  ctx: StepCtx,
  e: Emit,
  to: { method?: 'mkwrite' | 'pagetable'; count?: number; res?: number },
): void {
  const v = ctx.state.vmw;
  if (v === undefined) return;
  const method = to.method ?? (v.method === 1 ? 'mkwrite' : 'pagetable');
  const count = to.count ?? v.count;
  const res = to.res ?? v.res;
  if ((method === 'mkwrite' ? 1 : 0) === v.method && count === v.count && res === v.res) return;
  e.push({ type: 'vmw/set', tid: ctx.tid, method, count, res });
}

/**
 * vmw_resources_clean() from vmw_bo_vm_fault (under the BO reservation): a dirty resource
 * over the faulting page is read back and its res_dirty cleared (the read-back's data is not
 * modelled: the ghost tracks CPU stores only).
 */
export function vmwResourcesClean(ctx: StepCtx, e: Emit): void {
  if (ctx.state.vmw?.res === 1) setTracker(ctx, e, { res: 0 });
}

/** Bit access for {@link vmwTransfer}: the state's bitmap with a step's earlier changes. */
export interface BitAccess {
  get(bm: number, page: number): number;
  put(bm: number, page: number, value: 0 | 1): void;
}

/**
 * vmw_bo_dirty_transfer_to_res() (V2, S-16), drivers/gpu/drm/vmwgfx/vmwgfx_page_dirty.c, for a
 * resource over the BO pages [first, end), holding the reservation:
 *
 *   if (res_start >= dirty->end || res_end <= dirty->start) return;
 *   cur = max(res_start, dirty->start);
 *   res_end = max(res_end, dirty->end);      // S-16: min() in the posted fix
 *   every set bit of [cur, res_end): bitmap_clear, vmw_resource_dirty_update(res, …)
 *   shrink the dirty bounds by [res_start, res_end)
 *
 * vmw_resource_dirty_update() hands the range to the resource's dirty_range_add(), which
 * clamps it to the resource (vmw_surface_dirty_range_add): only pages inside [first, end) are
 * copied to the device (when `copy`). With `max` (mainline, driver option `transferClamp`) a
 * resource that ends before the dirty bounds clears the bits of pages past its end without
 * copying them (S-16). For a resource covering the whole BO both clamps clear and copy the same
 * bits; the bounds left behind are empty either way, (pages, 0) with `max` and (dirty end, 0)
 * with `min` when the dirty bounds ended before the BO.
 */
export function vmwTransfer(
  ctx: StepCtx,
  e: Emit,
  bits: BitAccess,
  first: number,
  end: number,
  copy: boolean,
): void {
  const b = ctx.state.bounds;
  if (first >= b.end || end <= b.start) return;
  const clamp = ctx.layout.scenario.driver.transferClamp ?? 'max';
  const stop = clamp === 'max' ? Math.max(end, b.end) : Math.min(end, b.end);
  for (let p = Math.max(first, b.start); p < stop; p++) {
    if (bits.get(0, p) !== 1) continue;
    if (copy && p < end) e.push({ type: 'dev/copy', tid: ctx.tid, page: p });
    bits.put(0, p, 0);
  }
  // As the kernel writes them (with `max`, a whole-BO transfer leaves (pages, 0)).
  const nStart = first <= b.start && stop > b.start ? stop : b.start;
  const nEnd = first < b.end && stop >= b.end ? first : b.end;
  if (nStart !== b.start || nEnd !== b.end)
    e.push({ type: 'bounds/set', tid: ctx.tid, start: nStart, end: nEnd });
}

/** The state's bitmaps, written through events (no earlier change in the same step). */
function stateBits(ctx: StepCtx, e: Emit): BitAccess {
  return {
    get: (bm, page) => ctx.state.bitmaps[bm]?.[page] ?? 0,
    put(bm, page, value) {
      if ((ctx.state.bitmaps[bm]?.[page] ?? 0) === value) return;
      e.push({ type: value === 1 ? 'bitmap/set' : 'bitmap/clear', tid: ctx.tid, bm, bit: page });
    },
  };
}

function spec(ctx: StepCtx): CallerThreadSpec {
  return threadSpec(ctx, 'caller', 'drain');
}

/**
 * unmap_shared_mapping_range(range) (vmw_bo_dirty_unmap) or, with `arg` 1 on an `unmap`,
 * ttm_bo_unmap_virtual → drm_vma_node_unmap: both are unmap_mapping_range over the range, the
 * UNMAP_MAPPING machine (Z3, V6). A `validate` resumes at `validated` for the transfer.
 */
function callZap(frame: FrameView, e: VmwEmit, op: number): VmwEmit {
  return e
    .goto(op === VMW_OP.validate ? 'validated' : 'done')
    .call(UNMAP_MAPPING, { first: get(frame, 'first'), nr: get(frame, 'nr') });
}

/** After the zap of a `validate`: transfer, and a dirtying use leaves res_dirty set. */
function finishValidate(ctx: StepCtx, frame: FrameView, e: VmwEmit) {
  const s = spec(ctx);
  vmwTransfer(ctx, e, stateBits(ctx, e), s.first, s.first + s.nr, s.copy !== false);
  if (get(frame, 'arg') === 1) setTracker(ctx, e, { res: 1 });
}

export const vmwProgram: StepMachine = {
  layout: VMW,
  options() {
    return 1;
  },
  step(ctx, frame) {
    const e = VMW.emit(ctx.tid);
    const first = get(frame, 'first');
    const nr = get(frame, 'nr');
    const op = get(frame, 'op');
    // Read at every pc, though only the scans' ends use it: a step that reads the state is
    // never a local step (src/explore/localStep.ts). Read in those two cases alone, the
    // goto/call/return steps become local and the explorer reduces differently (fewer
    // transitions and more ample states on the vmwgfx-* scenarios).
    const count = ctx.state.vmw?.count ?? 0;
    switch (frame.pc) {
      case Pc.start:
        if (op === VMW_OP.scan) {
          if (trackerMethod(ctx) === 'pagetable')
            // vmw_bo_dirty_scan_pagetable: clean_record(BO).
            return e.goto('ptScanned').call(HELPER, helperArgs('clean', first, nr, 0)).ev;
          // vmw_bo_dirty_scan_mkwrite: nothing recorded → return; else wp([start, end)).
          const b = ctx.state.bounds;
          if (b.end <= b.start) return e.ret().ev;
          return e
            .goto('mkScanned')
            .call(HELPER, helperArgs('wrprotect', b.start, b.end - b.start, 0)).ev;
        }
        if (op === VMW_OP['dirty-add']) {
          // vmw_bo_dirty_add: a zeroed bitmap, bounds empty, change_count 0.
          const mkwrite = get(frame, 'arg') === 1;
          setTracker(ctx, e, { method: mkwrite ? 'mkwrite' : 'pagetable', count: 0 });
          const bits = stateBits(ctx, e);
          for (let p = first; p < first + nr; p++) bits.put(0, p, 0);
          const pages = ctx.layout.scenario.pages;
          const b = ctx.state.bounds;
          if (b.start !== pages || b.end !== 0)
            e.push({ type: 'bounds/set', tid: ctx.tid, start: pages, end: 0 });
          if (!mkwrite) return e.ret().ev;
          // "Write-protect and then pick up already dirty bits".
          return e.goto('addWp').call(HELPER, helperArgs('wrprotect', first, nr, 0)).ev;
        }
        // validate: vmw_bo_dirty_unmap only for a dirtying use of a resource not res_dirty.
        if (op === VMW_OP.validate && !(get(frame, 'arg') === 1 && ctx.state.vmw?.res === 0)) {
          finishValidate(ctx, frame, e);
          return e.ret().ev;
        }
        // vmw_bo_dirty_pre_unmap: PAGETABLE only, wp + clean_record, then the zap.
        // ttm_bo_unmap_virtual zaps without it.
        const harvest = !(op === VMW_OP.unmap && get(frame, 'arg') === 1);
        if (harvest && trackerMethod(ctx) === 'pagetable' && nr > 0)
          return e.goto('preUnmapWp').call(HELPER, helperArgs('wrprotect', first, nr, 0)).ev;
        return callZap(frame, e, op).ev;
      case Pc.ptScanned: {
        const next = get(frame, 'marked') === 0 ? count + 1 : 0;
        if (next > VMW_DIRTY_NUM_CHANGE_TRIGGERS) {
          // Switch to MKWRITE: the method first, then wp(BO) and clean_record(BO) (V5).
          setTracker(ctx, e, { method: 'mkwrite', count: 0 });
          return e.goto('switchWp').call(HELPER, helperArgs('wrprotect', first, nr, 0)).ev;
        }
        setTracker(ctx, e, { count: next });
        return e.ret().ev;
      }
      case Pc.switchWp:
      case Pc.addWp:
        return e.goto('done').call(HELPER, helperArgs('clean', first, nr, 0)).ev;
      case Pc.mkScanned: {
        const pct = Math.floor((100 * get(frame, 'marked')) / Math.max(1, nr));
        const next = pct > VMW_DIRTY_PERCENTAGE ? count + 1 : 0;
        if (next > VMW_DIRTY_NUM_CHANGE_TRIGGERS) {
          // Switch to PAGETABLE: clean_record(BO) with local bounds (V5).
          setTracker(ctx, e, { method: 'pagetable', count: 0 });
          const b = ctx.state.bounds;
          return e
            .set('saveStart', b.start)
            .set('saveEnd', b.end)
            .goto('mkSwitched')
            .call(HELPER, helperArgs('clean', first, nr, 0)).ev;
        }
        setTracker(ctx, e, { count: next });
        return e.ret().ev;
      }
      case Pc.mkSwitched: {
        // bitmap_clear(BO); if (start < end) bitmap_set([start, end)). The clean_record ran
        // with local bounds: the dirty bounds are what they were before it.
        const start = get(frame, 'saveStart');
        const end = get(frame, 'saveEnd');
        const bits = stateBits(ctx, e);
        for (let p = first; p < first + nr; p++) bits.put(0, p, p >= start && p < end ? 1 : 0);
        const b = ctx.state.bounds;
        if (b.start !== start || b.end !== end)
          e.push({ type: 'bounds/set', tid: ctx.tid, start, end });
        return e.ret().ev;
      }
      case Pc.preUnmapWp:
        return e.goto('zap').call(HELPER, helperArgs('clean', first, nr, 0)).ev;
      case Pc.zap:
        return callZap(frame, e, op).ev;
      case Pc.validated:
        finishValidate(ctx, frame, e);
        return e.ret().ev;
      case Pc.done:
        return e.ret().ev;
      default:
        return VMW.badPc(frame);
    }
  },
};

/** The locals of a `vmw` frame for a caller operation (the caller machine pushes it). */
export function vmwArgs(
  op: keyof typeof VMW_OP,
  first: number,
  nr: number,
  arg = 0,
): { op: number; first: number; nr: number; arg: number } {
  return { op: VMW_OP[op], first, nr, arg };
}
