import type { SimEvent } from '../events/index.js';
import type { Property } from './types.js';
import { layoutOf } from '../state/layout.js';

/** Events a helper emits from its walk: each needs i_mmap_rwsem (H1). */
const WALK_EVENTS: ReadonlySet<SimEvent['type']> = new Set([
  'pte/set',
  'notifier/start',
  'notifier/end',
  'pending/inc',
  'pending/dec',
  'flush/start',
  'flush/done',
  'tlb/flush',
  'ghost/wp-seen',
]);

/**
 * `lock-immap-walk` (H1, PW): between `helper/call` and `helper/return` every
 * step of the walk (notifier, pending counter, PTE changes, flushes) runs with the mapping's
 * i_mmap_rwsem held by the calling thread; walk_page_mapping() asserts it.
 */
export const lockImmapWalk: Property = {
  id: 'lock-immap-walk',
  description: 'i_mmap_rwsem is held across the whole helper walk',
  explanation:
    'H1: a helper call holds i_mmap_rwsem(mapping) for read from entry to exit; walk_page_mapping() ' +
    'asserts it (mm/pagewalk.c). It is what keeps the VMA tree (and the VMAs being walked) stable.',
  expectation: 'the helper thread holds i_mmap_rwsem for every step of its walk',
  severity: 'failure',
  events: ['helper/call', 'helper/return', ...WALK_EVENTS],
  start(model) {
    const layout = layoutOf(model.scenario);
    const lock = layout.immapLock;
    // Only the dirty-tracking helpers walk the i_mmap tree; other actors (mprotect, clear_refs)
    // reuse the helper/* brackets but walk one mm under mmap_lock.
    const helpers = new Set([model.variant.fnNames.wrprotect, model.variant.fnNames.clean]);
    /** Open helper calls: tid → function name. */
    const inHelper = new Map<number, string>();
    return {
      onEvent(e, index, state) {
        if (e.type === 'helper/call' && helpers.has(e.fn)) inHelper.set(e.tid, e.fn);
        else if (e.type === 'helper/return') inHelper.delete(e.tid);
        if (!WALK_EVENTS.has(e.type) || !('tid' in e)) return null;
        const fn = inHelper.get(e.tid);
        if (fn === undefined) return null;
        const l = state.locks[lock];
        if (l && (l.owner === e.tid || (l.readers & (1 << e.tid)) !== 0)) return null;
        return {
          index,
          message: `thread ${e.tid} ran ${e.type} inside ${fn} without holding ${layout.lockNames[lock] ?? 'i_mmap_rwsem'}`,
        };
      },
    };
  },
};
