import type { Property } from './types.js';
import { rangeText, Windows } from './track.js';

/**
 * `notifier-end-before-dec` (R9, H4): a thread lowers `tlb_flush_pending` only
 * after it ended its invalidate windows on that mm, so anyone who sees pending == 0 also knows
 * the notifier end ran.
 */
export const notifierEndBeforeDec: Property = {
  id: 'notifier-end-before-dec',
  description: 'dec_tlb_flush_pending comes after invalidate_range_end',
  explanation:
    'R9: helpers decrement tlb_flush_pending after end (H4: start → inc → walk → flush → end → dec); ' +
    'observers of pending == 0 may then assume secondary MMUs were told too.',
  expectation: "dec_tlb_flush_pending() runs after the thread's invalidate_range_end() on that mm",
  severity: 'failure',
  events: ['notifier/start', 'notifier/end', 'pending/dec'],
  start() {
    const windows = new Windows();
    return {
      onEvent(e, index) {
        windows.apply(e, index);
        if (e.type !== 'pending/dec') return null;
        const w = windows.ofThread(e.tid, e.mm)[0];
        if (!w) return null;
        return {
          index,
          message: `thread ${e.tid} decremented tlb_flush_pending of mm${e.mm} while its invalidate window ${rangeText(w.from, w.to)} (event ${w.index}) was still open`,
        };
      },
    };
  },
};
