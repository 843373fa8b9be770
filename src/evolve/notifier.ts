import type { Draft } from 'immer';
import type { NotifierEvent } from '../events/index.js';
import type { MutableSimState } from '../state/types.js';

/**
 * Invalidate windows and tlb_flush_pending. The interval sequence goes odd when the first
 * concurrent invalidation starts and back to even when the last one ends (R7).
 */
export function applyNotifier(d: Draft<MutableSimState>, e: NotifierEvent): void {
  const mm = d.mms[e.mm];
  if (!mm) return;
  switch (e.type) {
    case 'notifier/start':
      if (mm.active === 0) mm.seq += 1;
      mm.active += 1;
      return;
    case 'notifier/end':
      mm.active -= 1;
      if (mm.active === 0) mm.seq += 1;
      return;
    case 'pending/inc':
      mm.pending += 1;
      return;
    case 'pending/dec':
      mm.pending -= 1;
      return;
  }
}
