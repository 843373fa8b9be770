import type { PteSetEvent } from '../events/index.js';
import { PTE_NONE } from '../state/pte.js';

/**
 * P1 `ptep_modify_prot_start()` (include/linux/pgtable.h): atomically fetch the PTE and leave it
 * none, so the MMU cannot set A/D in it until the commit (the caller holds the PTL).
 */
export function ptepModifyProtStart(tid: number, mm: number, vpn: number): PteSetEvent {
  return { type: 'pte/set', tid, mm, vpn, pte: PTE_NONE, src: 'sw', fn: 'ptep_modify_prot_start' };
}

/** P2 `ptep_modify_prot_commit()`: store the new value under the same PTL (or `fn` for a plain store). */
export function ptepModifyProtCommit(
  tid: number,
  mm: number,
  vpn: number,
  pte: number,
  fn = 'ptep_modify_prot_commit',
): PteSetEvent {
  return { type: 'pte/set', tid, mm, vpn, pte, src: 'sw', fn };
}

/**
 * ptep_get_and_clear() / ptep_get_and_clear_full(): one atomic exchange with the empty entry
 * (reclaim's unmap, the zap, Z1); the value it returns carries the final D bit.
 */
export function ptepGetAndClear(tid: number, mm: number, vpn: number, fn: string): PteSetEvent {
  return { type: 'pte/set', tid, mm, vpn, pte: PTE_NONE, src: 'sw', fn };
}
