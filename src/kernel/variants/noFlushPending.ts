import type { HelperVariant } from './types.js';
import { upstream } from './upstream.js';

/**
 * Counterfactual: upstream without inc/dec_tlb_flush_pending (H4). The helper's own deferred
 * flush is then invisible to everybody else, including a concurrent helper's
 * mm_tlb_flush_nested() check, so H9's full-range flush never triggers between two helpers and
 * S-10 comes back.
 */
export const noFlushPending: HelperVariant = {
  ...upstream,
  name: 'no-flush-pending',
  description:
    'counterfactual: upstream without inc/dec_tlb_flush_pending (mm_tlb_flush_nested never sees a concurrent helper)',
  counterfactual: true,
  flushPending: false,
};
