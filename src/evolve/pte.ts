import type { Draft } from 'immer';
import type { PteEvent } from '../events/index.js';
import type { MutableSimState } from '../state/types.js';

/** `pte/set`: store the packed entry. Who may store (PTL, hw atomicity) is decide's business. */
export function applyPte(d: Draft<MutableSimState>, e: PteEvent): void {
  const mm = d.mms[e.mm];
  if (mm && mm.ptes[e.vpn] !== e.pte) mm.ptes[e.vpn] = e.pte;
}
