import type { Property } from './types.js';
import { rangeText, Windows, type OpenWindow } from './track.js';

/**
 * `notifier-smmu-invalidated` (R4, R5): inside `invalidate_range_start` every
 * interval subscription on that mm gets its `invalidate()` callback (an odd sequence, SPTEs in
 * range removed) before the thread reduces any PTE in the window.
 */
export const notifierSmmuInvalidated: Property = {
  id: 'notifier-smmu-invalidated',
  description:
    "every secondary MMU on the mm is invalidated (odd seq) before the window's PTEs change",
  explanation:
    "R4: during start each overlapping interval subscription's invalidate() runs, sets its seq to " +
    'the odd cur_seq under user_lock and removes/write-protects its SPTEs before returning; R5: PTE ' +
    'modifications happen only after R1–R4. A subscriber not told keeps writing through its SPTEs.',
  expectation:
    'each subscription on the mm saw invalidate() with an odd sequence before the first PTE change of the window',
  severity: 'failure',
  events: ['notifier/start', 'notifier/end', 'smmu/invalidate', 'pte/set'],
  start(model) {
    const subsOf = (mm: number): number[] =>
      model.scenario.secondaryMmus.flatMap((s, i) => (s.mm === mm ? [i] : []));
    const windows = new Windows();
    /** Subscriptions told, per window (keyed by the window object). */
    const told = new Map<OpenWindow, Set<number>>();
    /** Windows already reported, so one window is reported once. */
    const reported = new Set<OpenWindow>();
    return {
      onEvent(e, index) {
        if (e.type === 'notifier/start') {
          windows.apply(e, index);
          const w = windows.open[windows.open.length - 1];
          if (w) told.set(w, new Set());
          return null;
        }
        if (e.type === 'notifier/end') {
          const w = windows.apply(e, index);
          if (w && w !== 'unmatched') {
            told.delete(w);
            reported.delete(w);
          }
          return null;
        }
        if (e.type === 'smmu/invalidate') {
          const w = windows.ofThread(e.tid, e.mm).find((x) => x.from === e.from && x.to === e.to);
          if (w && e.seq % 2 === 1) told.get(w)?.add(e.sub);
          else if (w && e.seq % 2 === 0)
            return {
              index,
              message: `secondary MMU ${e.sub} was invalidated with an even sequence ${e.seq} (R4: cur_seq is odd while invalidating)`,
            };
          return null;
        }
        if (e.type !== 'pte/set' || e.src !== 'sw') return null;
        const w = windows.covering(e.tid, e.mm, e.vpn);
        if (!w || reported.has(w)) return null;
        const missing = subsOf(e.mm).find((s) => !told.get(w)?.has(s));
        if (missing === undefined) return null;
        reported.add(w);
        return {
          index,
          message: `thread ${e.tid} changed mm${e.mm} vpn ${e.vpn} in its window ${rangeText(w.from, w.to)} before secondary MMU ${missing} was invalidated`,
        };
      },
    };
  },
};
