import type { Property } from './types.js';
import { owedLazyFlush } from './track.js';

/**
 * `wrprotect-post` (DESIGN §4; O3 for one caller; SPIN's WPPOST): when a write-protect
 * call returns, no CPU holds a writable TLB entry that was already there when this caller saw
 * (or made) the PTE read-only and has not been flushed since. The ghost marks are set by
 * `ghost/wp-seen` and vanish with the entry (flush, eviction, refill).
 */
export const wrprotectPost: Property = {
  id: 'wrprotect-post',
  description: 'a returning write-protect caller leaves no stale writable TLB entry for its pages',
  explanation:
    'S-10 / PZ review: with i_mmap_rwsem taken for read two write-protect calls can run at once; ' +
    'the later one finds PTEs already read-only, flushes only its own window (H9-v4) and returns ' +
    'while another CPU still holds a writable entry. Entries re-created after a legitimate mkwrite ' +
    'fault are not violations.',
  expectation:
    'a write-protect caller returns only after every TLB entry and SPTE it saw made read-only is flushed',
  severity: 'failure',
  statePure: true,
  events: ['helper/return'],
  start(model) {
    const wpName = model.variant.fnNames.wrprotect;
    return {
      onEvent(e, index, state) {
        if (e.type !== 'helper/return' || e.fn !== wpName) return null;
        const bit = 1 << e.tid;
        for (let cpu = 0; cpu < state.tlbs.length; cpu++)
          for (const t of state.tlbs[cpu] ?? [])
            if (t.susp & bit && !owedLazyFlush(state, cpu, t.mm))
              return {
                index,
                message: `thread ${e.tid} returned from ${wpName} while CPU${cpu} still holds a writable TLB entry for mm${t.mm} vpn ${t.vpn} it saw write-protected`,
              };
        for (let s = 0; s < state.smmus.length; s++) {
          const sub = state.smmus[s];
          const v = sub?.susp.findIndex((m) => (m & bit) !== 0) ?? -1;
          if (sub && v >= 0)
            return {
              index,
              message: `thread ${e.tid} returned from ${wpName} while secondary MMU ${s} still holds a writable SPTE for mm${sub.mm} vpn ${v} it saw write-protected`,
            };
        }
        return null;
      },
    };
  },
};
