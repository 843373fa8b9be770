import type { Property } from './types.js';
import { rangeText, Windows } from './track.js';

/**
 * `notifier-smmu-in-window` (R3, O5): from `invalidate_range_start` until
 * `invalidate_range_end`, no secondary MMU establishes or upgrades an SPTE inside the range.
 * A correct interval subscriber cannot: `mmu_interval_read_begin()` sleeps while the
 * subscription is being invalidated and `mmu_interval_read_retry()` fails afterwards.
 */
export const notifierSmmuInWindow: Property = {
  id: 'notifier-smmu-in-window',
  description:
    'no secondary-MMU mapping is established inside an open invalidate window covering it',
  explanation:
    'R3: from start until end, no secondary MMU may establish or upgrade SPTEs inside range; ' +
    'O5: no SPTE install during an overlapping invalidation unless followed by retry. An SPTE made ' +
    'from a PTE the kernel is about to write-protect lets the device write past the dirty tracking.',
  expectation: 'SPTE installs for a page wait until every invalidate window covering it has ended',
  severity: 'failure',
  events: ['notifier/start', 'notifier/end', 'smmu/install'],
  start(model) {
    const windows = new Windows();
    return {
      onEvent(e, index) {
        windows.apply(e, index);
        if (e.type !== 'smmu/install') return null;
        const mm = model.scenario.secondaryMmus[e.sub]?.mm;
        const w = windows.open.find((x) => x.mm === mm && e.vpn >= x.from && e.vpn < x.to);
        if (!w) return null;
        return {
          index,
          message: `secondary MMU ${e.sub} installed a ${e.w ? 'writable' : 'read-only'} SPTE for mm${mm} vpn ${e.vpn} inside thread ${w.tid}'s invalidate window ${rangeText(w.from, w.to)} (event ${w.index})`,
        };
      },
    };
  },
};
