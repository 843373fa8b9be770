import { at } from '../errors.js';
import type { UserThreadSpec, VmaOp, VmaSpec } from '../scenario/types.js';
import { PTE_NONE, pteIsPresent } from '../state/pte.js';
import { mmapLock, ptlLock } from '../state/layout.js';
import { mmuNotifierInvalidateRangeStart } from './notifier.js';
import { canAcquire, type StepCtx, type StepMachine } from './step.js';
import { defineMachine, type Emit } from './machine.js';
import { flushTlbBatchedPending, flushTlbSync } from './actorFlush.js';
import { userSpec } from './user.js';
import { WRITEBACK } from './writeback.js';
import { hasFlag } from './vmas.js';

/**
 * Address-space system calls of a user thread on one whole VMA (SEMANTICS §1.6, §5; U1–U4 in
 * the conformance rules, docs/rules/conformance.md). Each is one atomic step holding what the
 * kernel holds (mmap_lock, every PTL of the range): they are modelled so a scenario can say
 * what user space does between its accesses, as `ptesim conform` runs it on Linux; the
 * concurrent windows inside them are the business of the mprotect/writeback/reclaim actors.
 *
 * - U1 msync(MS_SYNC): msync drops mmap_lock before vfs_fsync_range (mm/msync.c), which writes
 *   back the dirty pages of the range: the writeback machine over the VMA's pages.
 * - U2 mprotect(PROT_READ | PROT_READ|PROT_WRITE): mm/mprotect.c change_pte_range, as of v6.x:
 *   ptent = pte_modify(old, vm_page_prot) — read-only for a write-notify shared mapping even
 *   with PROT_WRITE — then MM_CP_TRY_CHANGE_WRITABLE: can_change_pte_writable() is pte_dirty()
 *   for a VM_SHARED mapping, so a dirty PTE becomes writable again without ->page_mkwrite;
 *   the page is gathered for the flush when pte_needs_flush(old, new) (arch; x86 flushes a
 *   change of RW in either direction), flushed by tlb_finish_mmu.
 * - U3 madvise(MADV_DONTNEED) / munmap: zap_pte_range (mm/memory.c): every present PTE is
 *   cleared (ptep_get_and_clear_full); a dirty one marks its page dirty (folio_mark_dirty of a
 *   file page); tlb_finish_mmu flushes the gathered range. munmap also removes the VMA: the
 *   model keeps it (no VMA lifetime) and only clears VM_WRITE, so a later write to it is a
 *   SIGSEGV like the kernel's; a read maps the page again where the kernel would SIGSEGV.
 * - U4 mmap of the same file range at the same place after munmap: VM_WRITE as the scenario's
 *   flags say; the PTEs are none (zapped by munmap).
 */
export const SYS_MPROTECT = defineMachine('sysMprotect', {
  locals: ['vma', /** 0 PROT_READ, 1 PROT_READ|PROT_WRITE */ 'rw'],
  labels: ['call'],
});
export const SYS_ZAP = defineMachine('sysZap', {
  locals: ['vma', /** 1 munmap, 0 MADV_DONTNEED */ 'unmap'],
  labels: ['call'],
});
export const SYS_MMAP = defineMachine('sysMmap', { locals: ['vma'], labels: ['call'] });

/** Push the machine a user thread's address-space call runs (onto `e`, the user step's emit). */
export function vmaOpCall<T extends Emit<string, string>>(ctx: StepCtx, op: VmaOp, e: T): T {
  const spec = userSpec(ctx);
  const vma = at(at(ctx.layout.scenario.mms, spec.mm).vmas, op.vma);
  switch (op.op) {
    case 'msync': // U1: the writeback machine over the VMA's pages
      return e.call(WRITEBACK, { page: vma.pgoff, first: vma.pgoff, nr: vma.npages });
    case 'mprotect':
      return e.call(SYS_MPROTECT, { vma: op.vma, rw: op.prot === 'read' ? 0 : 1 });
    case 'madvise-dontneed':
      return e.call(SYS_ZAP, { vma: op.vma, unmap: 0 });
    case 'munmap':
      return e.call(SYS_ZAP, { vma: op.vma, unmap: 1 });
    case 'mmap':
      return e.call(SYS_MMAP, { vma: op.vma });
  }
}

function vmaOfFrame(ctx: StepCtx, spec: UserThreadSpec, i: number): VmaSpec {
  return at(at(ctx.layout.scenario.mms, spec.mm).vmas, i);
}

/** Every PTL of the VMA's page tables free (the atomic step takes them one table at a time). */
function ptlsFree(ctx: StepCtx, mm: number, vma: VmaSpec): boolean {
  for (let vpn = vma.start; vpn < vma.start + vma.npages; vpn++)
    if (!canAcquire(ctx.state, ptlLock(ctx.layout, mm, vpn), 'w')) return false;
  return true;
}

/** Options of a one-step call taking mmap_lock in `mode` and the PTLs of VMA local 0. */
function oneStepOptions(ctx: StepCtx, vmaIndex: number, mode: 'r' | 'w'): number {
  const spec = userSpec(ctx);
  const mmap = mmapLock(ctx.layout, spec.mm);
  if (mmap >= 0 && !canAcquire(ctx.state, mmap, mode)) return 0;
  return ptlsFree(ctx, spec.mm, vmaOfFrame(ctx, spec, vmaIndex)) ? 1 : 0;
}

/**
 * Walk the VMA's PTEs under their PTLs (one table at a time), between tlb_gather_mmu and
 * tlb_finish_mmu with the notifier bracket; `change` returns the new PTE (or null: unchanged,
 * nothing gathered) and whether the page is gathered for the flush.
 */
export function gatherWalk(
  ctx: StepCtx,
  e: Emit<string, string>,
  mm: number,
  vma: VmaSpec,
  change: (pte: number, vpn: number) => { pte: number; flush: boolean } | null,
  fn: string,
): number {
  const start = vma.start;
  const end = vma.start + vma.npages;
  e.push({ type: 'pending/inc', tid: ctx.tid, mm }); // tlb_gather_mmu
  e.push(...mmuNotifierInvalidateRangeStart(ctx, mm, start, end));
  let from = end;
  let to = start;
  let changed = 0;
  let ptl = -1;
  for (let vpn = start; vpn < end; vpn++) {
    if (ptl === -1) {
      ptl = ptlLock(ctx.layout, mm, vpn);
      e.acquire(ptl);
      flushTlbBatchedPending(ctx, e, mm); // change_pte_range / zap_pte_range, under the PTL
    }
    const pte = ctx.state.mms[mm]?.ptes[vpn] ?? PTE_NONE;
    const next = pteIsPresent(pte) ? change(pte, vpn) : null;
    if (next) {
      if (next.pte !== pte)
        e.push({ type: 'pte/set', tid: ctx.tid, mm, vpn, pte: next.pte, src: 'sw', fn });
      changed++;
      if (next.flush) {
        from = Math.min(from, vpn);
        to = Math.max(to, vpn + 1);
      }
    }
    if (vpn + 1 === end || (vpn + 1) % ctx.layout.ptesPerTable === 0) {
      e.release(ptl);
      ptl = -1;
    }
  }
  e.push({ type: 'notifier/end', tid: ctx.tid, mm, from: start, to: end });
  if (from < to) flushTlbSync(ctx, e, mm, from, to); // tlb_finish_mmu
  e.push({ type: 'pending/dec', tid: ctx.tid, mm });
  return changed;
}

/** VM_WRITE of VMA `i` becomes `value` (mprotect_fixup / munmap / mmap). */
function setVmWrite(
  ctx: StepCtx,
  e: Emit<string, string>,
  mm: number,
  i: number,
  value: 0 | 1,
): void {
  if ((ctx.state.vmWrite?.[mm]?.[i] ?? 1) !== value)
    e.push({ type: 'vma/write', tid: ctx.tid, mm, vma: i, value });
}

/** U2: mprotect of a whole VMA from a user thread. Locals: 0 VMA index, 1 prot (0 RO, 1 RW). */
export const sysMprotectProgram: StepMachine = {
  layout: SYS_MPROTECT,
  options: (ctx, frame) => oneStepOptions(ctx, SYS_MPROTECT.get(frame, 'vma'), 'w'),
  step(ctx, frame) {
    const spec = userSpec(ctx);
    const mm = spec.mm;
    const i = SYS_MPROTECT.get(frame, 'vma');
    const vma = vmaOfFrame(ctx, spec, i);
    const rw = SYS_MPROTECT.get(frame, 'rw') === 1 && hasFlag(vma, 'maywrite');
    const e = SYS_MPROTECT.emit(ctx.tid);
    const a = ctx.arch;
    const mmap = mmapLock(ctx.layout, mm);
    e.push({ type: 'actor/call', tid: ctx.tid, fn: 'mprotect', first: vma.pgoff, nr: vma.npages });
    if (mmap >= 0) e.acquire(mmap, 'w');
    setVmWrite(ctx, e, mm, i, rw ? 1 : 0); // mprotect_fixup: vm_flags_reset before the walk
    const n = gatherWalk(
      ctx,
      e,
      mm,
      vma,
      (old) => {
        // pte_modify(old, vm_page_prot): write-notify keeps vm_page_prot read-only (U2).
        let pte = a.pteWrprotect(old, ctx.layout.scenario.options.arch);
        if (rw && a.pteDirty(pte)) pte = a.pteMkwrite(pte); // can_change_pte_writable
        return { pte, flush: pteNeedsFlush(ctx, old, pte) };
      },
      'change_pte_range',
    );
    if (mmap >= 0) e.release(mmap, 'w');
    e.push({ type: 'actor/return', tid: ctx.tid, fn: 'mprotect', total: n });
    return e.ret().ev;
  },
};

/** pte_needs_flush(): the arch's, else the asm-generic default (always). */
function pteNeedsFlush(ctx: StepCtx, old: number, pte: number): boolean {
  return ctx.arch.pteNeedsFlush ? ctx.arch.pteNeedsFlush(old, pte) : true;
}

/** U3: zap of a whole VMA. Locals: 0 VMA index, 1 munmap (1) or MADV_DONTNEED (0). */
export const sysZapProgram: StepMachine = {
  layout: SYS_ZAP,
  options: (ctx, frame) =>
    oneStepOptions(ctx, SYS_ZAP.get(frame, 'vma'), SYS_ZAP.get(frame, 'unmap') === 1 ? 'w' : 'r'),
  step(ctx, frame) {
    const spec = userSpec(ctx);
    const mm = spec.mm;
    const i = SYS_ZAP.get(frame, 'vma');
    const unmap = SYS_ZAP.get(frame, 'unmap') === 1;
    const vma = vmaOfFrame(ctx, spec, i);
    const fn = unmap ? 'munmap' : 'madvise_dontneed';
    const mode = unmap ? 'w' : 'r';
    const e = SYS_ZAP.emit(ctx.tid);
    const mmap = mmapLock(ctx.layout, mm);
    e.push({ type: 'actor/call', tid: ctx.tid, fn, first: vma.pgoff, nr: vma.npages });
    if (mmap >= 0) e.acquire(mmap, mode);
    if (unmap) setVmWrite(ctx, e, mm, i, 0);
    const n = gatherWalk(
      ctx,
      e,
      mm,
      vma,
      (old, vpn) => {
        // zap_present_ptes: a dirty PTE of a file page → folio_mark_dirty.
        const page = vma.pgoff + vpn - vma.start;
        if (ctx.arch.pteDirty(old) && ctx.state.pageDirty?.[page] === 0)
          e.push({ type: 'page/dirty', tid: ctx.tid, page, value: 1 });
        return { pte: PTE_NONE, flush: true };
      },
      'zap_pte_range',
    );
    if (mmap >= 0) e.release(mmap, mode);
    e.push({ type: 'actor/return', tid: ctx.tid, fn, total: n });
    return e.ret().ev;
  },
};

/** U4: a fresh mapping of the VMA's file range at its place (after munmap). Locals: 0 VMA. */
export const sysMmapProgram: StepMachine = {
  layout: SYS_MMAP,
  options: (ctx, frame) => oneStepOptions(ctx, SYS_MMAP.get(frame, 'vma'), 'w'),
  step(ctx, frame) {
    const spec = userSpec(ctx);
    const i = SYS_MMAP.get(frame, 'vma');
    const vma = vmaOfFrame(ctx, spec, i);
    const e = SYS_MMAP.emit(ctx.tid);
    setVmWrite(ctx, e, spec.mm, i, hasFlag(vma, 'write') ? 1 : 0);
    return e.ret().ev;
  },
};
