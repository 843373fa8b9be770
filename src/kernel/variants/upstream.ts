import { hasFlag } from '../vmas.js';
import { failedFlags, type HelperVariant } from './types.js';

/**
 * mm/mapping_dirty_helpers.c as merged (wp_shared_mapping_range /
 * clean_record_shared_mapping_range over walk_page_mapping()).
 * H3: wp_clean_test_walk() rejects VMAs without VM_SHARED|VM_MAYWRITE or with VM_HUGETLB, and
 * walk_page_mapping() then *stops the whole walk* (mm/pagewalk.c: `if (err > 0) break`).
 * H9: wp_clean_post_vma() flushes the whole clipped range if mm_tlb_flush_nested(), else the
 * window.
 */
export const upstream: HelperVariant = {
  name: 'upstream',
  description:
    'mm/mapping_dirty_helpers.c as merged: full-range flush when mm_tlb_flush_nested() (H9); walk stops at a rejected VMA (H3)',
  fnNames: { wrprotect: 'wp_shared_mapping_range', clean: 'clean_record_shared_mapping_range' },
  counterfactual: false,
  vmaVerdict(vma) {
    if (!(hasFlag(vma, 'shared') && hasFlag(vma, 'maywrite')) || hasFlag(vma, 'hugetlb'))
      return 'stop';
    return 'process';
  },
  vmaReason: (vma) => failedFlags(vma, ['shared', 'maywrite'], ['hugetlb']),
  flushRange({ pending, window, clip }) {
    if (pending > 1) return clip; // mm_tlb_flush_nested(): T5, read at one instant
    return window[0] < window[1] ? window : null;
  },
  flushPending: true,
};
