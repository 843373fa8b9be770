import type { Draft } from 'immer';
import type { PageCacheEvent } from '../events/index.js';
import type { MutableSimState } from '../state/types.js';

/**
 * PG_dirty and mm->tlb_flush_batched. Total: in a state without these parts (a pfn-map
 * scenario) the events change nothing.
 */
export function applyPageCache(d: Draft<MutableSimState>, e: PageCacheEvent): void {
  switch (e.type) {
    case 'page/dirty': {
      const dirty = d.pageDirty;
      if (dirty && e.page < dirty.length && dirty[e.page] !== e.value) dirty[e.page] = e.value;
      return;
    }
    case 'ubc/pending': {
      const u = d.ubc?.[e.mm];
      if (u) u.pending += 1;
      return;
    }
    case 'ubc/flushed': {
      const u = d.ubc?.[e.mm];
      if (u && u.flushed !== e.gen) u.flushed = e.gen;
      return;
    }
  }
}
