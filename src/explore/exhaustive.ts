import { initialMutableState } from '../sim/init.js';
import type { MutableSimState, SimState } from '../state/types.js';
import type { Checks, FoundViolation } from '../check/checks.js';
import type { Model } from '../sim/model.js';
import type { Pick } from '../sim/schedule.js';
import { enabledList, enabledSteps, endRun } from '../sim/step.js';
import {
  execute,
  executeTracked,
  transitionsOf,
  ampleOf,
  boundExtra,
  type Executed,
  type TrackedExecuted,
} from './transition.js';
import { LocalSteps } from './localStep.js';
import { Symmetry } from './symmetry.js';
import { Visited } from './visited.js';
import { Footprints } from './footprint.js';
import type { ExploreOptions, ExploreResult, ExploreStats } from './types.js';

interface Frame {
  readonly state: MutableSimState;
  readonly a: number;
  readonly b: number;
  readonly key: string;
  /** Pending transitions: tid, choice, of (flattened triples). */
  readonly todo: number[];
  next: number;
  /** Explored only one thread's local step (ample set); the cycle proviso may widen it. */
  ample: boolean;
  readonly lastTid: number;
  readonly preemptions: number;
  /** Sleep set on entry, and the transitions explored here so far (sleep sets only). */
  readonly sleep: readonly Slept[];
  readonly done: Slept[];
}

/** A transition with its footprint, asleep or explored (sleep sets). */
interface Slept {
  readonly tid: number;
  readonly choice: number;
  readonly reads: ReadonlySet<number>;
  readonly writes: ReadonlySet<number>;
}

/**
 * The sleep set and done list of every frame when sleep sets are off (frozen: nothing is ever
 * added to them then), instead of two fresh arrays per transition.
 */
const NONE: Slept[] = Object.freeze([]) as unknown as Slept[];

interface Succ {
  todo: number[];
  ample: boolean;
}

/**
 * Stateful exhaustive search (DFS or BFS) over scheduler picks and recorded choices, with a
 * visited set (fingerprints or exact keys), partial-order reduction by local steps (ample
 * sets with the cycle proviso C3), symmetry reduction, and optional depth / preemption / state
 * bounds. BFS returns a shortest counterexample in the explored graph; with POR off it is a
 * shortest one overall (symmetry preserves distances).
 */
export function exhaustive(model: Model, checks: Checks, o: ExploreOptions): ExploreResult {
  const s = new Search(model, checks, o);
  return s.strategy === 'dfs' ? s.dfs() : s.bfs();
}

/** One exhaustive search: its reductions, visited set, statistics and the two strategies. */
class Search {
  readonly strategy: 'dfs' | 'bfs';
  private readonly bound: number | undefined;
  private readonly local: LocalSteps | null;
  /** Footprints, when sleep sets are on. */
  private readonly fps: Footprints | null;
  private readonly visited: Visited;
  /** Sleep sets stored with explored states (Godefroid: revisit explores stored \ current). */
  private readonly storedSleep = new Map<string, Slept[]>();
  private readonly st = {
    states: 0,
    transitions: 0,
    maxDepth: 0,
    ampleStates: 0,
    sleepPruned: 0,
    symmetryHits: 0,
    deadlocks: 0,
  };
  private readonly every: number;
  /** Why the search is not exhaustive (a bound or limit cut it), or null. */
  private cut: string | null = null;
  private readonly en = enabledList();
  private progressQueue = (): number => 0;

  constructor(
    private readonly model: Model,
    private readonly checks: Checks,
    private readonly o: ExploreOptions,
  ) {
    this.strategy = o.strategy === 'bfs' ? 'bfs' : 'dfs';
    this.bound = o.preemptionBound;
    const por = (o.por ?? true) && this.bound === undefined;
    this.local = por ? new LocalSteps(model) : null;
    const sleepOn = por && this.strategy === 'dfs' && o.sleepSets === true;
    this.fps = sleepOn ? new Footprints() : null;
    const sym = (o.symmetry ?? true) && !sleepOn ? Symmetry.of(model) : null;
    this.visited = new Visited(o.exact === true, sym);
    this.every = o.progressEvery ?? 20_000;
  }

  /** Search bookkeeping hashed with the state (only under a preemption bound). */
  private extra(lastTid: number, pre: number): number[] | undefined {
    return boundExtra(this.bound, lastTid, pre);
  }

  /** The transitions to explore from `s` (one thread's local step when POR finds one). */
  private successors(s: SimState, lastTid: number, pre: number): Succ | null {
    const en = this.en;
    enabledSteps(this.model, s, en);
    if (en.tids.length === 0) return null;
    const only = ampleOf(this.local, s, en);
    const todo: number[] = [];
    if (transitionsOf(en, only, lastTid, pre, this.bound, todo))
      this.cut ??= `preemption bound ${this.bound}`;
    if (only >= 0) this.st.ampleStates++;
    return { todo, ample: only >= 0 };
  }

  /** Every enabled transition except thread `skip`'s (to widen an ample set). */
  private others(s: SimState, skip: number): number[] {
    const en = this.en;
    enabledSteps(this.model, s, en);
    const todo: number[] = [];
    for (let i = 0; i < en.tids.length; i++) {
      const t = en.tids[i] as number;
      if (t === skip) continue;
      const n = en.opts[i] as number;
      for (let c = 0; c < n; c++) todo.push(t, c, n);
    }
    return todo;
  }

  /** Preemptions after thread t steps from `s` (last thread lastTid, pre so far). */
  private preOf(s: SimState, lastTid: number, pre: number, t: number): number {
    if (this.bound === undefined || lastTid < 0 || t === lastTid) return pre;
    enabledSteps(this.model, s, this.en);
    return this.en.tids.includes(lastTid) ? pre + 1 : pre;
  }

  /** True when a limit or the caller stops the search (progress is reported here too). */
  private stop(): boolean {
    const { o, st, visited } = this;
    if (o.maxStates !== undefined && visited.size >= o.maxStates) {
      this.cut ??= `state limit ${o.maxStates} reached`;
      return true;
    }
    if (st.transitions % this.every === 0 && st.transitions > 0) {
      o.onProgress?.({
        states: visited.size,
        transitions: st.transitions,
        depth: st.maxDepth,
        queue: this.progressQueue(),
        runs: 0,
      });
      const why = o.shouldStop?.() ?? null;
      if (why !== null) {
        this.cut = why;
        return true;
      }
    }
    return false;
  }

  private result(v: FoundViolation | null, picks: Pick[] | null): ExploreResult {
    const stats: ExploreStats = {
      ...this.st,
      states: this.visited.size,
      runs: 0,
      visitedBytes: this.visited.bytes,
    };
    return {
      verdict: v ? 'violated' : this.cut === null ? 'holds' : 'inconclusive',
      exhaustive: !v && this.cut === null,
      reason: v ? null : this.cut,
      strategy: this.strategy,
      properties: this.checks.properties.map((p) => p.id),
      property: v?.property ?? null,
      message: v?.message ?? null,
      schedule: picks,
      stats,
    };
  }

  /** A state where no thread can step: the end of a run (its verdicts are checked). */
  private terminal(s: MutableSimState, depth: number): FoundViolation | null {
    if (s.threads.some((t) => t.stack.length > 0)) this.st.deadlocks++;
    endRun(s, this.checks, depth);
    return this.checks.first;
  }

  /** The initial state, visited; null result unless it is terminal already. */
  private start(): { root: MutableSimState; succ: Succ | null } {
    const root = initialMutableState(this.model.scenario);
    this.visited.visit(root, this.extra(-1, 0));
    return { root, succ: this.successors(root, -1, 0) };
  }

  /** A DFS frame for `state`, the state the visited set last looked at. */
  private frame(
    state: MutableSimState,
    succ: Succ,
    lastTid: number,
    pre: number,
    sleep: readonly Slept[],
  ): Frame {
    const { a, b, key } = this.visited;
    return {
      state,
      a,
      b,
      key,
      todo: succ.todo,
      next: 0,
      ample: succ.ample,
      lastTid,
      preemptions: pre,
      sleep,
      done: this.fps ? [] : NONE,
    };
  }

  dfs(): ExploreResult {
    const { root, succ: rootSucc } = this.start();
    if (!rootSucc) {
      const v = this.terminal(root, 0);
      return this.result(v, v ? [] : null);
    }
    const { st, visited, fps, o } = this;
    const stack: Frame[] = [this.frame(root, rootSucc, -1, 0, NONE)];
    this.progressQueue = () => stack.length;
    const picks: Pick[] = [];
    while (stack.length > 0) {
      const top = stack[stack.length - 1] as Frame;
      if (top.next >= top.todo.length) {
        stack.pop();
        picks.pop();
        continue;
      }
      const tid = top.todo[top.next] as number;
      const choice = top.todo[top.next + 1] as number;
      const of = top.todo[top.next + 2] as number;
      top.next += 3;
      if (fps && top.sleep.some((z) => z.tid === tid && z.choice === choice)) {
        st.sleepPruned++;
        continue;
      }
      const ex: Executed = fps
        ? executeTracked(this.model, this.checks, fps, top.state, tid, choice, of, stack.length)
        : execute(this.model, this.checks, top.state, tid, choice, of, stack.length);
      st.transitions++;
      if (ex.violation) return this.result(ex.violation, [...picks, { tid, choice }]);
      const childSleep = fps ? this.sleepAfter(top, ex as TrackedExecuted, tid, choice) : NONE;
      const pre = this.preOf(top.state, top.lastTid, top.preemptions, tid);
      visited.idOf(ex.state, this.extra(tid, pre));
      if (!visited.addLast()) {
        if (visited.permuted) st.symmetryHits++;
        // C3 (DFS stack proviso): an ample successor closing a cycle → explore everything here.
        if (top.ample && stack.some((f) => visited.sameAs(f.a, f.b, f.key))) {
          top.todo.push(...this.others(top.state, tid));
          top.ample = false;
        }
        const awake = fps ? this.revisit(stack, ex, tid, pre, childSleep) : null;
        if (awake) {
          picks.push({ tid, choice });
          stack.push(awake);
        }
        continue;
      }
      if (fps && childSleep.length > 0)
        this.storedSleep.set(`${visited.a}:${visited.b}:${visited.key}`, childSleep);
      if (this.stop()) break;
      const depth = stack.length;
      if (depth > st.maxDepth) st.maxDepth = depth;
      const { a, b, key } = visited;
      const succ = this.successors(ex.state, tid, pre);
      if (!succ) {
        const v = this.terminal(ex.state, depth);
        if (v) return this.result(v, [...picks, { tid, choice }]);
        continue;
      }
      if (o.depth !== undefined && depth >= o.depth) {
        this.cut ??= `depth bound ${o.depth}`;
        continue;
      }
      picks.push({ tid, choice });
      stack.push({
        state: ex.state,
        a,
        b,
        key,
        todo: succ.todo,
        next: 0,
        ample: succ.ample,
        lastTid: tid,
        preemptions: pre,
        sleep: childSleep,
        done: fps ? [] : NONE,
      });
    }
    return this.result(null, null);
  }

  /** Sleep sets: the child's sleep set after `top` took (tid, choice); records it as done. */
  private sleepAfter(top: Frame, tr: TrackedExecuted, tid: number, choice: number): Slept[] {
    const fps = this.fps as Footprints;
    const childSleep: Slept[] = [];
    const me: Slept = { tid, choice, reads: tr.reads, writes: tr.writes };
    for (const z of top.sleep)
      if (fps.independent(z.reads, z.writes, me.reads, me.writes)) childSleep.push(z);
    for (const z of top.done)
      if (fps.independent(z.reads, z.writes, me.reads, me.writes)) childSleep.push(z);
    top.done.push(me);
    return childSleep;
  }

  /**
   * Sleep sets with state caching, at a state seen before: a frame exploring what was asleep
   * there but is awake now, or null when nothing is.
   */
  private revisit(
    stack: readonly Frame[],
    ex: Executed,
    tid: number,
    pre: number,
    sleep: Slept[],
  ): Frame | null {
    const visited = this.visited;
    const sk = `${visited.a}:${visited.b}:${visited.key}`;
    const stored = this.storedSleep.get(sk);
    if (!stored || stored.length === 0) return null;
    const asleep = (z: Slept): boolean =>
      sleep.some((y) => y.tid === z.tid && y.choice === z.choice);
    const awake = stored.filter((z) => !asleep(z));
    if (awake.length === 0) return null;
    this.storedSleep.set(sk, stored.filter(asleep));
    // On the stack: widen it there instead (its own loop will take them).
    const onStack = stack.some(
      (f) => f.a === visited.a && f.b === visited.b && f.key === visited.key,
    );
    const en = this.en;
    enabledSteps(this.model, ex.state, en);
    const todo: number[] = [];
    for (const z of awake) {
      const k = en.tids.indexOf(z.tid);
      if (k >= 0) todo.push(z.tid, z.choice, en.opts[k] as number);
    }
    if (todo.length === 0) return null;
    return this.frame(ex.state, { todo, ample: false }, tid, pre, onStack ? [] : sleep);
  }

  /**
   * BFS: the frontier holds exact keys (decoded on expansion; older layers are dropped);
   * parent links give the path.
   */
  bfs(): ExploreResult {
    const { root, succ: rootSucc } = this.start();
    if (!rootSucc) {
      const v = this.terminal(root, 0);
      return this.result(v, v ? [] : null);
    }
    const { st, visited, o } = this;
    const table = visited.table;
    const parent: number[] = [-1];
    const via: number[] = [-1];
    const meta: number[] = [-1, 0];
    const keys: (string | null)[] = [table.encode(root)];
    let queue: number[] = [0];
    const pathTo = (id: number, last?: Pick): Pick[] => {
      const out: Pick[] = [];
      for (let n = id; n > 0; n = parent[n] as number) {
        const v = via[n] as number;
        out.push({ tid: v >>> 16, choice: v & 0xffff });
      }
      out.reverse();
      if (last) out.push(last);
      return out;
    };
    let depth = 0;
    this.progressQueue = () => queue.length;
    while (queue.length > 0) {
      const nextQueue: number[] = [];
      for (const id of queue) {
        const state = table.decode(keys[id] as string);
        keys[id] = null;
        const lastTid = meta[id * 2] as number;
        const pre = meta[id * 2 + 1] as number;
        const succ = this.successors(state, lastTid, pre);
        if (!succ) continue;
        let { todo, ample } = succ;
        for (let k = 0; k < todo.length; k += 3) {
          const tid = todo[k] as number;
          const choice = todo[k + 1] as number;
          const of = todo[k + 2] as number;
          const ex = execute(this.model, this.checks, state, tid, choice, of, depth);
          st.transitions++;
          if (ex.violation) return this.result(ex.violation, pathTo(id, { tid, choice }));
          const p2 = this.preOf(state, lastTid, pre, tid);
          if (!visited.visit(ex.state, this.extra(tid, p2))) {
            if (visited.permuted) st.symmetryHits++;
            if (ample) {
              // C3 (BFS form, conservative): an ample successor already seen → full expansion.
              todo = todo.concat(this.others(state, tid));
              ample = false;
            }
            continue;
          }
          const cid = parent.length;
          parent.push(id);
          via.push((tid << 16) | choice);
          meta.push(tid, p2);
          keys.push(null);
          enabledSteps(this.model, ex.state, this.en);
          if (this.en.tids.length === 0) {
            const v = this.terminal(ex.state, depth + 1);
            if (v) return this.result(v, pathTo(cid));
            continue;
          }
          if (o.depth !== undefined && depth + 1 >= o.depth) {
            this.cut ??= `depth bound ${o.depth}`;
            continue;
          }
          keys[cid] = table.encode(ex.state);
          nextQueue.push(cid);
          if (this.stop()) return this.result(null, null);
        }
      }
      queue = nextQueue;
      depth++;
      if (depth > st.maxDepth) st.maxDepth = depth;
    }
    return this.result(null, null);
  }
}
