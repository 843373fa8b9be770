import type { SimEvent } from '../events/index.js';
import type { SimState } from '../state/types.js';
import { decide, stepOptions } from '../sim/decide.js';
import type { Model } from '../sim/model.js';

/**
 * Invisible, thread-local steps (partial-order reduction, ample sets of size one).
 *
 * A step of thread t is *local* when (1) its `options` and its `decide`, for every
 * alternative, read nothing but t's own call stack, and (2) its events only edit t's own
 * stack (thread/goto, thread/set, thread/call, or a thread/return that leaves the stack
 * non-empty). Reads are observed, not assumed: decide runs on a Proxy of the state that
 * flags any access outside `threads[t]`. Such a step commutes with every step of every other
 * thread in every future state (no one else reads or writes t's frames; other threads only
 * read whether t has finished, which a local step never changes), stays enabled until taken,
 * and no property observes it (properties read memory, TLBs, PTEs, locks, never frames). So
 * exploring only t's alternatives at that state is sound for safety properties and for
 * deadlocks (ample-set conditions C0–C2); the search adds the cycle proviso C3.
 */
export class LocalSteps {
  private readonly nonLocal = new Set<string>();
  private tid = -1;
  private global = false;
  private readonly threadsHandler: ProxyHandler<readonly unknown[]>;
  private readonly rootHandler: ProxyHandler<SimState>;
  /** Proxied decide calls (for statistics). */
  probes = 0;

  constructor(private readonly model: Model) {
    /** Enumerating or probing a key of either object reads beyond the thread: global. */
    const global = {
      has: (target: object, prop: string | symbol): boolean => {
        this.global = true;
        return Reflect.has(target, prop);
      },
      ownKeys: (target: object): ArrayLike<string | symbol> => {
        this.global = true;
        return Reflect.ownKeys(target);
      },
    };
    this.threadsHandler = {
      get: (target, prop) => {
        if (prop !== String(this.tid)) this.global = true;
        return Reflect.get(target, prop) as unknown;
      },
      ...global,
    };
    this.rootHandler = {
      get: (target, prop) => {
        const v = Reflect.get(target, prop) as unknown;
        if (prop === 'threads') return new Proxy(v as readonly unknown[], this.threadsHandler);
        this.global = true;
        return v;
      },
      ...global,
    };
  }

  /**
   * The first thread (in `tids` order) whose next step is local at `state`, or -1.
   * `opts[i]` is the alternative count of `tids[i]`.
   */
  find(state: SimState, tids: readonly number[]): number {
    let proxy: SimState | null = null;
    for (const t of tids) {
      const th = state.threads[t];
      const top = th?.stack[th.stack.length - 1];
      if (!th || !top) continue;
      // The answer is a function of t's own stack (a step that reads anything else is not
      // local), and the explorer never mutates a stored state's objects: cache it by identity.
      if (this.lastThread[t] === th) {
        if (this.lastLocal[t] === 1) return t;
        continue;
      }
      const point = `${top.fn}:${top.pc}`;
      let local = false;
      if (!this.nonLocal.has(point)) {
        proxy ??= new Proxy(state, this.rootHandler);
        local = this.isLocal(proxy, t, th.stack.length, point);
      }
      this.lastThread[t] = th;
      this.lastLocal[t] = local ? 1 : 0;
      if (local) return t;
    }
    return -1;
  }

  /** Per thread: the last thread object asked about and its answer (1 = local). */
  private readonly lastThread: unknown[] = [];
  private readonly lastLocal: number[] = [];

  private isLocal(proxy: SimState, t: number, depth: number, point: string): boolean {
    this.tid = t;
    this.global = false;
    this.probes++;
    const n = stepOptions(this.model, proxy, t);
    if (this.global) {
      this.nonLocal.add(point);
      return false;
    }
    for (let c = 0; c < n; c++) {
      const events = decide(this.model, proxy, t, c);
      if (this.global) {
        this.nonLocal.add(point);
        return false;
      }
      if (!onlyOwnFrames(events, t, depth)) return false;
    }
    return n > 0;
  }
}

function onlyOwnFrames(events: readonly SimEvent[], t: number, depth: number): boolean {
  let d = depth;
  for (const e of events) {
    switch (e.type) {
      case 'thread/goto':
      case 'thread/set':
        if (e.tid !== t) return false;
        break;
      case 'thread/call':
        if (e.tid !== t) return false;
        d++;
        break;
      case 'thread/return':
        if (e.tid !== t) return false;
        d--;
        if (d <= 0) return false; // finishing is visible to drains (they wait for it)
        break;
      default:
        return false;
    }
  }
  return true;
}
