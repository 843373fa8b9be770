import type { SimEvent } from '../events/index.js';
import { PTE_RDONLY, PTE_WRITE, PTE_YOUNG, pteIsPresent, ptePfn } from '../state/pte.js';
import type { AccessCtx, AccessResult, ArchModel } from './types.js';
import { arm64Pte } from './arm64Encoding.js';
import { livePte, tlbLookup } from './tlbLookup.js';
import { atomicHwLoad } from './x86_64.js';

/**
 * A store on arm64 with FEAT_HAFDBS, TCR_EL1.HD=1 (docs/rules/hardware.md §3.2):
 * A64-W1 a cached entry without RDONLY: the store completes, no descriptor access.
 * A64-W2 cached or walked RDONLY && WRITE(DBM): one atomic update of the *live* descriptor
 *        (the hardware's own compare-and-swap): invalid → translation fault; live RDONLY &&
 *        WRITE → clear RDONLY (hardware dirty), store completes; live !RDONLY → completes;
 * A64-W3 live RDONLY && !WRITE → permission fault.
 * HA is on too: the walker sets AF in the same atomic update.
 */
function store(ctx: AccessCtx): AccessResult {
  const { state, cpu, mm, vpn, tid } = ctx;
  const ev: SimEvent[] = [];
  const t = tlbLookup(state, cpu, mm, vpn);
  if (t && t.w === 1) {
    ev.push({ type: 'mem/store', tid, cpu, page: t.pfn }); // A64-W1
    return { events: ev, outcome: 'done' };
  }
  const live = livePte(state, mm, vpn);
  const upgradable = pteIsPresent(live) && (live & PTE_WRITE) !== 0;
  const hwOk = pteIsPresent(live) && (live & PTE_RDONLY) === 0;
  // A cached RDONLY entry: the update re-checks the live descriptor; if it is gone, moved or no
  // longer DBM the entry is dropped (fault, or a fresh walk for a changed pfn).
  if (t && !(ptePfn(live) === t.pfn && (upgradable || hwOk)))
    ev.push({ type: 'tlb/drop', cpu, mm, vpn, why: 'fault' });
  if (!pteIsPresent(live)) return { events: ev, outcome: 'fault' };
  if (!upgradable && !hwOk) return { events: ev, outcome: 'fault' }; // A64-W3
  const next = (live & ~PTE_RDONLY) | PTE_YOUNG;
  if (next !== live)
    ev.push({
      type: 'pte/set',
      tid,
      mm,
      vpn,
      pte: next,
      src: 'hw',
      fn: (live & PTE_RDONLY) !== 0 ? 'A64-W2' : 'A64-AF',
    });
  ev.push({ type: 'tlb/fill', cpu, mm, vpn, pfn: ptePfn(live), w: 1, d: 1 });
  ev.push({ type: 'mem/store', tid, cpu, page: ptePfn(live) });
  return { events: ev, outcome: 'done' };
}

/**
 * arm64 with hardware dirty-bit management (FEAT_HAFDBS, DBM+HD+HA): hardware clears RDONLY on
 * the first store to a DBM page (A64-W1..W3); pte_wrprotect flavour per the `wrprotect` option
 * (A64-WP, S-11); flushes are broadcast TLBI + DSB ISH (T3).
 */
export const arm64Dbm: ArchModel = {
  name: 'arm64-dbm',
  description:
    'arm64 with FEAT_HAFDBS: hardware clears PTE_RDONLY of a DBM page on the first store (A64-W1..W3); option wrprotect=pre-5.10 reproduces S-11',
  dirtyClass: 'atomic-hw',
  flushStyle: 'broadcast',
  optionDocs: {
    wrprotect:
      "pte_wrprotect flavour: 'fixed' (default, keeps hardware dirty in PTE_DIRTY) or 'pre-5.10' (drops it: S-11)",
    tlbi: "'sync' (default: TLBI then DSB ISH, T3) or 'nosync' (COUNTERFACTUAL for range flushes: the kernel omits the DSB only in flush_tlb_page_nosync of ptep_clear_flush_young, S-12; here every flush of the arch defers its completion to the CPU's next barrier)",
  },
  ...arm64Pte,
  store,
  load: (ctx) => atomicHwLoad(ctx, arm64Pte.hwWritable, arm64Pte.hwWritable, 'A64-AF'),
};
