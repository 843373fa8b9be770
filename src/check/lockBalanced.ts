import type { Property } from './types.js';
import { layoutOf } from '../state/layout.js';

/**
 * `lock-balanced` (O4): a thread releases only a lock it holds, in the mode it holds
 * it (no double release), and a completed run leaves every lock free.
 */
export const lockBalanced: Property = {
  id: 'lock-balanced',
  description: 'no lock is released twice or by a non-holder, and none is held at the end',
  explanation:
    'O4 lock discipline. A double spin_unlock or up_read corrupts the lock (lockdep: "bad unlock ' +
    'balance"); a lock still held when every thread has finished is a leak that deadlocks the next user.',
  expectation: 'each release matches an earlier acquire of the same thread and mode',
  severity: 'failure',
  events: ['lock/acquire', 'lock/release', '@sim/end'],
  start(model) {
    const layout = layoutOf(model.scenario);
    const name = (l: number): string => layout.lockNames[l] ?? `lock ${l}`;
    /** Holdings: `lock:tid:mode` → count. */
    const held = new Map<string, number>();
    return {
      onEvent(e, index) {
        if (e.type === 'lock/acquire') {
          const k = `${e.lock}:${e.tid}:${e.mode}`;
          held.set(k, (held.get(k) ?? 0) + 1);
          return null;
        }
        if (e.type === 'lock/release') {
          const k = `${e.lock}:${e.tid}:${e.mode}`;
          const n = held.get(k) ?? 0;
          if (n === 0)
            return {
              index,
              message: `thread ${e.tid} released ${name(e.lock)} (${e.mode === 'r' ? 'read' : 'exclusive'}) without holding it`,
            };
          if (n === 1) held.delete(k);
          else held.set(k, n - 1);
          return null;
        }
        if (e.type === '@sim/end' && e.reason === 'done') {
          const first = held.keys().next();
          if (first.done) return null;
          const [lock, tid] = first.value.split(':').map(Number) as [number, number];
          return {
            index,
            message: `the run finished with thread ${tid} still holding ${name(lock)}`,
          };
        }
        return null;
      },
    };
  },
};
