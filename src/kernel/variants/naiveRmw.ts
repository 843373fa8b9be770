import type { HelperVariant } from './types.js';
import { upstream } from './upstream.js';

/**
 * Counterfactual: upstream's walk and flush policy (H3, H9), but each PTE is changed with a
 * plain read followed, in a separate step and still under the PTL, by a store of the value
 * computed from that read — no ptep_modify_prot_start/commit (P1/P2). The PTL does not stop
 * the MMU: on atomic-hardware archs a dirty bit set between the read and the store is lost
 * (the SPIN anchor's NAIVE variant, property DIRTY). Software-dirty archs never write PTEs
 * from hardware (SWD-2), so nothing can be lost there.
 */
export const naiveRmw: HelperVariant = {
  ...upstream,
  name: 'naive-rmw',
  description:
    'counterfactual: upstream with a plain read / later write-back instead of ptep_modify_prot_start/commit (loses hardware D on x86)',
  counterfactual: true,
  rmw: 'naive',
};
