import * as P from '../state/pte.js';
import type { ArchModel } from './types.js';
import { softwareDirtyAccess } from './softwareDirty.js';

const hwWritable = (pte: number): boolean =>
  (pte & (P.PTE_PRESENT | P.PTE_WRITE | P.PTE_SWDIRTY)) ===
  (P.PTE_PRESENT | P.PTE_WRITE | P.PTE_SWDIRTY);

/**
 * RISC-V with Svade (docs/rules/hardware.md §3.4, RV-Svade = SWD-* plus an A-fault): the MMU raises a page
 * fault on an access with A=0 or a store with D=0 and never writes PTEs; the kernel sets A/D in
 * the fault handler. W and D are hardware bits (PTE_WRITE, and PTE_SWDIRTY here because only
 * software sets it), so a PTE is hardware-writable only when W && D (SWD-1).
 * Note: Linux RISC-V's _PAGE_BASE includes _PAGE_ACCESSED, so PTEs are born young; the A-fault
 * only matters after aging (pte_mkold).
 */
export const riscvSvade: ArchModel = {
  name: 'riscv-svade',
  description:
    'RISC-V Svade: faults on A=0 or on a store with D=0; the fault handler sets A/D (RV-Svade = SWD-1..3 + A-fault)',
  dirtyClass: 'software',
  flushStyle: 'ipi',
  optionDocs: {
    lazyCpus:
      "CPUs starting in lazy-TLB mode, e.g. '1': remote fences skip them, they catch up on switching back (T2)",
  },
  mkPte(pfn, init) {
    let bits = P.PTE_PRESENT | P.PTE_YOUNG;
    if (init.write) bits |= P.PTE_WRITE;
    if (init.dirty) bits |= P.PTE_SWDIRTY;
    if (init.special) bits |= P.PTE_SPECIAL;
    return P.pteWithPfn(pfn, bits);
  },
  pteWrite: (pte) => (pte & P.PTE_WRITE) !== 0,
  pteDirty: (pte) => (pte & P.PTE_SWDIRTY) !== 0,
  hwWritable,
  pteWrprotect: (pte) => pte & ~P.PTE_WRITE,
  pteMkclean: (pte) => pte & ~P.PTE_SWDIRTY,
  pteMkwrite: (pte) => pte | P.PTE_WRITE,
  pteMkdirty: (pte) => pte | P.PTE_SWDIRTY,
  pteMkyoung: (pte) => pte | P.PTE_YOUNG,
  formatPte(pte) {
    if (!P.pteIsPresent(pte)) return pte === 0 ? 'none' : `pfn=${P.ptePfn(pte)} !V`;
    const bits = ['V', 'R'];
    if (pte & P.PTE_WRITE) bits.push('W');
    if (pte & P.PTE_YOUNG) bits.push('A');
    if (pte & P.PTE_SWDIRTY) bits.push('D');
    if (pte & P.PTE_SPECIAL) bits.push('special');
    return `pfn=${P.ptePfn(pte)} ${bits.join('|')}`;
  },
  store: (ctx) => softwareDirtyAccess(ctx, true, hwWritable),
  load: (ctx) => softwareDirtyAccess(ctx, false, hwWritable),
};
