import type { SimState, TlbEntry } from '../state/types.js';

/** The CPU's cached translation for (mm, vpn), if any. */
export function tlbLookup(
  state: SimState,
  cpu: number,
  mm: number,
  vpn: number,
): Readonly<TlbEntry> | undefined {
  const tlb = state.tlbs[cpu];
  if (!tlb) return undefined;
  for (const t of tlb) if (t.mm === mm && t.vpn === vpn) return t;
  return undefined;
}

export function livePte(state: SimState, mm: number, vpn: number): number {
  return state.mms[mm]?.ptes[vpn] ?? 0;
}
