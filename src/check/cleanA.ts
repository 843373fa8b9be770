import type { Property } from './types.js';
import { layoutOf } from '../state/layout.js';
import { sharedMappingsOf } from './track.js';

interface CleanCall {
  readonly index: number;
  readonly pages: readonly number[];
  readonly recorded: Set<number>;
}

/**
 * `clean-a` (H11, O2): every PTE that was dirty when
 * `clean_record_shared_mapping_range` (seed: `apply_as_clean`) started ends up recorded in the
 * caller's bitmap when it returns.
 *
 * @remarks Checked over every VM_SHARED VMA mapping the range, not only the VMAs the walk
 * processed: a walk that stops early (H3, S-18) breaks the documented guarantee and is reported.
 */
export const cleanA: Property = {
  id: 'clean-a',
  description:
    'a PTE dirty when the clean helper started is recorded in the bitmap when it returns',
  explanation:
    'Guarantee (a) of the kernel-doc of clean_record_shared_mapping_range (mm/mapping_dirty_helpers.c, ' +
    'O2): the helper never cleans a PTE without reporting it, and every PTE dirty at the ' +
    'start is recorded. H11: a walk stopped by a non-applicable VMA (H3, S-18) makes it fail.',
  expectation:
    "every page whose PTE was dirty at the call has its bit set in the caller's bitmap at return",
  severity: 'failure',
  events: ['helper/call', 'bitmap/set', 'helper/return'],
  start(model) {
    const scenario = model.scenario;
    const layout = layoutOf(scenario);
    const cleanFn = model.variant.fnNames.clean;
    const calls = new Map<number, CleanCall>();
    return {
      onEvent(e, index, state) {
        if (e.type === 'helper/call' && e.fn === cleanFn) {
          const pages: number[] = [];
          for (let p = e.first; p < e.first + e.nr; p++)
            if (
              sharedMappingsOf(scenario, p).some(({ mm, vpn }) =>
                model.arch.pteDirty(state.mms[mm]?.ptes[vpn] ?? 0),
              )
            )
              pages.push(p);
          calls.set(e.tid, { index, pages, recorded: new Set() });
          return null;
        }
        if (e.type === 'bitmap/set') {
          calls.get(e.tid)?.recorded.add(e.bit);
          return null;
        }
        if (e.type !== 'helper/return' || e.fn !== cleanFn) return null;
        const call = calls.get(e.tid);
        calls.delete(e.tid);
        if (!call) return null;
        const bm = state.bitmaps[layout.bitmapOf[e.tid] ?? 0] ?? [];
        const missed = call.pages.find((p) => !call.recorded.has(p) && bm[p] !== 1);
        if (missed === undefined) return null;
        return {
          index,
          message: `thread ${e.tid} returned from ${cleanFn} (called at event ${call.index}) without recording page ${missed}, whose PTE was dirty at the call`,
        };
      },
    };
  },
};
