import type { Property } from './types.js';
import { layoutOf } from '../state/layout.js';

/**
 * `lock-exclusive` (H1, O4): an exclusive acquire finds the lock free (no
 * owner, no readers), a read acquire finds no exclusive owner. The scheduler only runs a step
 * whose locks are free, so a log breaking this was not produced by a correct model.
 */
export const lockExclusive: Property = {
  id: 'lock-exclusive',
  description: 'locks exclude: no acquire while another holder conflicts',
  explanation:
    'Mutual exclusion of the PTL and the driver lock, and rwsem semantics of i_mmap_rwsem (H1: any ' +
    'number of readers, writers wait). Every other lock-* and notifier-* rule assumes it.',
  expectation: 'an exclusive acquire finds the lock free; a read acquire finds no exclusive owner',
  severity: 'failure',
  events: ['lock/acquire', 'lock/release'],
  start(model) {
    const layout = layoutOf(model.scenario);
    const owner = new Map<number, number>();
    const readers = new Map<number, Set<number>>();
    return {
      onEvent(e, index) {
        if (e.type !== 'lock/acquire' && e.type !== 'lock/release') return null;
        const rs = readers.get(e.lock) ?? new Set<number>();
        readers.set(e.lock, rs);
        if (e.type === 'lock/release') {
          if (e.mode === 'r') rs.delete(e.tid);
          else if (owner.get(e.lock) === e.tid) owner.delete(e.lock);
          return null;
        }
        const o = owner.get(e.lock);
        const conflict =
          o !== undefined
            ? `thread ${o} holds it exclusively`
            : e.mode === 'w' && rs.size > 0
              ? `thread ${[...rs][0]} holds it for read`
              : null;
        if (e.mode === 'r') rs.add(e.tid);
        else owner.set(e.lock, e.tid);
        if (conflict === null) return null;
        return {
          index,
          message: `thread ${e.tid} acquired ${layout.lockNames[e.lock] ?? `lock ${e.lock}`} (${e.mode === 'r' ? 'read' : 'exclusive'}) while ${conflict}`,
        };
      },
    };
  },
};
