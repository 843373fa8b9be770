import type { Draft } from 'immer';
import type { CpuEvent } from '../events/index.js';
import type { MutableSimState } from '../state/types.js';

/**
 * `tlb/defer` records that a flush of an mm still owes this CPU an invalidation; `tlb/catchup`
 * pays it (drops every entry of that mm: switch_mm compares TLB generations and flushes the
 * whole mm, T2; or the DSB completes the TLBI, T3) and ends lazy mode on a switch.
 */
export function applyCpu(d: Draft<MutableSimState>, e: CpuEvent): void {
  const c = d.cpus?.[e.cpu];
  if (!c) return;
  if (e.type === 'tlb/lazy') {
    if (c.lazy !== 1) c.lazy = 1; // T9: enter_lazy_tlb
    return;
  }
  const bit = 1 << e.mm;
  if (e.type === 'tlb/defer') {
    if ((c.owed & bit) === 0) c.owed |= bit;
    return;
  }
  if (e.why === 'switch' && c.lazy !== 0) c.lazy = 0;
  if ((c.owed & bit) === 0) return;
  c.owed &= ~bit;
  const tlb = d.tlbs[e.cpu];
  if (!tlb) return;
  for (let i = tlb.length - 1; i >= 0; i--) if (tlb[i]?.mm === e.mm) tlb.splice(i, 1);
}
