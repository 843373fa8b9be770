import { ZAP_FNS } from '../kernel/zap.js';
import type { Property } from './types.js';
import { owedLazyFlush } from './track.js';

/**
 * `wrprotect-post` (DESIGN §4; O3 for one caller; SPIN's WPPOST): when a write-protect
 * call returns, no CPU holds a writable TLB entry that was already there when this caller saw
 * (or made) the PTE read-only and has not been flushed since. The ghost marks are set by
 * `ghost/wp-seen` and vanish with the entry (flush, eviction, refill). The same holds for a
 * user's zap (madvise(MADV_DONTNEED), munmap: S-1), which leaves the PTE none rather than
 * read-only.
 */
export const wrprotectPost: Property = {
  id: 'wrprotect-post',
  description:
    'a returning write-protect or zap caller leaves no stale writable TLB entry for its pages',
  explanation:
    'S-10 / PZ review: with i_mmap_rwsem taken for read two write-protect calls can run at once; ' +
    'the later one finds PTEs already read-only, flushes only its own window (H9-v4) and returns ' +
    'while another CPU still holds a writable entry. S-1: two madvise(MADV_DONTNEED) under ' +
    'mmap_lock for read, the later one finds the PTEs none and flushes nothing (before ' +
    '99baac21e458). Entries re-created after a legitimate mkwrite fault are not violations.',
  expectation:
    'a write-protect or zap caller returns only after every TLB entry and SPTE it saw made read-only or none is flushed',
  severity: 'failure',
  statePure: true,
  events: ['helper/return', 'actor/return'],
  start(model) {
    const wpName = model.variant.fnNames.wrprotect;
    return {
      onEvent(e, index, state) {
        if (e.type !== 'helper/return' && e.type !== 'actor/return') return null;
        const zap = e.type === 'actor/return';
        if (zap ? !ZAP_FNS.includes(e.fn) : e.fn !== wpName) return null;
        const saw = zap ? 'zapped' : 'write-protected';
        const bit = 1 << e.tid;
        for (let cpu = 0; cpu < state.tlbs.length; cpu++)
          for (const t of state.tlbs[cpu] ?? [])
            if (t.susp & bit && !owedLazyFlush(state, cpu, t.mm))
              return {
                index,
                message: `thread ${e.tid} returned from ${e.fn} while CPU${cpu} still holds a writable TLB entry for mm${t.mm} vpn ${t.vpn} it saw ${saw}`,
              };
        for (let s = 0; s < state.smmus.length; s++) {
          const sub = state.smmus[s];
          const v = sub?.susp.findIndex((m) => (m & bit) !== 0) ?? -1;
          if (sub && v >= 0)
            return {
              index,
              message: `thread ${e.tid} returned from ${e.fn} while secondary MMU ${s} still holds a writable SPTE for mm${sub.mm} vpn ${v} it saw ${saw}`,
            };
        }
        return null;
      },
    };
  },
};
