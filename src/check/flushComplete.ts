import type { SimState, TlbEntry } from '../state/types.js';
import type { Model } from '../sim/model.js';
import { pteIsPresent, ptePfn } from '../state/pte.js';
import type { Property } from './types.js';
import { owedLazyFlush, pageAt } from './track.js';

/**
 * A TLB entry of `mm` more permissive than the live PTE (O3): writable where the PTE does not
 * allow a hardware store, or caching D=1 where the PTE is clean and the page's write would be
 * recorded nowhere (no bitmap holds its bit).
 */
export function stalePermissiveEntry(
  state: SimState,
  model: Model,
  mm: number,
): { cpu: number; entry: Readonly<TlbEntry>; why: string } | null {
  const arch = model.arch;
  for (let cpu = 0; cpu < state.tlbs.length; cpu++) {
    if (owedLazyFlush(state, cpu, mm)) continue; // T2
    for (const t of state.tlbs[cpu] ?? []) {
      if (t.mm !== mm) continue;
      const pte = state.mms[mm]?.ptes[t.vpn] ?? 0;
      const samePage = pteIsPresent(pte) && ptePfn(pte) === t.pfn;
      if (t.w === 1 && (!samePage || !arch.hwWritable(pte)))
        return { cpu, entry: t, why: `writable while the PTE is ${arch.formatPte(pte)}` };
      if (t.w === 1 && t.d === 1 && !arch.pteDirty(pte)) {
        const page = pageAt(model.scenario, mm, t.vpn);
        if (!state.bitmaps.some((bm) => bm[page] === 1))
          return {
            cpu,
            entry: t,
            why: `dirty while the PTE is clean and page ${page} is in no bitmap`,
          };
      }
    }
  }
  return null;
}

/**
 * `flush-complete` (O3, T1): when an mm's `tlb_flush_pending` drops to 0,
 * no deferred flush remains, so no CPU may hold a TLB entry more permissive than the PTE.
 */
export const flushComplete: Property = {
  id: 'flush-complete',
  description:
    'when tlb_flush_pending drops to 0 no CPU holds a TLB entry more permissive than its PTE',
  explanation:
    'O3: "pending == 0" implies the flushes finished (the ordering contract of T5, T6). KSM, migration ' +
    'and page_mkclean-like code skip their own flush when they see a read-only clean PTE and pending ' +
    '== 0 (S-3, S-14); a stale writable or dirty entry then lets a write go unseen.',
  expectation:
    'no TLB entry is writable (or dirty) where its PTE is read-only (or clean) once pending is 0',
  severity: 'failure',
  statePure: true,
  events: ['pending/dec'],
  // O3 as a state invariant (bisect): any mm with nothing pending and a stale permissive entry.
  stateCheck(state, model) {
    for (let mm = 0; mm < state.mms.length; mm++) {
      if ((state.mms[mm]?.pending ?? 0) !== 0) continue;
      const s = stalePermissiveEntry(state, model, mm);
      if (s)
        return `mm${mm} has no flush pending but CPU${s.cpu}'s entry for vpn ${s.entry.vpn} is ${s.why}`;
    }
    return null;
  },
  start(model) {
    return {
      onEvent(e, index, state) {
        if (e.type !== 'pending/dec' || (state.mms[e.mm]?.pending ?? 0) !== 0) return null;
        const s = stalePermissiveEntry(state, model, e.mm);
        if (!s) return null;
        return {
          index,
          message: `tlb_flush_pending of mm${e.mm} dropped to 0 while CPU${s.cpu}'s entry for vpn ${s.entry.vpn} is ${s.why}`,
        };
      },
    };
  },
};
