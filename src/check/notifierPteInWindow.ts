import type { Property } from './types.js';
import { isReduction, PteShadow, Windows } from './track.js';

/**
 * `notifier-pte-in-window` (R1, R5; O4): kernel code may take a right away from a
 * PTE (clear it, write-protect it, clean it, change its pfn) only inside an invalidate window
 * it opened itself with `mmu_notifier_invalidate_range_start` on that mm covering the page.
 * Hardware updates (`src: 'hw'`) only add A/D and are exempt.
 */
export const notifierPteInWindow: Property = {
  id: 'notifier-pte-in-window',
  description: 'software PTE reductions happen only inside an open invalidate window covering them',
  explanation:
    'R1: invalidate_range_start(range) happens before the first PTE modification in range; R5: PTE ' +
    'modifications happen only after R1–R4. A secondary MMU learns of the change only through that ' +
    "window, so a reduction outside it leaves device mappings writable behind the kernel's back.",
  expectation:
    'a thread reduces a PTE only between its own notifier/start and notifier/end covering that page',
  severity: 'failure',
  events: ['notifier/start', 'notifier/end', 'pte/set'],
  start(model) {
    const shadow = new PteShadow(model);
    const windows = new Windows();
    return {
      onEvent(e, index) {
        if (e.type === 'notifier/start' || e.type === 'notifier/end') windows.apply(e, index);
        if (e.type !== 'pte/set') return null;
        const old = shadow.set(e);
        if (e.src !== 'sw' || !isReduction(model.arch, old, e.pte)) return null;
        if (windows.covering(e.tid, e.mm, e.vpn)) return null;
        return {
          index,
          message: `thread ${e.tid} changed mm${e.mm} vpn ${e.vpn} from ${model.arch.formatPte(old)} to ${model.arch.formatPte(e.pte)} (${e.fn}) with no invalidate window of its own open over it`,
        };
      },
    };
  },
};
