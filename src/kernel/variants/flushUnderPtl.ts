import type { HelperVariant } from './types.js';
import { upstream } from './upstream.js';

/**
 * Counterfactual: the review's suggestion (SEED, N. Amit): flush each changed PTE's TLB entries
 * on every CPU right after ptep_modify_prot_commit, before the PTL is released, instead of one
 * deferred range flush at post_vma. No stale writable/dirty entry outlives the PTL, so neither
 * the deferred-flush window (S-20) nor the nested-caller case (S-10) exists; the cost is one
 * flush per PTE. Walk order and VMA verdicts as upstream.
 */
export const flushUnderPtl: HelperVariant = {
  ...upstream,
  name: 'flush-under-ptl',
  description:
    'counterfactual: flush every changed PTE before dropping its PTL (the review suggestion); no deferred range flush',
  counterfactual: true,
  flushUnderPtl: true,
  flushRange: () => null,
};
