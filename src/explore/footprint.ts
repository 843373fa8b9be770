import type { SimState } from '../state/types.js';

/**
 * Step footprints for sleep sets: which parts of the state a transition reads and which it
 * writes, at the granularity of the root's array elements (`mms.0`, `tlbs.1`, `locks.3`,
 * `threads.2`, `pages.0`, ...) and the root's other fields (`bounds`, `warnings`, ...).
 *
 * Observed, not assumed: `options`, `decide` and the checkers run on a Proxy of the state
 * that records every element they touch (reads); the recipes run on a Proxy of the new state
 * and everything they touch counts as written (a recipe may read what it writes, and may read
 * more, such as every TLB for `ghost/wp-seen`: touching is the safe over-approximation).
 * Root arrays keep their length for a whole run (one entry per mm, CPU, lock, page, thread),
 * so reading a length is not a dependency.
 */
export class Footprints {
  private readonly ids = new Map<string, number>();
  private cur: Set<number> | null = null;
  private readonly arrayHandlers = new Map<string, ProxyHandler<unknown[]>>();
  private readonly rootHandler: ProxyHandler<SimState>;

  constructor() {
    this.rootHandler = {
      get: (target, prop, receiver) => {
        const v = Reflect.get(target, prop, receiver) as unknown;
        if (typeof prop !== 'string') return v;
        if (Array.isArray(v)) return new Proxy(v, this.arrayHandler(prop));
        this.touch(prop);
        return v;
      },
      set: (target, prop, value, receiver) => {
        if (typeof prop === 'string') this.touch(prop);
        return Reflect.set(target, prop, value, receiver);
      },
      has: (target, prop) => {
        if (typeof prop === 'string') this.touch(prop);
        return Reflect.has(target, prop);
      },
      ownKeys: (target) => {
        this.touchAll();
        return Reflect.ownKeys(target);
      },
    };
  }

  id(name: string): number {
    let id = this.ids.get(name);
    if (id === undefined) {
      id = this.ids.size;
      this.ids.set(name, id);
    }
    return id;
  }

  private touch(name: string): void {
    this.cur?.add(this.id(name));
  }

  /** Something enumerated the root: depend on everything (never happens in today's code). */
  private touchAll(): void {
    this.cur?.add(this.id('*'));
  }

  private arrayHandler(root: string): ProxyHandler<unknown[]> {
    let h = this.arrayHandlers.get(root);
    if (h) return h;
    h = {
      get: (target, prop, receiver) => {
        if (
          typeof prop === 'string' &&
          prop !== 'length' &&
          prop.charCodeAt(0) >= 48 &&
          prop.charCodeAt(0) <= 57
        )
          this.touch(`${root}.${prop}`);
        return Reflect.get(target, prop, receiver) as unknown;
      },
      set: (target, prop, value, receiver) => {
        if (typeof prop === 'string')
          this.touch(prop === 'length' ? `${root}.*` : `${root}.${prop}`);
        return Reflect.set(target, prop, value, receiver);
      },
      has: (target, prop) => {
        if (typeof prop === 'string') this.touch(`${root}.${prop}`);
        return Reflect.has(target, prop);
      },
    };
    this.arrayHandlers.set(root, h);
    return h;
  }

  /** Run `f` on a recording view of `state`, adding what it touches to `into`. */
  track<T>(state: SimState, into: Set<number>, f: (view: SimState) => T): T {
    const prev = this.cur;
    this.cur = into;
    try {
      return f(new Proxy(state, this.rootHandler));
    } finally {
      this.cur = prev;
    }
  }

  /**
   * Independent at this state: neither writes what the other reads or writes. (`*`, a
   * whole-array resize `x.*`, conflicts with everything under it.)
   */
  independent(
    r1: ReadonlySet<number>,
    w1: ReadonlySet<number>,
    r2: ReadonlySet<number>,
    w2: ReadonlySet<number>,
  ): boolean {
    const star = this.ids.get('*');
    if (star !== undefined && (r1.has(star) || w1.has(star) || r2.has(star) || w2.has(star)))
      return false;
    for (const x of w1) if (r2.has(x) || w2.has(x)) return false;
    for (const x of w2) if (r1.has(x)) return false;
    return !this.starConflict(w1, r2, w2) && !this.starConflict(w2, r1, w1);
  }

  private starConflict(
    w: ReadonlySet<number>,
    r: ReadonlySet<number>,
    w2: ReadonlySet<number>,
  ): boolean {
    if (this.ids.size === 0) return false;
    for (const x of w) {
      const name = this.nameOf(x);
      if (!name?.endsWith('.*')) continue;
      const prefix = name.slice(0, -1);
      for (const y of [...r, ...w2]) if (this.nameOf(y)?.startsWith(prefix)) return true;
    }
    return false;
  }

  private names: string[] = [];
  private nameOf(id: number): string | undefined {
    if (this.names.length !== this.ids.size) this.names = [...this.ids.keys()];
    return this.names[id];
  }
}
