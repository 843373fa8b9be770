import type { Property } from './types.js';
import { ProtTransactions, sharedMappingsOf } from './track.js';

interface CleanCall {
  readonly index: number;
  readonly first: number;
  readonly nr: number;
  /** Pages stored to since the call, with the index of the first such store. */
  readonly written: Map<number, number>;
  readonly recorded: Set<number>;
}

/**
 * `clean-b` (O2): every page written after `clean_record_shared_mapping_range`
 * started is, when it returns, still dirty in some PTE mapping it, or recorded in the bitmap,
 * or both. A PTE inside another writer's ptep_modify_prot_start/commit transaction counts by
 * the value start saved (P5): it reads none, but that writer holds the PTL and commits from it.
 */
export const cleanB: Property = {
  id: 'clean-b',
  description: 'a page written during the clean helper is still dirty or recorded when it returns',
  explanation:
    'Guarantee (b) of the kernel-doc of clean_record_shared_mapping_range (O2): PTEs ' +
    "dirtied after the start either stay dirty or are recorded. Hellström's case analysis (SEED) " +
    'is why the deferred flush keeps it: a write through a stale TLB entry hits a recorded page.',
  expectation:
    'a page written since the call has a dirty PTE or its bitmap bit set when the helper returns',
  severity: 'failure',
  events: ['helper/call', 'mem/store', 'bitmap/set', 'helper/return', 'pte/set'],
  start(model) {
    const { scenario, layout } = model;
    const cleanFn = model.variant.fnNames.clean;
    const calls = new Map<number, CleanCall>();
    const tx = ProtTransactions.of(model);
    return {
      onEvent(e, index, state) {
        switch (e.type) {
          case 'pte/set':
            tx.apply(e, index);
            return null;
          case 'helper/call':
            if (e.fn === cleanFn)
              calls.set(e.tid, {
                index,
                first: e.first,
                nr: e.nr,
                written: new Map(),
                recorded: new Set(),
              });
            return null;
          case 'mem/store':
            for (const c of calls.values())
              if (e.page >= c.first && e.page < c.first + c.nr && !c.written.has(e.page))
                c.written.set(e.page, index);
            return null;
          case 'bitmap/set':
            calls.get(e.tid)?.recorded.add(e.bit);
            return null;
          case 'helper/return': {
            if (e.fn !== cleanFn) return null;
            const call = calls.get(e.tid);
            calls.delete(e.tid);
            if (!call) return null;
            const bm = state.bitmaps[layout.bitmapOf[e.tid] ?? 0] ?? [];
            for (const [page, at] of call.written) {
              if (call.recorded.has(page) || bm[page] === 1) continue;
              const dirty = sharedMappingsOf(scenario, page).some(({ mm, vpn }) =>
                model.arch.pteDirty(tx.on(mm, vpn)?.saved ?? state.mms[mm]?.ptes[vpn] ?? 0),
              );
              if (!dirty)
                return {
                  index,
                  message: `thread ${e.tid} returned from ${cleanFn} with page ${page} (written at event ${at}) neither dirty in any PTE nor recorded`,
                };
            }
            return null;
          }
          default:
            return null;
        }
      },
    };
  },
};
