import type { Draft } from 'immer';
import type { KernelEvent } from '../events/index.js';
import type { MutableSimState } from '../state/types.js';
import { wpSeenMarksEntry, wpSeenMarksSpte } from '../state/ghost.js';

/**
 * Memory contents (ghost versions), the driver's bitmap and bounds, warnings, and the ghost
 * marks of `wrprotect-post`. Brackets (helper/*, fault/*) change nothing.
 */
export function applyKernel(d: Draft<MutableSimState>, e: KernelEvent): void {
  switch (e.type) {
    case 'mem/store': {
      const p = d.pages[e.page];
      if (p) p.version += 1;
      return;
    }
    case 'dev/copy': {
      const p = d.pages[e.page];
      if (p && p.device !== p.version) p.device = p.version;
      return;
    }
    case 'bitmap/set':
    case 'bitmap/clear': {
      const bm = d.bitmaps[e.bm];
      const v = e.type === 'bitmap/set' ? 1 : 0;
      if (bm && bm[e.bit] !== v) bm[e.bit] = v;
      return;
    }
    case 'bounds/set':
      if (d.bounds.start !== e.start) d.bounds.start = e.start;
      if (d.bounds.end !== e.end) d.bounds.end = e.end;
      return;
    case 'vmw/set': {
      const v = d.vmw;
      if (!v) return;
      const method = e.method === 'mkwrite' ? 1 : 0;
      if (v.method !== method) v.method = method;
      if (v.count !== e.count) v.count = e.count;
      if (v.res !== e.res) v.res = e.res;
      return;
    }
    case 'ghost/wp-seen': {
      const bit = 1 << e.tid;
      for (const tlb of d.tlbs)
        for (const t of tlb) if (wpSeenMarksEntry(t, e.mm, e.vpn, bit)) t.susp |= bit;
      // A writable SPTE is stale for this caller in the same way (R3/R4 should have removed it).
      for (const sub of d.smmus)
        if (wpSeenMarksSpte(sub, e.mm, e.vpn, bit)) sub.susp[e.vpn] = (sub.susp[e.vpn] ?? 0) | bit;
      return;
    }
    case 'warn':
      d.warnings += 1;
      return;
    case 'helper/call':
    case 'helper/return':
    case 'fault/enter':
    case 'fault/exit':
      return;
  }
}
