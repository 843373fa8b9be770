import type { Property } from './types.js';
import { rangeText, Windows } from './track.js';

/**
 * `notifier-paired` (R1, R10; O4): every `invalidate_range_end` closes an
 * `invalidate_range_start` of the same thread with the same mm and range, and a completed run
 * leaves no window open.
 */
export const notifierPaired: Property = {
  id: 'notifier-paired',
  description: 'notifier start and end are paired per thread with the same mm and range',
  explanation:
    'R1: invalidate_range_start(range) is paired with exactly one invalidate_range_end(range); R10: ' +
    'a start that failed must not be ended. An unpaired end makes the interval sequence even while ' +
    'an invalidation is still running (R7), an unpaired start keeps secondary MMUs out forever.',
  expectation:
    'each invalidate_range_end() matches an earlier invalidate_range_start() of the same thread, mm and range',
  severity: 'failure',
  events: ['notifier/start', 'notifier/end', '@sim/end'],
  start() {
    const windows = new Windows();
    return {
      onEvent(e, index) {
        if (e.type === '@sim/end') {
          const w = windows.open[0];
          if (e.reason !== 'done' || !w) return null;
          return {
            index,
            message: `the run finished with thread ${w.tid}'s invalidate window ${rangeText(w.from, w.to)} on mm${w.mm} (event ${w.index}) never ended`,
          };
        }
        if (e.type !== 'notifier/start' && e.type !== 'notifier/end') return null;
        if (windows.apply(e, index) !== 'unmatched') return null;
        return {
          index,
          message: `thread ${e.tid} ended invalidate window ${rangeText(e.from, e.to)} on mm${e.mm} without a matching start`,
        };
      },
    };
  },
};
