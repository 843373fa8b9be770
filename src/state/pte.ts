/**
 * Packed page-table entries: one number per PTE, so the state stays small, hashes fast and
 * encodes as an integer. Which bits an architecture uses, and what pte_write()/pte_dirty()
 * mean on them, is the arch model's business (src/arch/); this file only names the bits.
 */
export const PTE_PRESENT = 1 << 0;
/** x86 RW; arm64 PTE_WRITE (= DBM); software-dirty archs: the logical write bit. */
export const PTE_WRITE = 1 << 1;
/** x86 hardware D bit. */
export const PTE_HWDIRTY = 1 << 2;
/** x86 _PAGE_SAVED_DIRTY; arm64 software PTE_DIRTY; software-dirty archs: the dirty bit. */
export const PTE_SWDIRTY = 1 << 3;
/** arm64 PTE_RDONLY (AP[2]); software-dirty archs: hardware read-only. */
export const PTE_RDONLY = 1 << 4;
export const PTE_YOUNG = 1 << 5;
/** pte_special(): pfn mappings without struct page. */
export const PTE_SPECIAL = 1 << 6;
export const PTE_PFN_SHIFT = 8;
/** The empty entry (pte_none): what ptep_modify_prot_start leaves behind (P1). */
export const PTE_NONE = 0;

export const pteIsPresent = (pte: number): boolean => (pte & PTE_PRESENT) !== 0;
export const ptePfn = (pte: number): number => pte >>> PTE_PFN_SHIFT;
export const pteWithPfn = (pfn: number, bits: number): number => (pfn << PTE_PFN_SHIFT) | bits;

const NAMES: readonly [number, string][] = [
  [PTE_PRESENT, 'P'],
  [PTE_WRITE, 'W'],
  [PTE_HWDIRTY, 'D'],
  [PTE_SWDIRTY, 'SD'],
  [PTE_RDONLY, 'RO'],
  [PTE_YOUNG, 'A'],
  [PTE_SPECIAL, 'S'],
];

/** `pfn=3 P|W|D`, or `none`. For humans; the arch model names bits its own way when it wants. */
export function formatPteBits(pte: number): string {
  if (pte === PTE_NONE) return 'none';
  const bits = NAMES.filter(([b]) => (pte & b) !== 0).map(([, n]) => n);
  return `pfn=${ptePfn(pte)} ${bits.join('|') || '-'}`;
}
