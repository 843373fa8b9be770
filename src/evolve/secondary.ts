import type { Draft } from 'immer';
import type { SmmuEvent } from '../events/index.js';
import type { MutableSimState } from '../state/types.js';

/**
 * Secondary-MMU facts. `smmu/invalidate` is the subscription's invalidate() callback run from
 * invalidate_range_start: it records the odd sequence and removes the SPTEs in range (R4).
 */
export function applySmmu(d: Draft<MutableSimState>, e: SmmuEvent): void {
  const sub = d.smmus[e.sub];
  if (!sub) return;
  switch (e.type) {
    case 'smmu/invalidate':
      if (sub.seq !== e.seq) sub.seq = e.seq;
      for (let v = e.from; v < e.to && v < sub.sptes.length; v++) {
        if (sub.sptes[v] !== 0) sub.sptes[v] = 0;
        if (sub.susp[v] !== 0) sub.susp[v] = 0;
      }
      return;
    case 'smmu/read-begin':
      return;
    case 'smmu/install':
      if (e.vpn < sub.sptes.length) {
        sub.sptes[e.vpn] = e.w ? 2 : 1;
        if (sub.susp[e.vpn] !== 0) sub.susp[e.vpn] = 0;
      }
      return;
    case 'smmu/zap':
      if (sub.sptes[e.vpn] !== 0) sub.sptes[e.vpn] = 0;
      if (sub.susp[e.vpn] !== 0) sub.susp[e.vpn] = 0;
      return;
  }
}
