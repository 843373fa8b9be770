import type { StepCtx } from './step.js';

/**
 * Which kernel generation the scenario models where the paths differ (scenario option
 * `kernel`): `current` (default) or `pre-6.0` — mprotect's dirty_accountable and whole-range
 * flush (MP2) instead of MM_CP_TRY_CHANGE_WRITABLE with the mmu_gather (MP1), and
 * unmap_mapping_range under i_mmap for write (Z3; that one changed in v5.18, so `pre-6.0`
 * stands for v5.17 and older there).
 */
export type KernelEra = 'current' | 'pre-6.0';

export function kernelEra(ctx: StepCtx): KernelEra {
  return ctx.layout.scenario.options.kernel ?? 'current';
}
