import type { Property } from './types.js';
import { layoutOf, ptlLock } from '../state/layout.js';

/**
 * `lock-pte-ptl` (H5, H7/H8, P1/P2, F1, O4): kernel code writes a PTE only while it
 * holds the page-table lock of the table containing it. Hardware A/D updates (`src: 'hw'`)
 * never take the PTL and are exempt: they are atomic RMWs (X86-W2, A64-W2).
 */
export const lockPtePtl: Property = {
  id: 'lock-pte-ptl',
  description: "software PTE writes happen under the PTL of that PTE's table",
  explanation:
    'H5: each PTE callback runs with the PTL of its table held; P1/P2: ptep_modify_prot_start/commit ' +
    'require the PTL; F1/F4: the fault path re-validates and updates under the PTL. Two software ' +
    'writers of one PTE without the lock can overwrite each other (a lost write-protect or dirty bit).',
  expectation: 'the writing thread holds the PTL of the PTE table',
  severity: 'failure',
  events: ['pte/set'],
  start(model) {
    const layout = layoutOf(model.scenario);
    return {
      onEvent(e, index, state) {
        if (e.type !== 'pte/set' || e.src !== 'sw') return null;
        const ptl = ptlLock(layout, e.mm, e.vpn);
        if (state.locks[ptl]?.owner === e.tid) return null;
        return {
          index,
          message: `thread ${e.tid} wrote mm${e.mm} vpn ${e.vpn} (${e.fn}) without holding ${layout.lockNames[ptl] ?? `lock ${ptl}`}`,
        };
      },
    };
  },
};
