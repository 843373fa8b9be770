import type { ArchModel } from './types.js';
import { makeX86Like } from './x86_64.js';

/**
 * RISC-V with Svadu (docs/rules/hardware.md §3.4, RV-Svadu): the MMU sets A and D itself, atomically with
 * the table-walk checks of the leaf, and D only for a store that architecturally happens. So
 * the X86-W2/W3 check-and-set rules apply as they are, minus x86's non-CET "stray D".
 * Encoding (arch/riscv/include/asm/pgtable.h): pte_write = W, pte_dirty = D; pte_wrprotect
 * clears W and keeps D (no SavedDirty shifting on RISC-V).
 */
export const riscvSvadu: ArchModel = makeX86Like({
  name: 'riscv-svadu',
  description:
    'RISC-V Svadu: hardware sets A/D with an atomic check-and-set of the live PTE (RV-Svadu = X86-W2/W3, no stray D)',
  strayDirtyAllowed: false,
  rulePrefix: 'RV-Svadu',
  savedDirty: false,
  bitNames: ['W', 'D', 'SD', 'A'],
});
