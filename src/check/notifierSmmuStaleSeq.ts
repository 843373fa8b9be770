import type { Property } from './types.js';

/**
 * `notifier-smmu-stale-seq` (R8, O5): an SPTE is installed only with the sequence
 * of a `mmu_interval_read_begin()` that no invalidation has overtaken — i.e. the subscription's
 * sequence still equals the one the install relied on (`mmu_interval_read_retry()` false).
 */
export const notifierSmmuStaleSeq: Property = {
  id: 'notifier-smmu-stale-seq',
  description: 'no secondary-MMU mapping is installed with a stale interval sequence',
  explanation:
    'R8: any SPTE installed must come from a PTE read after a read_begin whose seq was not retried; ' +
    'a reader whose critical section overlapped any part of an invalidation must retry ' +
    "(mm/mmu_notifier.c: mmu_interval_read_retry() compares the subscription's invalidate_seq).",
  expectation:
    "the subscription's sequence at install equals the read_begin sequence the install used",
  severity: 'failure',
  events: ['smmu/install'],
  start() {
    return {
      onEvent(e, index, state) {
        if (e.type !== 'smmu/install') return null;
        const sub = state.smmus[e.sub];
        if (!sub || sub.seq === e.seq) return null;
        return {
          index,
          message: `secondary MMU ${e.sub} installed a ${e.w ? 'writable' : 'read-only'} SPTE for vpn ${e.vpn} with read_begin sequence ${e.seq} after an invalidation moved the subscription to ${sub.seq} (mmu_interval_read_retry() would be true)`,
        };
      },
    };
  },
};
