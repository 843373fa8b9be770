import type { SimEvent } from '../../events/index.js';
import { applyEvent } from '../../evolve/index.js';
import type { MutableSimState, SimState } from '../../state/types.js';
import { decide, stepOptions } from '../../sim/decide.js';
import type { Model } from '../../sim/model.js';
import { cloneTouched } from '../cloneTouched.js';
import type { LocalSteps } from '../localStep.js';

/** Local successors followed before giving up and calling a stack cyclic (sound either way). */
const LIMIT = 4096;

/**
 * The cycle proviso C3 for a search with no single DFS stack (a parallel one), decided from the
 * state alone so that every thread and every order of exploration reduce alike.
 *
 * An ample set here is one thread's local step (see {@link LocalSteps}). On a cycle of states
 * that are all ample-reduced, every step is local, and it is always the same thread's: the
 * ample thread is the lowest-numbered thread whose next step is local, a local step of thread t
 * changes only t's frames, so no lower thread becomes local, and t stays the lowest until it
 * takes a step that is not local (which would leave the cycle). So such a cycle exists only if
 * thread t's own frames can come back to the same value through local steps alone. This class
 * answers that for a thread's frames (memoised by the frames' value; a thread object the
 * search already asked about is answered by identity), and the search expands every state
 * whose ample thread is on such a cycle fully: each cycle of the reduced graph then has a
 * fully expanded state (C3), whatever order the states are explored in. Programs without
 * thread-local loops (every built-in one) never trigger it.
 */
export class LocalCycles {
  private readonly byThread = new WeakMap<object, boolean>();
  private readonly byKey = new Map<string, boolean>();
  /** States whose ample thread was on a local cycle (for statistics). */
  hits = 0;

  constructor(
    private readonly model: Model,
    private readonly local: LocalSteps,
  ) {}

  /** True when thread t's frames in `state` lie on a cycle of t's local steps. */
  onCycle(state: SimState, t: number): boolean {
    const th = state.threads[t] as object;
    let r = this.byThread.get(th);
    if (r === undefined) {
      const key = frameKey(state, t);
      r = this.byKey.get(key);
      if (r === undefined) {
        r = this.search(state, t, key);
        this.byKey.set(key, r);
      }
      this.byThread.set(th, r);
    }
    if (r) this.hits++;
    return r;
  }

  /** Follow t's local steps from `start`; true when they reach t's starting frames again. */
  private search(start: SimState, t: number, key0: string): boolean {
    const seen = new Set<string>();
    const todo: SimState[] = [start];
    while (todo.length > 0) {
      const s = todo.pop() as SimState;
      if (this.local.find(s, [t]) !== t) continue;
      const n = stepOptions(this.model, s, t);
      for (let c = 0; c < n; c++) {
        const events = decide(this.model, s, t, c);
        const next = cloneTouched(s, events);
        for (const e of events) applyEvent(next, e as SimEvent);
        const view = next as unknown as SimState;
        const key = frameKey(view, t);
        if (key === key0) return true;
        if (seen.has(key)) continue;
        if (seen.size >= LIMIT) return true;
        seen.add(key);
        todo.push(view);
      }
    }
    return false;
  }
}

function frameKey(state: SimState | MutableSimState, t: number): string {
  return `${t}:${JSON.stringify(state.threads[t]?.stack ?? null)}`;
}
