import type { StepCtx } from './step.js';

/**
 * Which kernel generation the scenario models where the paths differ (scenario option
 * `kernel`), newest first:
 * - `current` (default);
 * - `pre-6.0`: mprotect's dirty_accountable and whole-range flush (MP2) instead of
 *   MM_CP_TRY_CHANGE_WRITABLE with the mmu_gather (MP1), and unmap_mapping_range under i_mmap
 *   for write (Z3; that one changed in v5.18, so `pre-6.0` stands for v5.17 and older there);
 * - `pre-4.13`: all of `pre-6.0`, and the mmu_gather of a zap before 99baac21e458 (v4.13):
 *   tlb_gather_mmu does not raise tlb_flush_pending, tlb_finish_mmu has no
 *   mm_tlb_flush_nested() check and flushes only what was gathered (S-1), and zap_pte_range
 *   does not call flush_tlb_batched_pending (3ea277194daa, v4.13, S-6) (Z2), nor does the
 *   mprotect syscall's change_pte_range (same commit).
 */
export type KernelEra = 'current' | 'pre-6.0' | 'pre-4.13';

/** Oldest last: an era is before version v when it is listed after v's boundary. */
const ERAS: readonly KernelEra[] = ['current', 'pre-6.0', 'pre-4.13'];

export function kernelEra(ctx: StepCtx): KernelEra {
  return ctx.layout.scenario.options.kernel ?? 'current';
}

/** The scenario's kernel predates `era`'s boundary (`pre-4.13` is also before 6.0). */
export function eraBefore(ctx: StepCtx, era: Exclude<KernelEra, 'current'>): boolean {
  return ERAS.indexOf(kernelEra(ctx)) >= ERAS.indexOf(era);
}
