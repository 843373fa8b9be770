import type { Draft } from 'immer';
import type { TlbEvent } from '../events/index.js';
import type { MutableSimState, TlbEntry } from '../state/types.js';

function indexOf(tlb: readonly TlbEntry[], mm: number, vpn: number): number {
  for (let i = 0; i < tlb.length; i++) {
    const t = tlb[i];
    if (t !== undefined && t.mm === mm && t.vpn === vpn) return i;
  }
  return -1;
}

/**
 * TLB facts. A fill replaces any entry for the same (mm, vpn) and appends (fill order is kept
 * so that eviction choices index a stable list); X86-C: entries change only by these events.
 */
export function applyTlb(d: Draft<MutableSimState>, e: TlbEvent): void {
  switch (e.type) {
    case 'tlb/fill': {
      const tlb = d.tlbs[e.cpu];
      if (!tlb) return;
      const i = indexOf(tlb, e.mm, e.vpn);
      // The same fill again, of the newest entry: nothing changes, so the state object must
      // stay the same (STYLE §4 no-op identity; the archs law checks every event).
      const t = tlb[i];
      if (
        t !== undefined &&
        i === tlb.length - 1 &&
        t.pfn === e.pfn &&
        t.w === e.w &&
        t.d === e.d &&
        t.susp === 0
      )
        return;
      if (i >= 0) tlb.splice(i, 1);
      tlb.push({ mm: e.mm, vpn: e.vpn, pfn: e.pfn, w: e.w, d: e.d, susp: 0 });
      return;
    }
    case 'tlb/dirty': {
      const tlb = d.tlbs[e.cpu];
      if (!tlb) return;
      const t = tlb[indexOf(tlb, e.mm, e.vpn)];
      if (t && t.d !== 1) t.d = 1;
      return;
    }
    case 'tlb/drop': {
      const tlb = d.tlbs[e.cpu];
      if (!tlb) return;
      const i = indexOf(tlb, e.mm, e.vpn);
      if (i >= 0) tlb.splice(i, 1);
      return;
    }
    case 'tlb/flush': {
      const tlb = d.tlbs[e.cpu];
      if (!tlb) return;
      for (let i = tlb.length - 1; i >= 0; i--) {
        const t = tlb[i];
        if (t && t.mm === e.mm && t.vpn >= e.from && t.vpn < e.to) tlb.splice(i, 1);
      }
      return;
    }
    case 'flush/start':
    case 'flush/done':
      return;
  }
}
