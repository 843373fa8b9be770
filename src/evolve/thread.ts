import type { Draft } from 'immer';
import type { ThreadEvent } from '../events/index.js';
import type { MutableSimState } from '../state/types.js';

/** Thread progress: push/pop frames, set pc and locals of the top frame. */
export function applyThread(d: Draft<MutableSimState>, e: ThreadEvent): void {
  const th = d.threads[e.tid];
  if (!th) return;
  switch (e.type) {
    case 'thread/call':
      th.stack.push({ fn: e.fn, pc: 0, l: e.l.slice() });
      return;
    case 'thread/return':
      th.stack.pop();
      return;
    case 'thread/goto': {
      const top = th.stack[th.stack.length - 1];
      if (top && top.pc !== e.pc) top.pc = e.pc;
      return;
    }
    case 'thread/set': {
      const top = th.stack[th.stack.length - 1];
      if (top && top.l[e.slot] !== e.value) top.l[e.slot] = e.value;
      return;
    }
  }
}
