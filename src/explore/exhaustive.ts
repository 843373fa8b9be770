import { initialMutableState } from '../state/init.js';
import type { MutableSimState, SimState } from '../state/types.js';
import type { Model } from '../sim/model.js';
import type { Pick } from '../sim/schedule.js';
import {
  CheckSet,
  enabledSteps,
  execute,
  executeTracked,
  type FoundViolation,
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
export function exhaustive(model: Model, checks: CheckSet, o: ExploreOptions): ExploreResult {
  const strategy = o.strategy === 'bfs' ? 'bfs' : 'dfs';
  const bound = o.preemptionBound;
  const por = (o.por ?? true) && bound === undefined;
  const local = por ? new LocalSteps(model) : null;
  const sleepOn = por && strategy === 'dfs' && o.sleepSets === true;
  const fps = sleepOn ? new Footprints() : null;
  const sym = (o.symmetry ?? true) && !sleepOn ? Symmetry.of(model) : null;
  /** Sleep sets stored with explored states (Godefroid: revisit explores stored \ current). */
  const storedSleep = new Map<string, Slept[]>();
  const visited = new Visited(o.exact === true, sym);
  const st = {
    states: 0,
    transitions: 0,
    maxDepth: 0,
    ampleStates: 0,
    sleepPruned: 0,
    symmetryHits: 0,
    deadlocks: 0,
  };
  const freeze = (): ExploreStats => ({
    ...st,
    states: visited.size,
    runs: 0,
    visitedBytes: visited.bytes,
  });
  const every = o.progressEvery ?? 20_000;
  let cut: string | null = null;
  const extra = (lastTid: number, pre: number): number[] | undefined =>
    bound === undefined ? undefined : [lastTid, pre];
  const en = { tids: [] as number[], opts: [] as number[] };

  const successors = (s: SimState, lastTid: number, pre: number): Succ | null => {
    enabledSteps(model, s, en);
    if (en.tids.length === 0) return null;
    let only = -1;
    if (local && en.tids.length > 1) only = local.find(s, en.tids);
    const todo: number[] = [];
    const lastEnabled = lastTid >= 0 && en.tids.includes(lastTid);
    for (let i = 0; i < en.tids.length; i++) {
      const t = en.tids[i] as number;
      if (only >= 0 && t !== only) continue;
      if (bound !== undefined && lastEnabled && t !== lastTid && pre + 1 > bound) {
        cut ??= `preemption bound ${bound}`;
        continue;
      }
      const n = en.opts[i] as number;
      for (let c = 0; c < n; c++) todo.push(t, c, n);
    }
    if (only >= 0) st.ampleStates++;
    return { todo, ample: only >= 0 };
  };
  /** Every enabled transition except thread `skip`'s (to widen an ample set). */
  const others = (s: SimState, skip: number): number[] => {
    enabledSteps(model, s, en);
    const todo: number[] = [];
    for (let i = 0; i < en.tids.length; i++) {
      const t = en.tids[i] as number;
      if (t === skip) continue;
      const n = en.opts[i] as number;
      for (let c = 0; c < n; c++) todo.push(t, c, n);
    }
    return todo;
  };
  const preOf = (s: SimState, lastTid: number, pre: number, t: number): number => {
    if (bound === undefined || lastTid < 0 || t === lastTid) return pre;
    enabledSteps(model, s, en);
    return en.tids.includes(lastTid) ? pre + 1 : pre;
  };
  let progressQueue = (): number => 0;
  const stop = (): boolean => {
    if (o.maxStates !== undefined && visited.size >= o.maxStates) {
      cut ??= `state limit ${o.maxStates} reached`;
      return true;
    }
    if (st.transitions % every === 0 && st.transitions > 0) {
      o.onProgress?.({
        states: visited.size,
        transitions: st.transitions,
        depth: st.maxDepth,
        queue: progressQueue(),
        runs: 0,
      });
      const why = o.shouldStop?.() ?? null;
      if (why !== null) {
        cut = why;
        return true;
      }
    }
    return false;
  };
  const result = (v: FoundViolation | null, picks: Pick[] | null): ExploreResult => ({
    verdict: v ? 'violated' : cut === null ? 'holds' : 'unknown',
    exhaustive: !v && cut === null,
    reason: v ? null : cut,
    strategy,
    properties: checks.properties.map((p) => p.id),
    property: v?.property ?? null,
    message: v?.message ?? null,
    schedule: picks,
    stats: freeze(),
  });
  const terminal = (s: SimState, depth: number): FoundViolation | null => {
    if (s.threads.some((t) => t.stack.length > 0)) st.deadlocks++;
    return checks.checkTerminal(s, depth);
  };

  const root = initialMutableState(model.scenario);
  visited.visit(root, extra(-1, 0));
  const rootSucc = successors(root, -1, 0);
  if (!rootSucc) {
    const v = terminal(root, 0);
    return result(v, v ? [] : null);
  }

  if (strategy === 'dfs') {
    const stack: Frame[] = [
      {
        state: root,
        a: visited.a,
        b: visited.b,
        key: visited.key,
        todo: rootSucc.todo,
        next: 0,
        ample: rootSucc.ample,
        lastTid: -1,
        preemptions: 0,
        sleep: [],
        done: [],
      },
    ];
    progressQueue = () => stack.length;
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
      const ex = fps
        ? executeTracked(model, checks, fps, top.state, tid, choice, of, stack.length)
        : execute(model, checks, top.state, tid, choice, of, stack.length);
      st.transitions++;
      if (ex.violation) return result(ex.violation, [...picks, { tid, choice }]);
      let childSleep: Slept[] = [];
      if (fps && 'reads' in ex) {
        const tr = ex as TrackedExecuted;
        const me: Slept = { tid, choice, reads: tr.reads, writes: tr.writes };
        for (const z of top.sleep)
          if (fps.independent(z.reads, z.writes, me.reads, me.writes)) childSleep.push(z);
        for (const z of top.done)
          if (fps.independent(z.reads, z.writes, me.reads, me.writes)) childSleep.push(z);
        top.done.push(me);
      }
      const pre = preOf(top.state, top.lastTid, top.preemptions, tid);
      visited.idOf(ex.state, extra(tid, pre));
      if (!visited.addLast()) {
        if (visited.permuted) st.symmetryHits++;
        // C3 (DFS stack proviso): an ample successor closing a cycle → explore everything here.
        if (top.ample && stack.some((f) => visited.sameAs(f.a, f.b, f.key))) {
          top.todo.push(...others(top.state, tid));
          top.ample = false;
        }
        if (!fps) continue;
        // Sleep sets with state caching: explore what was asleep there but is awake now.
        const sk = `${visited.a}:${visited.b}:${visited.key}`;
        const stored = storedSleep.get(sk);
        if (!stored || stored.length === 0) continue;
        const awake = stored.filter(
          (z) => !childSleep.some((y) => y.tid === z.tid && y.choice === z.choice),
        );
        if (awake.length === 0) continue;
        storedSleep.set(
          sk,
          stored.filter((z) => childSleep.some((y) => y.tid === z.tid && y.choice === z.choice)),
        );
        if (stack.some((f) => f.a === visited.a && f.b === visited.b && f.key === visited.key)) {
          // On the stack: widen it there instead (its own loop will take them).
          childSleep = [];
        }
        enabledSteps(model, ex.state, en);
        const todo: number[] = [];
        for (const z of awake) {
          const k = en.tids.indexOf(z.tid);
          if (k >= 0) todo.push(z.tid, z.choice, en.opts[k] as number);
        }
        if (todo.length === 0) continue;
        picks.push({ tid, choice });
        stack.push({
          state: ex.state,
          a: visited.a,
          b: visited.b,
          key: visited.key,
          todo,
          next: 0,
          ample: false,
          lastTid: tid,
          preemptions: pre,
          sleep: childSleep,
          done: [],
        });
        continue;
      }
      if (fps && childSleep.length > 0)
        storedSleep.set(`${visited.a}:${visited.b}:${visited.key}`, childSleep);
      if (stop()) break;
      const depth = stack.length;
      if (depth > st.maxDepth) st.maxDepth = depth;
      const { a, b, key } = visited;
      const succ = successors(ex.state, tid, pre);
      if (!succ) {
        const v = terminal(ex.state, depth);
        if (v) return result(v, [...picks, { tid, choice }]);
        continue;
      }
      if (o.depth !== undefined && depth >= o.depth) {
        cut ??= `depth bound ${o.depth}`;
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
        done: [],
      });
    }
    return result(null, null);
  }

  // BFS: the frontier holds exact keys (decoded on expansion; older layers are dropped);
  // parent links give the path.
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
  progressQueue = () => queue.length;
  while (queue.length > 0) {
    const nextQueue: number[] = [];
    for (const id of queue) {
      const state = table.decode(keys[id] as string);
      keys[id] = null;
      const lastTid = meta[id * 2] as number;
      const pre = meta[id * 2 + 1] as number;
      const succ = successors(state, lastTid, pre);
      if (!succ) continue;
      let { todo, ample } = succ;
      for (let k = 0; k < todo.length; k += 3) {
        const tid = todo[k] as number;
        const choice = todo[k + 1] as number;
        const ex = execute(model, checks, state, tid, choice, todo[k + 2] as number, depth);
        st.transitions++;
        if (ex.violation) return result(ex.violation, pathTo(id, { tid, choice }));
        const p2 = preOf(state, lastTid, pre, tid);
        if (!visited.visit(ex.state, extra(tid, p2))) {
          if (visited.permuted) st.symmetryHits++;
          if (ample) {
            // C3 (BFS form, conservative): an ample successor already seen → full expansion.
            todo = todo.concat(others(state, tid));
            ample = false;
          }
          continue;
        }
        const cid = parent.length;
        parent.push(id);
        via.push((tid << 16) | choice);
        meta.push(tid, p2);
        keys.push(null);
        enabledSteps(model, ex.state, en);
        if (en.tids.length === 0) {
          const v = terminal(ex.state, depth + 1);
          if (v) return result(v, pathTo(cid));
          continue;
        }
        if (o.depth !== undefined && depth + 1 >= o.depth) {
          cut ??= `depth bound ${o.depth}`;
          continue;
        }
        keys[cid] = table.encode(ex.state);
        nextQueue.push(cid);
        if (stop()) return result(null, null);
      }
    }
    queue = nextQueue;
    depth++;
    if (depth > st.maxDepth) st.maxDepth = depth;
  }
  return result(null, null);
}
