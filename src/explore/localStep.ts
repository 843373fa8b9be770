import type { SimEvent } from '../events/index.js';
import type { FrameView, SimState } from '../state/types.js';
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
  /** Program points (`fn:pc`), marked once a step there was seen to read beyond its thread. */
  private readonly points = new Map<string, Point>();
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
      // Nor does the probe's answer depend on anything but t and the stack's content (options
      // and decide are pure, and what they read before a read beyond the thread is the stack
      // itself): it is kept by that content, so a stack met again in another state object is
      // not probed again. A point marked non-local since answers no (as it did unkept).
      let kept = this.answers.get(t, th.stack);
      if (kept === undefined) {
        const key = `${top.fn}:${top.pc}`;
        let point = this.points.get(key);
        if (point === undefined) {
          point = { nonLocal: false };
          this.points.set(key, point);
        }
        let answer = false;
        if (!point.nonLocal) {
          proxy ??= new Proxy(state, this.rootHandler);
          answer = this.isLocal(proxy, t, th.stack.length, point);
        }
        kept = this.answers.set(t, th.stack, answer, point);
      }
      const local = kept.local && !kept.point.nonLocal;
      this.lastThread[t] = th;
      this.lastLocal[t] = local ? 1 : 0;
      if (local) return t;
    }
    return -1;
  }

  /** Answers by (thread, stack content). */
  private readonly answers = new StackAnswers();

  /** Per thread: the last thread object asked about and its answer (1 = local). */
  private readonly lastThread: unknown[] = [];
  private readonly lastLocal: number[] = [];

  private isLocal(proxy: SimState, t: number, depth: number, point: Point): boolean {
    this.tid = t;
    this.global = false;
    this.probes++;
    const n = stepOptions(this.model, proxy, t);
    if (this.global) {
      point.nonLocal = true;
      return false;
    }
    for (let c = 0; c < n; c++) {
      const events = decide(this.model, proxy, t, c);
      if (this.global) {
        point.nonLocal = true;
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

/** A program point of the local-step probe. */
interface Point {
  nonLocal: boolean;
}

/** A probe's answer for thread t with these frames (copies) at this point. */
interface Kept {
  readonly t: number;
  readonly frames: readonly { readonly fn: string; readonly pc: number; readonly l: number[] }[];
  readonly local: boolean;
  readonly point: Point;
  next: Kept | undefined;
}

/** Most (thread, stack) answers kept; a search meets far fewer distinct stacks than states. */
const MAX_KEPT = 1 << 16;

/** Booleans by thread and exact stack content (hashed, then compared frame by frame). */
class StackAnswers {
  private readonly byHash = new Map<number, Kept>();
  private size = 0;

  private static hash(t: number, stack: readonly FrameView[]): number {
    let h = Math.imul(0x811c9dc5 ^ t, 0x01000193);
    for (let j = 0; j < stack.length; j++) {
      const f = stack[j] as FrameView;
      h = Math.imul(h ^ (f.fn.length + 31 * f.fn.charCodeAt(0)), 0x01000193);
      h = Math.imul(h ^ f.pc, 0x01000193);
      const l = f.l;
      h = Math.imul(h ^ l.length, 0x01000193);
      for (let i = 0; i < l.length; i++) h = Math.imul(h ^ (l[i] as number), 0x01000193);
    }
    return h;
  }

  private static same(k: Kept, t: number, stack: readonly FrameView[]): boolean {
    if (k.t !== t || k.frames.length !== stack.length) return false;
    for (let j = 0; j < stack.length; j++) {
      const a = k.frames[j] as Kept['frames'][number];
      const b = stack[j] as FrameView;
      if (a.fn !== b.fn || a.pc !== b.pc || a.l.length !== b.l.length) return false;
      for (let i = 0; i < a.l.length; i++) if (a.l[i] !== b.l[i]) return false;
    }
    return true;
  }

  get(t: number, stack: readonly FrameView[]): Kept | undefined {
    for (let k = this.byHash.get(StackAnswers.hash(t, stack)); k !== undefined; k = k.next)
      if (StackAnswers.same(k, t, stack)) return k;
    return undefined;
  }

  /** Keep an answer (while fewer than MAX_KEPT are kept); the entry either way. */
  set(t: number, stack: readonly FrameView[], local: boolean, point: Point): Kept {
    const h = StackAnswers.hash(t, stack);
    const frames = stack.map((f) => ({ fn: f.fn, pc: f.pc, l: f.l.slice() }));
    const k: Kept = { t, frames, local, point, next: this.byHash.get(h) };
    if (this.size < MAX_KEPT) {
      this.byHash.set(h, k);
      this.size++;
    }
    return k;
  }
}
