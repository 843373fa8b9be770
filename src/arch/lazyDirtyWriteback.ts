import type { SimEvent } from '../events/index.js';
import { PTE_HWDIRTY, PTE_PRESENT, PTE_WRITE, PTE_YOUNG, pteWithPfn } from '../state/pte.js';
import type { AccessCtx, AccessResult, ArchModel } from './types.js';
import { livePte, tlbLookup } from './tlbLookup.js';
import { makeX86Like } from './x86_64.js';

const base = makeX86Like({
  name: 'lazy-dirty-writeback',
  description: '',
  strayDirtyAllowed: false,
  rulePrefix: 'LAZY',
  savedDirty: false,
});

/**
 * HYPOTHETICAL hardware (no real CPU is known to do this; it is the hardware the seed's review
 * worried about, docs/rules/ptep.md §2 "Why it exists"). The TLB caches the dirty bit; a store through a
 * cached writable entry with D=0 marks the page dirty by writing back a whole PTE rebuilt from
 * the cached entry (pfn, P, RW, D, A): a plain store, not a locked RMW of the live entry. It
 * can undo a concurrent write-protect or clean, and it even resurrects a PTE that
 * ptep_modify_prot_start() had cleared (P3 does not hold here). Misses and loads walk as on x86.
 */
function store(ctx: AccessCtx): AccessResult {
  const { state, cpu, mm, vpn, tid } = ctx;
  const t = tlbLookup(state, cpu, mm, vpn);
  if (t && t.w === 1 && t.d === 0) {
    const rebuilt = pteWithPfn(t.pfn, PTE_PRESENT | PTE_WRITE | PTE_HWDIRTY | PTE_YOUNG);
    const ev: SimEvent[] = [];
    if (rebuilt !== livePte(state, mm, vpn))
      ev.push({ type: 'pte/set', tid, mm, vpn, pte: rebuilt, src: 'hw', fn: 'LAZY-writeback' });
    ev.push({ type: 'tlb/dirty', cpu, mm, vpn });
    ev.push({ type: 'mem/store', tid, cpu, page: t.pfn });
    return { events: ev, outcome: 'done' };
  }
  return base.store(ctx);
}

export const lazyDirtyWriteback: ArchModel = {
  ...base,
  name: 'lazy-dirty-writeback',
  description:
    'HYPOTHETICAL: the TLB writes its cached dirty bit back as a whole-PTE store (non-atomic); can undo a concurrent wrprotect/clean',
  dirtyClass: 'hypothetical',
  store,
};
