import * as P from '../state/pte.js';
import type { ArchModel, PteInit } from './types.js';

/**
 * The arm64 PTE encoding and the pte_* transforms of arch/arm64/include/asm/pgtable.h, shared by
 * arm64-dbm and arm64-nodbm (the same kernel code runs on both; only the hardware differs).
 * A64-E: PTE_WRITE (= PTE_DBM), PTE_RDONLY (AP[2]), software PTE_DIRTY;
 * pte_hw_dirty = WRITE && !RDONLY; pte_dirty = DIRTY || pte_hw_dirty; hardware obeys RDONLY.
 *
 *   Dirty Writable | RDONLY WRITE DIRTY(sw)
 *     0     0      |   1      0     0
 *     0     1      |   1      1     0
 *     1     0      |   1      0     1
 *     1     1      |   0      1     x
 */
type Arm64Pte = Pick<
  ArchModel,
  | 'mkPte'
  | 'pteWrite'
  | 'pteDirty'
  | 'hwWritable'
  | 'pteWrprotect'
  | 'pteMkclean'
  | 'pteMkwrite'
  | 'pteMkdirty'
  | 'pteMkyoung'
  | 'formatPte'
>;

export const arm64HwDirty = (pte: number): boolean =>
  (pte & P.PTE_WRITE) !== 0 && (pte & P.PTE_RDONLY) === 0;

/** A64-WP: the `wrprotect` arch option; 'pre-5.10' (alias 'pre-v5.10') reproduces S-11. */
export function wrprotectFlavour(
  options: Readonly<Record<string, string | boolean>>,
): 'fixed' | 'pre-5.10' {
  const v = options['wrprotect'];
  return v === 'pre-5.10' || v === 'pre-v5.10' ? 'pre-5.10' : 'fixed';
}

export const arm64Pte: Arm64Pte = {
  mkPte(pfn: number, init: PteInit) {
    let bits = P.PTE_PRESENT | P.PTE_YOUNG;
    if (init.write) bits |= P.PTE_WRITE;
    // Writable+dirty = hardware-writable (RDONLY clear); everything else carries RDONLY.
    if (!(init.write && init.dirty)) bits |= P.PTE_RDONLY;
    if (init.dirty) bits |= P.PTE_SWDIRTY;
    if (init.special) bits |= P.PTE_SPECIAL;
    return P.pteWithPfn(pfn, bits);
  },
  pteWrite: (pte) => (pte & P.PTE_WRITE) !== 0,
  pteDirty: (pte) => (pte & P.PTE_SWDIRTY) !== 0 || arm64HwDirty(pte),
  hwWritable: (pte) => P.pteIsPresent(pte) && (pte & P.PTE_RDONLY) === 0,
  /**
   * pte_wrprotect(). Fixed (ff1712f953e2, v5.10-rc6): if pte_hw_dirty, set PTE_DIRTY first;
   * then clear WRITE and set RDONLY. pre-5.10: clear WRITE, set RDONLY — a hardware-dirty PTE
   * comes out clean (S-11).
   */
  pteWrprotect(pte, options) {
    const keep = wrprotectFlavour(options) === 'fixed' && arm64HwDirty(pte) ? P.PTE_SWDIRTY : 0;
    return ((pte | keep) & ~P.PTE_WRITE) | P.PTE_RDONLY;
  },
  /** pte_mkclean(): clear PTE_DIRTY, set PTE_RDONLY. */
  pteMkclean: (pte) => (pte & ~P.PTE_SWDIRTY) | P.PTE_RDONLY,
  /**
   * pte_mkwrite(): set PTE_WRITE; clear PTE_RDONLY only if sw-dirty (the newer form). The v5.x
   * header read for this model clears RDONLY unconditionally (which would make a clean PTE
   * hardware-dirty); the fault path applies pte_mkdirty first (wp_page_reuse), so both forms
   * give the same PTE everywhere this model calls it. Which release changed it is unverified.
   */
  pteMkwrite: (pte) =>
    (pte & P.PTE_SWDIRTY) !== 0 ? (pte | P.PTE_WRITE) & ~P.PTE_RDONLY : pte | P.PTE_WRITE,
  /** pte_mkdirty(): set PTE_DIRTY; if pte_write, clear PTE_RDONLY. */
  pteMkdirty: (pte) =>
    (pte & P.PTE_WRITE) !== 0 ? (pte | P.PTE_SWDIRTY) & ~P.PTE_RDONLY : pte | P.PTE_SWDIRTY,
  pteMkyoung: (pte) => pte | P.PTE_YOUNG,
  formatPte(pte) {
    if (!P.pteIsPresent(pte)) return pte === 0 ? 'none' : `pfn=${P.ptePfn(pte)} !VALID`;
    const bits = ['VALID'];
    if (pte & P.PTE_WRITE) bits.push('WRITE/DBM');
    if (pte & P.PTE_RDONLY) bits.push('RDONLY');
    if (pte & P.PTE_SWDIRTY) bits.push('DIRTY');
    if (pte & P.PTE_YOUNG) bits.push('AF');
    if (pte & P.PTE_SPECIAL) bits.push('SPECIAL');
    return `pfn=${P.ptePfn(pte)} ${bits.join('|')}`;
  },
};
