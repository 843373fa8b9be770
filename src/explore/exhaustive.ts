import { initialMutableState } from '../state/init.js';
import type { MutableSimState, SimState } from '../state/types.js';
import type { Model } from '../sim/model.js';
import type { Pick } from '../sim/schedule.js';
import { CheckSet, enabledSteps, execute, type FoundViolation } from './transition.js';
import { LocalSteps } from './localStep.js';
import { ShapeTable } from './stateKey.js';
import { Symmetry } from './symmetry.js';
import type { ExploreOptions, ExploreResult, ExploreStats } from './types.js';

interface Frame {
  readonly state: MutableSimState;
  readonly key: string;
  /** Pending transitions: tid, choice, of (flattened triples). */
  readonly todo: number[];
  next: number;
  /** Explored only one thread's local step (ample set); C3 may widen it. */
  ample: boolean;
  readonly lastTid: number;
  readonly preemptions: number;
}

class Stats {
  states = 0;
  transitions = 0;
  maxDepth = 0;
  ampleStates = 0;
  sleepPruned = 0;
  symmetryHits = 0;
  deadlocks = 0;
  freeze(): ExploreStats {
    return { ...this, runs: 0 };
  }
}

const EMPTY: { tids: number[]; opts: number[] } = { tids: [], opts: [] };

/**
 * Stateful exhaustive search (DFS or BFS) over scheduler picks and recorded choices, with a
 * visited set of exact state keys, partial-order reduction by local steps (ample sets with the
 * cycle proviso), symmetry reduction and optional depth / preemption / state bounds.
 * BFS returns a shortest counterexample in the explored graph (with POR off: a shortest one).
 */
export function exhaustive(model: Model, checks: CheckSet, o: ExploreOptions): ExploreResult {
  const strategy = o.strategy === 'bfs' ? 'bfs' : 'dfs';
  const bound = o.preemptionBound;
  const por = (o.por ?? true) && bound === undefined;
  const local = por ? new LocalSteps(model) : null;
  const table = new ShapeTable();
  const sym = (o.symmetry ?? true) ? Symmetry.of(model) : null;
  const stats = new Stats();
  const every = o.progressEvery ?? 20_000;
  let cut: string | null = null;
  const extra = (lastTid: number, pre: number): number[] | undefined =>
    bound === undefined ? undefined : [lastTid, pre];
  const keyOf = (s: SimState, lastTid: number, pre: number): string =>
    sym ? sym.canonicalKey(table, s, extra(lastTid, pre)) : table.encode(s, extra(lastTid, pre));

  const en = { tids: [] as number[], opts: [] as number[] };
  /** The transitions to explore from `s`, or null for a terminal state. */
  const successors = (s: SimState, lastTid: number, pre: number): { todo: number[]; ample: boolean } | null => {
    enabledSteps(model, s, en);
    if (en.tids.length === 0) return null;
    let only = -1;
    if (local && en.tids.length > 1) only = local.find(s, en.tids);
    const todo: number[] = [];
    const lastEnabled = en.tids.includes(lastTid);
    for (let i = 0; i < en.tids.length; i++) {
      const t = en.tids[i] as number;
      if (only >= 0 && t !== only) continue;
      if (bound !== undefined && lastTid >= 0 && lastEnabled && t !== lastTid && pre + 1 > bound) {
        cut ??= `preemption bound ${bound}`;
        continue;
      }
      const n = en.opts[i] as number;
      for (let c = 0; c < n; c++) todo.push(t, c, n);
    }
    if (only >= 0) stats.ampleStates++;
    return { todo, ample: only >= 0 };
  };
  const preOf = (s: SimState, lastTid: number, pre: number, t: number): number => {
    if (bound === undefined || lastTid < 0 || t === lastTid) return pre;
    enabledSteps(model, s, en);
    return en.tids.includes(lastTid) ? pre + 1 : pre;
  };
  const stop = (): boolean => {
    if (o.maxStates !== undefined && stats.states >= o.maxStates) {
      cut ??= `state limit ${o.maxStates} reached`;
      return true;
    }
    if (stats.transitions % every === 0 && stats.transitions > 0) {
      o.onProgress?.({ states: stats.states, transitions: stats.transitions, depth: stats.maxDepth, queue: progressQueue(), runs: 0 });
      const why = o.shouldStop?.() ?? null;
      if (why !== null) {
        cut = why;
        return true;
      }
    }
    return false;
  };
  const violated = (v: FoundViolation, picks: Pick[]): ExploreResult => ({
    verdict: 'violated',
    exhaustive: false,
    reason: null,
    strategy,
    properties: checks.properties.map((p) => p.id),
    property: v.property,
    message: v.message,
    schedule: picks,
    stats: stats.freeze(),
  });
  const finish = (): ExploreResult => ({
    verdict: cut === null ? 'holds' : 'unknown',
    exhaustive: cut === null,
    reason: cut,
    strategy,
    properties: checks.properties.map((p) => p.id),
    property: null,
    message: null,
    schedule: null,
    stats: stats.freeze(),
  });

  let progressQueue = (): number => 0;
  const root = initialMutableState(model.scenario);
  const rootKey = keyOf(root, -1, 0);
  const visited = new Set<string>([rootKey]);
  stats.states = 1;
  const rootSucc = successors(root, -1, 0);
  if (!rootSucc) {
    const v = checks.checkTerminal(root, 0);
    return v ? violated(v, []) : finish();
  }

  if (strategy === 'dfs') {
    const stack: Frame[] = [{ state: root, key: rootKey, todo: rootSucc.todo, next: 0, ample: rootSucc.ample, lastTid: -1, preemptions: 0 }];
    const onStack = new Set<string>([rootKey]);
    progressQueue = () => stack.length;
    const picks: Pick[] = [];
    while (stack.length > 0) {
      const top = stack[stack.length - 1] as Frame;
      if (top.next >= top.todo.length) {
        stack.pop();
        onStack.delete(top.key);
        picks.pop();
        continue;
      }
      const tid = top.todo[top.next] as number;
      const choice = top.todo[top.next + 1] as number;
      const of = top.todo[top.next + 2] as number;
      top.next += 3;
      const ex = execute(model, checks, top.state, tid, choice, of, stack.length);
      stats.transitions++;
      if (ex.violation) return violated(ex.violation, [...picks.slice(0, stack.length - 1), { tid, choice }]);
      const pre = preOf(top.state, top.lastTid, top.preemptions, tid);
      const key = keyOf(ex.state, tid, pre);
      if (visited.has(key)) {
        if (sym) stats.symmetryHits += sym.lastWasPermuted ? 1 : 0;
        if (top.ample && onStack.has(key)) widen(top);
        continue;
      }
      visited.add(key);
      stats.states++;
      if (stop()) break;
      const depth = stack.length;
      if (depth > stats.maxDepth) stats.maxDepth = depth;
      const succ = successors(ex.state, tid, pre);
      if (!succ) {
        if (!allDoneState(ex.state)) stats.deadlocks++;
        const v = checks.checkTerminal(ex.state, depth);
        if (v) return violated(v, [...picks.slice(0, stack.length - 1), { tid, choice }]);
        continue;
      }
      if (o.depth !== undefined && depth >= o.depth) {
        cut ??= `depth bound ${o.depth}`;
        continue;
      }
      picks.length = stack.length - 1;
      picks.push({ tid, choice });
      stack.push({ state: ex.state, key, todo: succ.todo, next: 0, ample: succ.ample, lastTid: tid, preemptions: pre });
      onStack.add(key);
    }
    return finish();
  }

  // BFS: a frontier of keys (decoded on expansion), parent links for the path.
  const parent: number[] = [-1];
  const via: number[] = [-1];
  const meta: number[] = [-1, 0];
  let queue: number[] = [0];
  const keys: (string | null)[] = [rootKey];
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
      const key = keys[id] as string;
      keys[id] = null;
      const state = table.decode(key);
      const lastTid = meta[id * 2] as number;
      const pre = meta[id * 2 + 1] as number;
      const succ = successors(state, lastTid, pre);
      if (!succ) continue;
      let { todo } = succ;
      let ample = succ.ample;
      for (let k = 0; k < todo.length; k += 3) {
        const tid = todo[k] as number;
        const choice = todo[k + 1] as number;
        const ex = execute(model, checks, state, tid, choice, todo[k + 2] as number, depth);
        stats.transitions++;
        if (ex.violation) return violated(ex.violation, pathTo(id, { tid, choice }));
        const p2 = preOf(state, lastTid, pre, tid);
        const ck = keyOf(ex.state, tid, p2);
        if (visited.has(ck)) {
          if (ample) {
            // C3 (BFS form): an ample successor already seen: explore everything here.
            todo = todo.concat(dropThread(successorsFull(state, lastTid, pre), tid));
            ample = false;
          }
          continue;
        }
        visited.add(ck);
        stats.states++;
        const cid = parent.length;
        parent.push(id);
        via.push((tid << 16) | choice);
        meta.push(tid, p2);
        keys.push(null);
        const term = enabledCount(ex.state);
        if (term === 0) {
          if (!allDoneState(ex.state)) stats.deadlocks++;
          const v = checks.checkTerminal(ex.state, depth + 1);
          if (v) return violated(v, pathTo(cid));
          continue;
        }
        if (o.depth !== undefined && depth + 1 >= o.depth) {
          cut ??= `depth bound ${o.depth}`;
          continue;
        }
        keys[cid] = sym ? table.encode(ex.state, extra(tid, p2)) : ck;
        nextQueue.push(cid);
        if (stop()) return finish();
      }
    }
    queue = nextQueue;
    depth++;
    if (depth > stats.maxDepth) stats.maxDepth = depth;
  }
  return finish();

  function widen(f: Frame): void {
    const full = successorsFull(f.state, f.lastTid, f.preemptions);
    const t = f.todo[0] as number;
    f.todo.push(...dropThread(full, t));
    f.ample = false;
  }
  function successorsFull(s: SimState, _lastTid: number, _pre: number): number[] {
    enabledSteps(model, s, en);
    const todo: number[] = [];
    for (let i = 0; i < en.tids.length; i++) {
      const n = en.opts[i] as number;
      for (let c = 0; c < n; c++) todo.push(en.tids[i] as number, c, n);
    }
    return todo;
  }
  function enabledCount(s: SimState): number {
    enabledSteps(model, s, EMPTY);
    return EMPTY.tids.length;
  }
}

function dropThread(todo: readonly number[], tid: number): number[] {
  const out: number[] = [];
  for (let k = 0; k < todo.length; k += 3) if (todo[k] !== tid) out.push(todo[k] as number, todo[k + 1] as number, todo[k + 2] as number);
  return out;
}

function allDoneState(s: SimState): boolean {
  for (const th of s.threads) if (th.stack.length > 0) return false;
  return true;
}
