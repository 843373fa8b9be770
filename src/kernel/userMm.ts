import { at } from '../errors.js';
import type { VmaOp, VmaSpec } from '../scenario/types.js';
import { PTE_NONE, pteIsPresent } from '../state/pte.js';
import { mmapLock, ptlLock } from '../state/layout.js';
import { mmuNotifierInvalidateRangeStart } from './notifier.js';
import { flushTlbBatchedPending, flushTlbSync } from './actorFlush.js';
import { canAcquire, type StepCtx, type StepMachine } from './step.js';
import { defineMachine, type Emit } from './machine.js';
import { MPROTECT, sysMprotectArgs } from './mprotect.js';
import { ZAP, ZAP_HOW } from './zap.js';
import { userSpec } from './user.js';
import { WRITEBACK } from './writeback.js';
import { hasFlag } from './vmas.js';

/**
 * Address-space system calls of a user thread on one whole VMA (SEMANTICS §1.6, §5; U1–U4 in
 * the conformance rules, docs/rules/conformance.md). Each pushes the step machine of the kernel
 * path it runs, so its windows interleave with the other threads: writeback (U1), mprotect
 * (U2, src/kernel/mprotect.ts, MP1/MP2), the zap (U3, src/kernel/zap.ts, Z1/Z2).
 *
 * - U1 msync(MS_SYNC): msync drops mmap_lock before vfs_fsync_range (mm/msync.c), which writes
 *   back the dirty pages of the range: the writeback machine over the VMA's pages.
 * - U2 mprotect(PROT_READ | PROT_READ|PROT_WRITE): the mprotect machine; a dirty PTE becomes
 *   writable again without ->page_mkwrite (MP1; before 6.0 dirty_accountable, MP2).
 * - U3 madvise(MADV_DONTNEED) / munmap: the zap machine (mmap_lock for read / write). munmap
 *   also removes the VMA: the model keeps it (no VMA lifetime) and only clears VM_WRITE, so a
 *   later write to it is a SIGSEGV like the kernel's; a read maps the page again where the
 *   kernel would SIGSEGV.
 * - U4 mmap of the same file range at the same place after munmap: VM_WRITE as the scenario's
 *   flags say; the PTEs are none (zapped by munmap).
 */
export const SYS_MMAP = defineMachine('sysMmap', { locals: ['vma'], labels: ['call'] });

/** Push the machine a user thread's address-space call runs (onto `e`, the user step's emit). */
export function vmaOpCall<T extends Emit<string, string>>(ctx: StepCtx, op: VmaOp, e: T): T {
  const spec = userSpec(ctx);
  const vma = at(at(ctx.layout.scenario.mms, spec.mm).vmas, op.vma);
  switch (op.op) {
    case 'msync': // U1: the writeback machine over the VMA's pages
      return e.call(WRITEBACK, { page: vma.pgoff, first: vma.pgoff, nr: vma.npages });
    case 'mprotect': // U2: the mprotect machine (MP1/MP2)
      return e.call(MPROTECT, sysMprotectArgs(spec.mm, op.vma, op.prot === 'read-write'));
    case 'madvise-dontneed': // U3: the zap machine (Z1/Z2)
    case 'munmap':
      return e.call(ZAP, {
        how: op.op === 'munmap' ? ZAP_HOW.munmap : ZAP_HOW.dontneed,
        mm: spec.mm,
        vma: op.vma,
        from: vma.start,
        to: vma.start + vma.npages,
        ptl: -1,
      });
    case 'mmap':
      return e.call(SYS_MMAP, { vma: op.vma });
  }
}

/** U4: a fresh mapping of the VMA's file range at its place (after munmap): under mmap_lock. */
export const sysMmapProgram: StepMachine = {
  layout: SYS_MMAP,
  options(ctx) {
    const lock = mmapLock(ctx.layout, userSpec(ctx).mm);
    return lock < 0 || canAcquire(ctx.state, lock, 'w') ? 1 : 0;
  },
  step(ctx, frame) {
    const spec = userSpec(ctx);
    const i = SYS_MMAP.get(frame, 'vma');
    const vma = at(at(ctx.layout.scenario.mms, spec.mm).vmas, i);
    const e = SYS_MMAP.emit(ctx.tid);
    const value = hasFlag(vma, 'write') ? 1 : 0;
    if ((ctx.state.vmWrite?.[spec.mm]?.[i] ?? 1) !== value)
      e.push({ type: 'vma/write', tid: ctx.tid, mm: spec.mm, vma: i, value });
    return e.ret().ev;
  },
};

/**
 * One-step form of a gathered walk, kept for vmwgfx's unmap (src/kernel/vmwgfx.ts; the step
 * machine of the zap is src/kernel/zap.ts): walk the VMA's PTEs under their PTLs (one table at
 * a time), between tlb_gather_mmu and tlb_finish_mmu with the notifier bracket; `change` returns the new PTE (or null: unchanged,
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
