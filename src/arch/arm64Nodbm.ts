import type { ArchModel } from './types.js';
import { arm64Pte } from './arm64Encoding.js';
import { softwareDirtyAccess } from './softwareDirty.js';

/**
 * arm64 without FEAT_HAFDBS (ARMv8.0, or DBM/HA disabled): the arm64 encoding (A64-E) with no
 * hardware Access-flag or dirty updates (SWD-1..3). PTE_WRITE is a pure software bit, hardware
 * obeys PTE_RDONLY, and a clean writable PTE carries RDONLY, so the first store faults and the
 * fault path marks it dirty under the PTL (F4). Broadcast TLBI + DSB flushes (T3).
 */
export const arm64Nodbm: ArchModel = {
  name: 'arm64-nodbm',
  description:
    'arm64 without hardware DBM/AF: dirty only through the write fault (SWD-1..3); broadcast TLBI (T3)',
  dirtyClass: 'software',
  flushStyle: 'broadcast',
  optionDocs: {
    wrprotect:
      "pte_wrprotect flavour: 'fixed' (default) or 'pre-5.10' (S-11; no effect without hardware dirty)",
    tlbi: "'sync' (default: TLBI then DSB ISH, T3) or 'nosync' (COUNTERFACTUAL for range flushes: the kernel omits the DSB only in flush_tlb_page_nosync of ptep_clear_flush_young, S-12; here every flush of the arch defers its completion to the CPU's next barrier)",
  },
  ...arm64Pte,
  store: (ctx) => softwareDirtyAccess(ctx, true, arm64Pte.hwWritable),
  load: (ctx) => softwareDirtyAccess(ctx, false, arm64Pte.hwWritable),
};
