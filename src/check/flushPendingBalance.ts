import type { Property } from './types.js';
import { OwedFlushes } from './track.js';

/**
 * `flush-pending-balance` (O6, T6, O4): each `inc_tlb_flush_pending` is matched
 * by a `dec_tlb_flush_pending` of the same thread on the same mm; the counter never goes
 * negative; and a thread decrements only after a completed flush covers every PTE it reduced.
 */
export const flushPendingBalance: Property = {
  id: 'flush-pending-balance',
  description:
    'tlb_flush_pending is balanced, never negative, and decremented only after the flush',
  explanation:
    'O6: every pending += 1 is matched by a decrement after a completed flush (T6: decrement only ' +
    'after the corresponding flush returned). "pending == 0" is how mm_tlb_flush_pending() users ' +
    '(KSM, migration, the nested check of H9) know no flush is deferred (S-3, S-4).',
  expectation:
    "dec_tlb_flush_pending() follows the same thread's inc and the completion of its flush",
  severity: 'failure',
  events: ['pte/set', 'flush/done', 'pending/inc', 'pending/dec', '@sim/end'],
  start(model) {
    const owed = new OwedFlushes(model);
    /** Outstanding increments, key `tid:mm`. */
    const incs = new Map<string, number>();
    return {
      onEvent(e, index) {
        owed.apply(e, index);
        if (e.type === 'pending/inc') {
          const k = `${e.tid}:${e.mm}`;
          incs.set(k, (incs.get(k) ?? 0) + 1);
          return null;
        }
        if (e.type === 'pending/dec') {
          const k = `${e.tid}:${e.mm}`;
          const n = incs.get(k) ?? 0;
          if (n === 0)
            return {
              index,
              message: `thread ${e.tid} decremented tlb_flush_pending of mm${e.mm} without an increment of its own outstanding`,
            };
          incs.set(k, n - 1);
          const left = owed.ofThread(e.tid, e.mm)[0];
          if (left)
            return {
              index,
              message: `thread ${e.tid} decremented tlb_flush_pending of mm${e.mm} before flushing its change of vpn ${left.vpn} (event ${left.index})`,
            };
          return null;
        }
        if (e.type === '@sim/end' && e.reason === 'done')
          for (const [k, n] of incs)
            if (n > 0) {
              const [tid, mm] = k.split(':');
              return {
                index,
                message: `the run finished with thread ${tid}'s increment of tlb_flush_pending on mm${mm} never decremented`,
              };
            }
        return null;
      },
    };
  },
};
