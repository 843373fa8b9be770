import type { Property } from './types.js';
import { OwedFlushes, rangeText, Windows } from './track.js';

/**
 * `notifier-flush-before-end` (R6, R7, H4; T1): every PTE a dirty-tracking helper
 * reduced inside an invalidate window must be covered by a completed TLB flush of its own
 * (`flush/done`) before it calls `invalidate_range_end` for that window.
 *
 * @remarks Scoped to the helpers' calls: mm/mprotect.c ends its range in change_pmd_range()
 * before change_protection_range() flushes, and reclaim batches its flush past the end, so the
 * order is the helpers' contract (H4), not every PTE writer's.
 */
export const notifierFlushBeforeEnd: Property = {
  id: 'notifier-flush-before-end',
  description:
    "a helper's TLB flush of its window's PTE reductions completes before the window ends",
  explanation:
    'R6: the CPU TLB flush happens after all modifications of the VMA range and before end; R7: ' +
    'invalidate_range_end runs after the flush. A secondary MMU may re-read the PTEs from the end ' +
    'callback (MMU_NOTIFY_PROTECTION_PAGE), and pending == 0 observers rely on the order (R9).',
  expectation:
    'flush_tlb_range() of every PTE reduced in the window returns before invalidate_range_end()',
  severity: 'failure',
  events: [
    'pte/set',
    'flush/done',
    'helper/call',
    'helper/return',
    'notifier/start',
    'notifier/end',
  ],
  start(model) {
    const owed = new OwedFlushes(model);
    const windows = new Windows();
    const helpers = new Set([model.variant.fnNames.wrprotect, model.variant.fnNames.clean]);
    /** Threads inside a helper call. */
    const inHelper = new Set<number>();
    return {
      onEvent(e, index) {
        owed.apply(e, index);
        if (e.type === 'helper/call' && helpers.has(e.fn)) inHelper.add(e.tid);
        else if (e.type === 'helper/return') inHelper.delete(e.tid);
        if (e.type !== 'notifier/start' && e.type !== 'notifier/end') return null;
        const w = windows.apply(e, index);
        if (e.type !== 'notifier/end' || w === null || w === 'unmatched' || !inHelper.has(e.tid))
          return null;
        const left = owed
          .ofThread(e.tid, e.mm)
          .find((o) => o.vpn >= w.from && o.vpn < w.to && o.index > w.index);
        if (!left) return null;
        return {
          index,
          message: `thread ${e.tid} ended its invalidate window ${rangeText(w.from, w.to)} on mm${e.mm} while its change of vpn ${left.vpn} (event ${left.index}) had not been flushed`,
        };
      },
    };
  },
};
