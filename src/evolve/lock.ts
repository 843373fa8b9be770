import type { Draft } from 'immer';
import type { LockEvent } from '../events/index.js';
import type { MutableSimState } from '../state/types.js';

/** Lock facts: rwsem readers as a tid bitmask, exclusive owner as a tid. */
export function applyLock(d: Draft<MutableSimState>, e: LockEvent): void {
  const lock = d.locks[e.lock];
  if (!lock) return;
  const bit = 1 << e.tid;
  if (e.type === 'lock/acquire') {
    if (e.mode === 'r') lock.readers |= bit;
    else lock.owner = e.tid;
  } else if (e.mode === 'r') {
    if (lock.readers & bit) lock.readers &= ~bit;
  } else if (lock.owner === e.tid) {
    lock.owner = -1;
  }
}
