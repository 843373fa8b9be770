import type { SimEvent } from '../events/index.js';
import { PTE_NONE, pteIsPresent } from '../state/pte.js';
import { ptlLock } from '../state/layout.js';
import { canAcquire, Emit, local, type StepCtx, type StepMachine } from './step.js';
import { userSpec } from './user.js';
import { hasFlag, vmaOf } from './vmas.js';

/**
 * The write/read fault path for a VM_SHARED driver mapping (mm/memory.c; SEMANTICS §4, F1–F6).
 * Locals: [0] vpn, [1] is-write, [2] orig_pte.
 *
 * faithful (default):
 *   pc0 handle_pte_fault: lockless read of orig_pte (F1); none → pc10 (do_fault).
 *   pc1 take PTL, pte_same(orig)? else retry. Write to !pte_write → wp_pfn_shared drops the PTL
 *       (F3); write to pte_write → pte_mkdirty under PTL (F4); read → young.
 *   pc2 ->pfn_mkwrite (vmw_bo_vm_mkwrite): under the driver lock, MKWRITE mode records the
 *       page in the bitmap (V4, F2: no PTL held).
 *   pc3 finish_mkwrite_fault: take PTL, pte_same(orig)? → wp_page_reuse: writable+dirty+young.
 *   pc10 do_fault → vmw_bo_vm_fault: under the driver lock, insert_pfn under the PTL if still
 *       none, read-only in MKWRITE mode (V3); NOPAGE.
 * atomic: the whole handler is one step holding the PTL and the driver lock (the SPIN anchor's
 * granularity: `../anchors/spin`, "Fault handler: one atomic step under the PTL").
 */
const enum Pc {
  Enter = 0,
  Locked = 1,
  PfnMkwrite = 2,
  Finish = 3,
  DoFault = 10,
}

function exit(e: Emit, result: string): SimEvent[] {
  e.push({ type: 'fault/exit', tid: e.tid, result });
  return e.ret().ev;
}

/** vmw_bo_vm_mkwrite in MKWRITE mode: set the bit and widen the bounds (V4). */
function recordMkwrite(ctx: StepCtx, e: Emit, page: number): void {
  if (ctx.layout.scenario.driver.mode !== 'mkwrite') return;
  if (ctx.state.bitmaps[0]?.[page] === 1) return;
  e.push({ type: 'bitmap/set', tid: ctx.tid, bm: 0, bit: page });
  const b = ctx.state.bounds;
  const start = Math.min(b.start, page);
  const end = Math.max(b.end, page + 1);
  if (start !== b.start || end !== b.end) e.push({ type: 'bounds/set', tid: ctx.tid, start, end });
}

interface FaultInfo {
  mm: number;
  cpu: number;
  vpn: number;
  isWrite: boolean;
  page: number;
  vmaWritable: boolean;
  ptl: number;
}

function info(ctx: StepCtx, frame: Parameters<StepMachine['step']>[1]): FaultInfo {
  const spec = userSpec(ctx);
  const vpn = local(frame, 0);
  const vma = vmaOf(ctx.layout.scenario, spec.mm, vpn);
  return {
    mm: spec.mm,
    cpu: spec.cpu,
    vpn,
    isWrite: local(frame, 1) === 1,
    page: vma ? vma.pgoff + (vpn - vma.start) : -1,
    vmaWritable: vma !== undefined && hasFlag(vma, 'write') && hasFlag(vma, 'shared'),
    ptl: ptlLock(ctx.layout, spec.mm, vpn),
  };
}

/** wp_page_reuse(): orig + young + dirty + writable (MEM step 5). */
function reuse(ctx: StepCtx, orig: number): number {
  const a = ctx.arch;
  return a.pteMkwrite(a.pteMkdirty(a.pteMkyoung(orig)));
}

/** vmw_bo_vm_fault → insert_pfn: protection depends on the method at fault time (V3). */
function insertPte(ctx: StepCtx, f: FaultInfo): number {
  const vma = vmaOf(ctx.layout.scenario, f.mm, f.vpn);
  return ctx.arch.mkPte(f.page, {
    write: f.vmaWritable && ctx.layout.scenario.driver.mode === 'pagetable',
    dirty: false,
    special: vma !== undefined && hasFlag(vma, 'pfnmap'),
  });
}

function live(ctx: StepCtx, f: FaultInfo): number {
  return ctx.state.mms[f.mm]?.ptes[f.vpn] ?? PTE_NONE;
}

export const faultProgram: StepMachine = {
  options(ctx, frame) {
    const f = info(ctx, frame);
    const s = ctx.state;
    const driver = ctx.layout.driverLock;
    if (ctx.layout.scenario.options.faultPath === 'atomic')
      return canAcquire(s, f.ptl, 'w') && canAcquire(s, driver, 'w') ? 1 : 0;
    switch (frame.pc) {
      case Pc.Locked:
      case Pc.Finish:
        return canAcquire(s, f.ptl, 'w') ? 1 : 0;
      case Pc.PfnMkwrite:
        return canAcquire(s, driver, 'w') ? 1 : 0;
      case Pc.DoFault:
        return canAcquire(s, f.ptl, 'w') && canAcquire(s, driver, 'w') ? 1 : 0;
      default:
        return 1;
    }
  },
  step(ctx, frame) {
    const f = info(ctx, frame);
    const e = new Emit(ctx.tid);
    const a = ctx.arch;
    const pte = live(ctx, f);
    const setPte = (v: number, fn: string): void => {
      if (v !== live(ctx, f)) e.push({ type: 'pte/set', tid: ctx.tid, mm: f.mm, vpn: f.vpn, pte: v, src: 'sw', fn });
    };
    const driver = ctx.layout.driverLock;
    if (ctx.layout.scenario.options.faultPath === 'atomic') {
      e.push({ type: 'fault/enter', tid: ctx.tid, cpu: f.cpu, mm: f.mm, vpn: f.vpn, write: f.isWrite ? 1 : 0 });
      e.acquire(f.ptl);
      let result = 'retry';
      if (!pteIsPresent(pte)) setPte(insertPte(ctx, f), 'insert_pfn');
      else if (f.isWrite && !a.pteWrite(pte)) {
        if (!f.vmaWritable) result = 'sigsegv';
        else {
          e.acquire(driver);
          recordMkwrite(ctx, e, f.page);
          e.release(driver);
          setPte(reuse(ctx, pte), 'wp_page_reuse');
        }
      } else if (f.isWrite) setPte(a.pteMkdirty(a.pteMkyoung(pte)), 'ptep_set_access_flags');
      else setPte(a.pteMkyoung(pte), 'ptep_set_access_flags');
      e.release(f.ptl);
      if (result === 'sigsegv') {
        e.push({ type: 'fault/exit', tid: ctx.tid, result });
        return e.ret().ret().ev; // the access is abandoned too
      }
      return exit(e, result);
    }
    switch (frame.pc) {
      case Pc.Enter: {
        e.push({ type: 'fault/enter', tid: ctx.tid, cpu: f.cpu, mm: f.mm, vpn: f.vpn, write: f.isWrite ? 1 : 0 });
        // F1: orig_pte is read without the PTL.
        e.set(2, pte);
        return e.goto(pteIsPresent(pte) ? Pc.Locked : Pc.DoFault).ev;
      }
      case Pc.Locked: {
        const orig = local(frame, 2);
        e.acquire(f.ptl);
        if (pte !== orig) {
          e.release(f.ptl);
          return exit(e, 'retry'); // F1: pte_same() failed
        }
        if (f.isWrite && !a.pteWrite(orig)) {
          if (!f.vmaWritable) {
            e.release(f.ptl);
            e.push({ type: 'fault/exit', tid: ctx.tid, result: 'sigsegv' });
            return e.ret().ret().ev;
          }
          // wp_pfn_shared(): pte_unmap_unlock() before ->pfn_mkwrite (F3).
          e.release(f.ptl);
          return e.goto(Pc.PfnMkwrite).ev;
        }
        // F4: software-dirty upgrade (or spurious fault after a stale TLB entry).
        setPte(f.isWrite ? a.pteMkdirty(a.pteMkyoung(orig)) : a.pteMkyoung(orig), 'ptep_set_access_flags');
        e.release(f.ptl);
        return exit(e, 'retry');
      }
      case Pc.PfnMkwrite: {
        // F2: vmw_bo_vm_mkwrite under the driver lock (BO resv), no PTL.
        e.acquire(driver);
        recordMkwrite(ctx, e, f.page);
        e.release(driver);
        return e.goto(Pc.Finish).ev;
      }
      case Pc.Finish: {
        const orig = local(frame, 2);
        e.acquire(f.ptl);
        if (pte !== orig) {
          e.release(f.ptl);
          return exit(e, 'retry'); // finish_mkwrite_fault: !pte_same → NOPAGE
        }
        setPte(reuse(ctx, orig), 'wp_page_reuse');
        e.release(f.ptl);
        return exit(e, 'retry');
      }
      case Pc.DoFault: {
        e.acquire(driver);
        e.acquire(f.ptl);
        if (!pteIsPresent(pte)) setPte(insertPte(ctx, f), 'insert_pfn');
        e.release(f.ptl);
        e.release(driver);
        return exit(e, 'retry');
      }
      default:
        throw new Error(`fault: bad pc ${frame.pc}`);
    }
  },
};
