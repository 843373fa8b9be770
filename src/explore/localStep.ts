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
 *
 * The probe's answer is a function of (t, t's stack content) alone: options and decide are
 * pure, and everything they read before a first read beyond the thread is t's own stack (the
 * scenario and layout are fixed for the search). So each (t, stack content) is probed once and
 * its answer kept (up to MAX_KEPT of them; past that an unkept stack is probed again, which
 * costs time, not correctness). Nothing is decided per program point: at one `fn:pc`, one
 * stack may read beyond its thread (a drain waiting for the others, a lock) while another,
 * with other locals or of another thread (caller programs differ per thread), is local.
 */
export class LocalSteps {
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
      if (!th || th.stack.length === 0) continue;
      // The answer is a function of t's own stack (a step that reads anything else is not
      // local), and the explorer never mutates a stored state's objects: cache it by identity.
      if (this.lastThread[t] === th) {
        if (this.lastLocal[t] === 1) return t;
        continue;
      }
      // Nor does it depend on anything but t and the stack's content (see the class comment):
      // kept by that content, a stack met again in another state object is not probed again.
      let local = this.answers.get(t, th.stack);
      if (local === undefined) {
        proxy ??= new Proxy(state, this.rootHandler);
        local = this.isLocal(proxy, t, th.stack.length);
        this.answers.set(t, th.stack, local);
      }
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

  private isLocal(proxy: SimState, t: number, depth: number): boolean {
    this.tid = t;
    this.global = false;
    this.probes++;
    const n = stepOptions(this.model, proxy, t);
    if (this.global) return false;
    for (let c = 0; c < n; c++) {
      const events = decide(this.model, proxy, t, c);
      if (this.global) return false;
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

/** A probe's answer for thread t with these frames (copies). */
interface Kept {
  readonly t: number;
  readonly frames: readonly { readonly fn: string; readonly pc: number; readonly l: number[] }[];
  readonly local: boolean;
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

  /** The kept answer for t with this stack, or undefined (never probed, or not kept). */
  get(t: number, stack: readonly FrameView[]): boolean | undefined {
    for (let k = this.byHash.get(StackAnswers.hash(t, stack)); k !== undefined; k = k.next)
      if (StackAnswers.same(k, t, stack)) return k.local;
    return undefined;
  }

  /** Keep an answer while fewer than MAX_KEPT are kept (past that, the stack is probed again). */
  set(t: number, stack: readonly FrameView[], local: boolean): void {
    if (this.size >= MAX_KEPT) return;
    const h = StackAnswers.hash(t, stack);
    const frames = stack.map((f) => ({ fn: f.fn, pc: f.pc, l: f.l.slice() }));
    this.byHash.set(h, { t, frames, local, next: this.byHash.get(h) });
    this.size++;
  }
}
