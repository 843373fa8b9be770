import { hasFlag } from '../vmas.js';
import { failedFlags, type HelperVariant } from './types.js';

/**
 * The seed patch as written: `[PATCH v4 3/9] mm: Add write-protect and clean utilities for
 * address space ranges` (mm/as_dirty_helpers.c, apply_as_range()).
 * H3-v4: skip VMAs lacking VM_SHARED|VM_WRITE; WARN and skip unless VM_IO && !VM_HUGETLB.
 * H9-v4: flush only the window of PTEs this caller changed, nothing if it changed none.
 */
export const seedV4: HelperVariant = {
  name: 'seed-v4',
  description:
    'the seed patch as written (apply_as_wrprotect/apply_as_clean): flushes only its own window (H9-v4)',
  fnNames: { wrprotect: 'apply_as_wrprotect', clean: 'apply_as_clean' },
  counterfactual: false,
  vmaVerdict(vma) {
    if (!(hasFlag(vma, 'shared') && hasFlag(vma, 'write'))) return 'skip';
    if (!hasFlag(vma, 'io') || hasFlag(vma, 'hugetlb')) return 'skip-warn';
    return 'process';
  },
  vmaReason: (vma) =>
    failedFlags(vma, ['shared', 'write']) || failedFlags(vma, ['io'], ['hugetlb']),
  flushRange({ window }) {
    return window[0] < window[1] ? window : null;
  },
  flushPending: true,
};
