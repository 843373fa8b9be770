import { at } from '../errors.js';
import type { VmaOp } from '../scenario/types.js';
import { mmapLock } from '../state/layout.js';
import { canAcquire, type StepCtx, type StepMachine } from './step.js';
import { defineMachine, type Emit } from './machine.js';
import { MPROTECT, sysMprotectArgs } from './mprotect.js';
import { ZAP, ZAP_HOW } from './zap.js';
import { userSpec } from './user.js';
import { WRITEBACK } from './writeback.js';
import { hasFlag } from './vmas.js';

/**
 * Address-space system calls of a user thread on one whole VMA (docs/rules/tlb.md §1.6, §5; U1–U4 in
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
