import type { SimEvent } from '../events/index.js';
import { PTE_NONE, pteIsPresent } from '../state/pte.js';
import { mmapLock, pageLock, ptlLock } from '../state/layout.js';
import type { FrameView } from '../state/types.js';
import { canAcquire, type StepCtx, type StepMachine } from './step.js';
import { defineMachine, type EmitOf } from './machine.js';
import { accessorOf } from './accessor.js';
import { trackerMethod, vmwResourcesClean } from './vmwgfx.js';
import { hasFlag, hasSpecialPtes, vmaOf } from './vmas.js';
import type { VmaSpec } from '../scenario/types.js';

/**
 * The write/read fault path for a VM_SHARED mapping (mm/memory.c; docs/rules/fault.md §4, F1–F6), for a
 * pfn mapping (VM_PFNMAP: wp_pfn_shared) and a page-backed one (wp_page_shared).
 * Locals and labels: {@link FAULT}.
 *
 * faithful (default):
 *   enter       handle_pte_fault: lockless read of orig_pte (F1); none → doFault.
 *   locked      take PTL, pte_same(orig)? else retry. Write to !pte_write: pfn map →
 *               wp_pfn_shared drops the PTL (F3) → pfnMkwrite; page-backed → wp_page_shared
 *               drops the PTL → pageMkwrite. Write to pte_write → pte_mkdirty under PTL (F4);
 *               read → young.
 *   pfnMkwrite  ->pfn_mkwrite (vmw_bo_vm_mkwrite): under the driver lock, MKWRITE mode records
 *               the page in the bitmap (V4, F2: no PTL held).
 *   finish      finish_mkwrite_fault: take PTL, pte_same(orig)? → wp_page_reuse:
 *               writable+dirty+young.
 *   pageMkwrite do_page_mkwrite: ->page_mkwrite (the driver's record under its lock, as
 *               pfnMkwrite), then the page lock, kept until the PTE is writable (F6);
 *               folio_mark_dirty (filemap_page_mkwrite).
 *   finishPage  finish_mkwrite_fault under the page lock: pte_same → wp_page_reuse; then
 *               fault_dirty_shared_page: set_page_dirty, unlock_page. !pte_same → unlock, retry.
 *   doFault     do_fault: pfn map → vmw_bo_vm_fault: under the driver lock, insert_pfn under the PTL
 *       if still none, read-only in MKWRITE mode (V3); page-backed → filemap_fault returns the
 *       page locked, finish_fault maps it read-only (write-notify); the retried write then takes
 *       the wp_page_shared path (do_shared_fault's page_mkwrite folded into that retry).
 * atomic: the whole handler is one step holding the PTL, the driver lock and (page-backed) the
 * page lock (the SPIN anchor's granularity: "Fault handler: one atomic step under the PTL").
 *
 * mmap_lock: held for read from entry to exit when the scenario has a writer of it (mprotect,
 * clear_refs take it for write); otherwise it is left out (readers never block each other).
 */
export const FAULT = defineMachine('fault', {
  locals: [
    'vpn',
    /** 1 for a write fault. */
    'isWrite',
    /** orig_pte, read without the PTL (F1). */
    'orig',
  ],
  // Explicit numbers: doFault has been pc 10 in every recorded log.
  labels: {
    enter: 0,
    locked: 1,
    pfnMkwrite: 2,
    finish: 3,
    pageMkwrite: 4,
    finishPage: 5,
    doFault: 10,
  },
});
const Pc = FAULT.pc;
type FaultEmit = EmitOf<typeof FAULT>;

/**
 * ->page_mkwrite / ->pfn_mkwrite under the driver lock (F2: vmw_bo_vm_mkwrite takes the BO
 * reservation); in MKWRITE mode it sets the bit and widens the bounds (V4).
 */
function mkwriteUnderDriverLock(ctx: StepCtx, e: FaultEmit, page: number): void {
  const driver = ctx.layout.driverLock;
  e.acquire(driver);
  recordMkwrite(ctx, e, page);
  e.release(driver);
}

/** vmw_bo_vm_mkwrite in MKWRITE mode: set the bit and widen the bounds (V4). */
function recordMkwrite(ctx: StepCtx, e: FaultEmit, page: number): void {
  if (trackerMethod(ctx) !== 'mkwrite') return;
  if (ctx.state.bitmaps[0]?.[page] === 1) return;
  e.push({ type: 'bitmap/set', tid: ctx.tid, bm: 0, bit: page });
  const b = ctx.state.bounds;
  const start = Math.min(b.start, page);
  const end = Math.max(b.end, page + 1);
  if (start !== b.start || end !== b.end) e.push({ type: 'bounds/set', tid: ctx.tid, start, end });
}

/** folio_mark_dirty(): PG_dirty of a page-backed page. */
function markDirty(ctx: StepCtx, e: FaultEmit, page: number): void {
  if (ctx.state.pageDirty?.[page] === 0)
    e.push({ type: 'page/dirty', tid: ctx.tid, page, value: 1 });
}

interface FaultInfo {
  mm: number;
  cpu: number;
  vpn: number;
  isWrite: boolean;
  page: number;
  vmaWritable: boolean;
  /** A page-backed VMA (no VM_PFNMAP): wp_page_shared, page lock, PG_dirty. */
  pageBacked: boolean;
  ptl: number;
  pageLock: number;
  mmap: number;
}

/** What {@link info} finds for (thread, vpn) from the scenario and layout alone. */
interface FaultPlace {
  readonly mm: number;
  readonly cpu: number;
  readonly vma: VmaSpec | undefined;
  readonly vmaIndex: number;
  readonly page: number;
  readonly pageBacked: boolean;
  /** The scenario's VM_WRITE and VM_SHARED of the VMA. */
  readonly write: boolean;
  readonly shared: boolean;
  readonly ptl: number;
  readonly pageLock: number;
  readonly mmap: number;
}

function placeOf(ctx: StepCtx, vpn: number): FaultPlace {
  const who = accessorOf(ctx);
  const vma = vmaOf(ctx.layout.scenario, who.mm, vpn);
  const page = vma ? vma.pgoff + (vpn - vma.start) : -1;
  const pageBacked = vma !== undefined && !hasSpecialPtes(vma);
  return {
    mm: who.mm,
    cpu: who.cpu,
    vma,
    vmaIndex: vma ? (ctx.layout.scenario.mms[who.mm]?.vmas.indexOf(vma) ?? -1) : -1,
    page,
    pageBacked,
    write: vma !== undefined && hasFlag(vma, 'write'),
    shared: vma !== undefined && hasFlag(vma, 'shared'),
    ptl: ptlLock(ctx.layout, who.mm, vpn),
    pageLock: pageBacked ? pageLock(ctx.layout, page) : -1,
    mmap: mmapLock(ctx.layout, who.mm),
  };
}

/**
 * Places by thread and vpn, for the last layout asked about: a fault's options and step ask
 * on every state, and the scan of the VMAs behind a place is the same every time.
 */
let placesLayout: StepCtx['layout'] | null = null;
let places: (FaultPlace | undefined)[][] = [];
function place(ctx: StepCtx, vpn: number): FaultPlace {
  if (ctx.layout !== placesLayout) {
    placesLayout = ctx.layout;
    places = [];
  }
  const row = (places[ctx.tid] ??= []);
  let p = row[vpn];
  if (p === undefined) row[vpn] = p = placeOf(ctx, vpn);
  return p;
}

function info(ctx: StepCtx, frame: FrameView): FaultInfo {
  const vpn = FAULT.get(frame, 'vpn');
  const p = place(ctx, vpn);
  // VM_WRITE: the scenario's, unless mprotect changed it (state.vmWrite, under mmap_lock).
  const vmWrite = ctx.state.vmWrite?.[p.mm]?.[p.vmaIndex];
  const isVmWrite = p.vma !== undefined && (vmWrite === undefined ? p.write : vmWrite === 1);
  return {
    mm: p.mm,
    cpu: p.cpu,
    vpn,
    isWrite: FAULT.get(frame, 'isWrite') === 1,
    page: p.page,
    vmaWritable: isVmWrite && p.shared,
    pageBacked: p.pageBacked,
    ptl: p.ptl,
    pageLock: p.pageLock,
    mmap: p.mmap,
  };
}

/**
 * do_shared_fault() (mm/memory.c): a write fault on a none PTE of a page-backed shared
 * writable mapping calls do_page_mkwrite() (->page_mkwrite: the driver's record, PG_dirty)
 * after __do_fault, then finish_fault maps the page writable and dirty (set_pte_range:
 * maybe_mkwrite(pte_mkdirty(entry))) and fault_dirty_shared_page dirties it: one fault, as
 * Linux traces it (conformance finding C-F1, docs/rules/conformance.md: the model used to map
 * the page read-only and take a second, write-protect fault for the mkwrite).
 */
function sharedWriteFault(f: FaultInfo): boolean {
  return f.pageBacked && f.isWrite && f.vmaWritable;
}

/** wp_page_reuse(): orig + young + dirty + writable (MEM step 5). */
function reuse(ctx: StepCtx, orig: number): number {
  const a = ctx.arch;
  return a.pteMkwrite(a.pteMkdirty(a.pteMkyoung(orig)));
}

/**
 * vmw_bo_vm_fault → insert_pfn: protection depends on the method at fault time (V3).
 * Page-backed: finish_fault maps read-only (the mapping wants write-notify), except after
 * do_shared_fault's page_mkwrite (C-F1): writable and dirty.
 */
function insertPte(ctx: StepCtx, f: FaultInfo): number {
  const vma = vmaOf(ctx.layout.scenario, f.mm, f.vpn);
  const shared = sharedWriteFault(f);
  return ctx.arch.mkPte(f.page, {
    write: shared || (f.vmaWritable && !f.pageBacked && trackerMethod(ctx) === 'pagetable'),
    dirty: shared,
    special: vma !== undefined && hasSpecialPtes(vma),
  });
}

function live(ctx: StepCtx, f: FaultInfo): number {
  return ctx.state.mms[f.mm]?.ptes[f.vpn] ?? PTE_NONE;
}

const free = (ctx: StepCtx, lock: number, mode: 'r' | 'w' = 'w'): boolean =>
  lock < 0 || canAcquire(ctx.state, lock, mode);

/** Leave the handler: drop mmap_lock, record the result, pop the frame. */
function exit(ctx: StepCtx, f: FaultInfo, e: FaultEmit, result: string): SimEvent[] {
  if (f.mmap >= 0) e.release(f.mmap, 'r');
  e.push({ type: 'fault/exit', tid: e.tid, result });
  e.ret();
  // SIGSEGV abandons the CPU access too (a device's own loop handles it itself).
  if (result === 'sigsegv') {
    const stack = ctx.state.threads[ctx.tid]?.stack ?? [];
    if (stack[stack.length - 2]?.fn === 'access') e.ret();
  }
  return e.ev;
}

/** Store `v` in the faulting PTE unless it already holds it. */
function setPte(ctx: StepCtx, f: FaultInfo, e: FaultEmit, v: number, fn: string): void {
  if (v !== live(ctx, f))
    e.push({ type: 'pte/set', tid: ctx.tid, mm: f.mm, vpn: f.vpn, pte: v, src: 'sw', fn });
}

/** Enter the handler: the fault event, then mmap_lock for read when it is modelled. */
function enter(ctx: StepCtx, f: FaultInfo, e: FaultEmit): void {
  e.push({
    type: 'fault/enter',
    tid: ctx.tid,
    cpu: f.cpu,
    mm: f.mm,
    vpn: f.vpn,
    write: f.isWrite ? 1 : 0,
  });
  if (f.mmap >= 0) e.acquire(f.mmap, 'r');
}

export const faultProgram: StepMachine = {
  layout: FAULT,
  options(ctx, frame) {
    const f = info(ctx, frame);
    const driver = ctx.layout.driverLock;
    if (ctx.layout.scenario.options.faultPath === 'atomic')
      return free(ctx, f.ptl) &&
        free(ctx, driver) &&
        free(ctx, f.pageLock) &&
        free(ctx, f.mmap, 'r')
        ? 1
        : 0;
    switch (frame.pc) {
      case Pc.enter:
        return free(ctx, f.mmap, 'r') ? 1 : 0;
      case Pc.locked:
      case Pc.finish:
      case Pc.finishPage:
        return free(ctx, f.ptl) ? 1 : 0;
      case Pc.pfnMkwrite:
        return free(ctx, driver) ? 1 : 0;
      case Pc.pageMkwrite:
        return free(ctx, driver) && free(ctx, f.pageLock) ? 1 : 0;
      case Pc.doFault:
        return free(ctx, f.ptl) &&
          (f.pageBacked ? free(ctx, f.pageLock) : free(ctx, driver)) &&
          (!sharedWriteFault(f) || free(ctx, driver))
          ? 1
          : 0;
      default:
        return 1;
    }
  },
  step(ctx, frame) {
    const f = info(ctx, frame);
    const e = FAULT.emit(ctx.tid);
    const a = ctx.arch;
    const pte = live(ctx, f);
    const driver = ctx.layout.driverLock;
    if (ctx.layout.scenario.options.faultPath === 'atomic') {
      enter(ctx, f, e);
      e.acquire(f.ptl);
      let result = 'retry';
      if (!pteIsPresent(pte)) {
        if (sharedWriteFault(f)) {
          mkwriteUnderDriverLock(ctx, e, f.page);
          e.acquire(f.pageLock);
          markDirty(ctx, e, f.page);
        }
        if (!f.pageBacked) vmwResourcesClean(ctx, e); // vmw_bo_vm_fault (V8)
        setPte(ctx, f, e, insertPte(ctx, f), f.pageBacked ? 'finish_fault' : 'insert_pfn');
        if (sharedWriteFault(f)) e.release(f.pageLock);
      } else if (f.isWrite && !a.pteWrite(pte)) {
        if (!f.vmaWritable) result = 'sigsegv';
        else {
          mkwriteUnderDriverLock(ctx, e, f.page);
          if (f.pageBacked) {
            e.acquire(f.pageLock); // F6
            markDirty(ctx, e, f.page);
          }
          setPte(ctx, f, e, reuse(ctx, pte), 'wp_page_reuse');
          if (f.pageBacked) e.release(f.pageLock);
        }
      } else if (f.isWrite)
        setPte(ctx, f, e, a.pteMkdirty(a.pteMkyoung(pte)), 'ptep_set_access_flags');
      else setPte(ctx, f, e, a.pteMkyoung(pte), 'ptep_set_access_flags');
      e.release(f.ptl);
      return exit(ctx, f, e, result);
    }
    switch (frame.pc) {
      case Pc.enter: {
        enter(ctx, f, e);
        // F1: orig_pte is read without the PTL.
        e.set('orig', pte);
        return e.goto(pteIsPresent(pte) ? 'locked' : 'doFault').ev;
      }
      case Pc.locked: {
        const orig = FAULT.get(frame, 'orig');
        e.acquire(f.ptl);
        if (pte !== orig) {
          e.release(f.ptl);
          return exit(ctx, f, e, 'retry'); // F1: pte_same() failed
        }
        if (f.isWrite && !a.pteWrite(orig)) {
          e.release(f.ptl);
          if (!f.vmaWritable) return exit(ctx, f, e, 'sigsegv');
          // wp_pfn_shared() / wp_page_shared(): pte_unmap_unlock() before ->pfn_mkwrite or
          // ->page_mkwrite (F3).
          return e.goto(f.pageBacked ? 'pageMkwrite' : 'pfnMkwrite').ev;
        }
        // F4: software-dirty upgrade (or spurious fault after a stale TLB entry).
        setPte(
          ctx,
          f,
          e,
          f.isWrite ? a.pteMkdirty(a.pteMkyoung(orig)) : a.pteMkyoung(orig),
          'ptep_set_access_flags',
        );
        e.release(f.ptl);
        return exit(ctx, f, e, 'retry');
      }
      case Pc.pfnMkwrite: {
        // F2: vmw_bo_vm_mkwrite under the driver lock (BO resv), no PTL.
        mkwriteUnderDriverLock(ctx, e, f.page);
        return e.goto('finish').ev;
      }
      case Pc.finish:
      case Pc.finishPage: {
        // finish_mkwrite_fault() of wp_pfn_shared (finish) or wp_page_shared (finishPage): under
        // the PTL, !pte_same → NOPAGE, else wp_page_reuse.
        const same = pte === FAULT.get(frame, 'orig');
        e.acquire(f.ptl);
        if (same) setPte(ctx, f, e, reuse(ctx, pte), 'wp_page_reuse');
        e.release(f.ptl);
        if (frame.pc === Pc.finishPage) {
          // wp_page_shared: fault_dirty_shared_page() (set_page_dirty, then unlock_page) after
          // a reuse, else only the unlock — F6: the page lock was held until the PTE became
          // writable.
          if (same) markDirty(ctx, e, f.page);
          e.release(f.pageLock);
        }
        return exit(ctx, f, e, 'retry');
      }
      case Pc.pageMkwrite: {
        // do_page_mkwrite(): ->page_mkwrite (vmw_bo_vm_mkwrite records under the BO resv,
        // filemap_page_mkwrite marks the folio dirty), returning with the page locked (F6).
        mkwriteUnderDriverLock(ctx, e, f.page);
        e.acquire(f.pageLock);
        markDirty(ctx, e, f.page);
        return e.goto('finishPage').ev;
      }
      case Pc.doFault: {
        if (f.pageBacked) {
          // filemap_fault returns the page locked; finish_fault maps it under the PTL. A shared
          // write fault runs do_page_mkwrite first and maps it writable and dirty (C-F1).
          e.acquire(f.pageLock);
          if (sharedWriteFault(f)) {
            mkwriteUnderDriverLock(ctx, e, f.page);
            markDirty(ctx, e, f.page);
          }
          e.acquire(f.ptl);
          if (!pteIsPresent(pte)) setPte(ctx, f, e, insertPte(ctx, f), 'finish_fault');
          e.release(f.ptl);
          e.release(f.pageLock);
          return exit(ctx, f, e, 'retry');
        }
        e.acquire(driver);
        vmwResourcesClean(ctx, e); // vmw_bo_vm_fault: read back a dirty resource first (V8)
        e.acquire(f.ptl);
        if (!pteIsPresent(pte)) setPte(ctx, f, e, insertPte(ctx, f), 'insert_pfn');
        e.release(f.ptl);
        e.release(driver);
        return exit(ctx, f, e, 'retry');
      }
      default:
        return FAULT.badPc(frame);
    }
  },
};
