import type { Property } from './types.js';
import { layoutOf, ptlLock } from '../state/layout.js';
import { PTE_NONE } from '../state/pte.js';
import { PteShadow } from './track.js';

/**
 * `lock-prot-transaction` (P1, P2): between `ptep_modify_prot_start` and
 * `ptep_modify_prot_commit` of a PTE the thread keeps that table's PTL, and the commit stores
 * into the none entry that start left behind.
 */
export const lockProtTransaction: Property = {
  id: 'lock-prot-transaction',
  description: 'the PTL is not dropped between ptep_modify_prot_start and commit',
  explanation:
    'P2: commit requires the PTL and *ptep == none; the PTL must not be released between P1 and P2 ' +
    '(include/linux/pgtable.h: the transaction protects only against hardware; other software is ' +
    'kept out by the PTL). Otherwise a fault could insert a PTE that the commit then overwrites.',
  expectation:
    'the thread holds the PTL from ptep_modify_prot_start until its commit into the none entry',
  severity: 'failure',
  events: ['lock/release', 'pte/set'],
  start(model) {
    const layout = layoutOf(model.scenario);
    const shadow = new PteShadow(model);
    /** Open transactions: tid → { mm, vpn, ptl, index }. */
    const open = new Map<number, { mm: number; vpn: number; ptl: number; index: number }>();
    return {
      onEvent(e, index) {
        if (e.type === 'lock/release') {
          const t = open.get(e.tid);
          if (!t || t.ptl !== e.lock) return null;
          open.delete(e.tid);
          return {
            index,
            message: `thread ${e.tid} released ${layout.lockNames[e.lock] ?? 'the PTL'} inside the protection transaction on mm${t.mm} vpn ${t.vpn} started at event ${t.index}`,
          };
        }
        if (e.type !== 'pte/set') return null;
        const old = shadow.set(e);
        if (e.fn === 'ptep_modify_prot_start') {
          open.set(e.tid, { mm: e.mm, vpn: e.vpn, ptl: ptlLock(layout, e.mm, e.vpn), index });
          return null;
        }
        if (e.fn !== 'ptep_modify_prot_commit') return null;
        const t = open.get(e.tid);
        open.delete(e.tid);
        if (t && t.mm === e.mm && t.vpn === e.vpn && old === PTE_NONE) return null;
        return {
          index,
          message: t
            ? old !== PTE_NONE
              ? `thread ${e.tid} committed mm${e.mm} vpn ${e.vpn} over a non-none entry (${model.arch.formatPte(old)})`
              : `thread ${e.tid} committed mm${e.mm} vpn ${e.vpn} but started its transaction on mm${t.mm} vpn ${t.vpn}`
            : `thread ${e.tid} committed mm${e.mm} vpn ${e.vpn} without ptep_modify_prot_start`,
        };
      },
    };
  },
};
