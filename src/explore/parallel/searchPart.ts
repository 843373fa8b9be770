import { initialMutableState } from '../../sim/init.js';
import type { MutableSimState, SimState } from '../../state/types.js';
import type { Model } from '../../sim/model.js';
import type { Pick } from '../../sim/schedule.js';
import type { Property } from '../../check/types.js';
import { Checks, type FoundViolation } from '../../check/checks.js';
import { enabledList, enabledSteps, endRun } from '../../sim/step.js';
import { ampleOf, boundExtra, execute, transitionsOf } from '../transition.js';
import { stepOptions } from '../../sim/decide.js';
import { LocalSteps } from '../localStep.js';
import { Symmetry } from '../symmetry.js';
import { Visited } from '../visited.js';
import type { ExploreOptions } from '../types.js';
import { LocalCycles } from './localCycles.js';
import { ADDED, FULL, SharedFingerprintSet } from './sharedSet.js';
import type { FingerprintRing } from './fingerprintRing.js';

/**
 * A piece of an exhaustive search handed from one thread to another: the picks that lead to a
 * stored state from the initial state, and the transitions still to explore from it. Plain
 * numbers (it is structured-cloned between threads); the state itself is not sent but rebuilt
 * by the taker (see {@link SearchPart.give}).
 */
export interface WorkItem {
  /** tid, choice pairs from the initial state. */
  readonly path: readonly number[];
  readonly lastTid: number;
  readonly preemptions: number;
  /** tid, choice, alternatives triples. */
  readonly todo: readonly number[];
}

interface Frame {
  readonly state: MutableSimState;
  readonly todo: number[];
  next: number;
  readonly lastTid: number;
  readonly preemptions: number;
}

/** What {@link SearchPart.step} ended with. */
export type PartStatus = 'busy' | 'idle' | 'violated' | 'cut';

/** Per-thread counters (states are counted once, in the shared set). */
export interface PartStats {
  transitions: number;
  maxDepth: number;
  ampleStates: number;
  symmetryHits: number;
  deadlocks: number;
  /** States expanded fully because their ample thread was on a local cycle (C3). */
  localCycleStates: number;
}

/**
 * One thread's share of a parallel exhaustive DFS (`explore --workers N`). Every thread runs
 * this same depth-first search from the work items it is given, against one shared visited
 * set of 64-bit fingerprints of symmetry images ({@link SharedFingerprintSet}); a thread with
 * work to spare gives a hungry one the untried transitions of its lowest stack frame
 * ({@link split}). A state is expanded by the thread whose insert stored it, so each stored
 * state is expanded once.
 *
 * Reductions are those of the one-thread search, decided from the state alone so that the
 * reduced graph does not depend on which thread gets where first: ample sets of local steps
 * (POR), symmetry images ({@link Symmetry.sortedImage}; the state expanded is the one whose
 * insert stored its image, as in the one-thread search),
 * the preemption bound (hashed with the state), and the cycle proviso from the state (see
 * {@link LocalCycles}) in place of the DFS stack proviso no single stack can give here. When no
 * thread has a local loop, the states stored are the states the one-thread search stores, up
 * to which member of a symmetry orbit represents it. Sleep sets, exact keys and BFS stay
 * single-threaded.
 */
export class SearchPart {
  readonly stats: PartStats = {
    transitions: 0,
    maxDepth: 0,
    ampleStates: 0,
    symmetryHits: 0,
    deadlocks: 0,
    localCycleStates: 0,
  };
  /** The violation found, and the picks from the initial state that reach it. */
  violation: FoundViolation | null = null;
  picks: Pick[] | null = null;
  /** Why this part stopped short (a bound or the state limit), or null. */
  cut: string | null = null;
  private readonly checks: Checks;
  private readonly local: LocalSteps | null;
  private readonly cycles: LocalCycles | null;
  private readonly visited: Visited;
  private readonly bound: number | undefined;
  private readonly en = enabledList();
  private stack: Frame[] = [];
  /** Picks from the initial state to stack[0]. */
  private base: number[] = [];
  /** Picks between stack frames: picks[i] leads from stack[i] to stack[i + 1]. */
  private readonly between: number[] = [];
  /** Where the fingerprints this part stores are announced (a queue job's), or null. */
  private outbox: FingerprintRing | null = null;

  constructor(
    private readonly model: Model,
    properties: readonly Property[],
    private readonly o: ExploreOptions,
    private readonly set: SharedFingerprintSet,
  ) {
    this.checks = new Checks(model, properties, true);
    this.bound = o.preemptionBound;
    const por = (o.por ?? true) && this.bound === undefined;
    this.local = por ? new LocalSteps(model) : null;
    this.cycles = this.local ? new LocalCycles(model, this.local) : null;
    this.visited = new Visited(false, (o.symmetry ?? true) ? Symmetry.of(model) : null);
  }

  /**
   * Announce every fingerprint this part stores from now on in `ring` (a full ring drops it:
   * other searches then only share less).
   */
  shareTo(ring: FingerprintRing | null): void {
    this.outbox = ring;
  }

  /** Stored states, over all threads. */
  get states(): number {
    return this.set.size;
  }

  /** Start from the initial state (one thread does this; the others wait for work). */
  begin(): void {
    const root = initialMutableState(this.model.scenario);
    this.visited.idOf(root, this.extra(-1, 0));
    if (this.set.add(this.visited.a, this.visited.b) === FULL) {
      this.cut = 'visited set full (memory limit)';
      return;
    }
    const todo = this.successors(root, -1, 0);
    if (todo === null) this.terminal(root, 0, []);
    else this.stack = [{ state: root, todo, next: 0, lastTid: -1, preemptions: 0 }];
  }

  /**
   * Take over a work item from another thread. Its state is rebuilt here by executing its path
   * from the initial state (as a queued subtree job does) unless the caller has it (a subtree
   * job, which rebuilt it to check the path): a work item is the same plain numbers
   * between threads and between machines. A structured-cloned state would also do, but its
   * objects carry other hidden classes than the ones the step machines and the compiled clone
   * build, and its frame names are not internalised strings, and every successor shares them.
   * Re-executing a path costs a few dozen transitions per item.
   */
  give(item: WorkItem, state: SimState = this.stateAt(item.path)): void {
    this.base = [...item.path];
    this.between.length = 0;
    this.stack = [
      {
        state: state as MutableSimState,
        todo: [...item.todo],
        next: 0,
        lastTid: item.lastTid,
        preemptions: item.preemptions,
      },
    ];
  }

  /**
   * Explore up to `budget` transitions: 'idle' when this part's stack is empty, 'violated'
   * (see {@link violation}), 'cut' (the state limit, or the shared set is full), else 'busy'.
   */
  step(budget: number): PartStatus {
    if (this.violation) return 'violated';
    const st = this.stats;
    const stack = this.stack;
    const between = this.between;
    for (let n = 0; n < budget;) {
      const top = stack[stack.length - 1];
      if (!top) return 'idle';
      if (top.next >= top.todo.length) {
        stack.pop();
        if (stack.length > 0) between.length -= 2;
        continue;
      }
      const tid = top.todo[top.next] as number;
      const choice = top.todo[top.next + 1] as number;
      const of = top.todo[top.next + 2] as number;
      top.next += 3;
      n++;
      const depth = this.base.length / 2 + stack.length;
      const ex = execute(this.model, this.checks, top.state, tid, choice, of, depth);
      st.transitions++;
      if (ex.violation) return this.found(ex.violation, tid, choice);
      const pre = this.preOf(top.state, top.lastTid, top.preemptions, tid);
      const visited = this.visited;
      visited.idOf(ex.state, this.extra(tid, pre));
      const added = this.set.add(visited.a, visited.b);
      if (added !== ADDED) {
        if (added === FULL) {
          this.cut = 'visited set full (memory limit)';
          return 'cut';
        }
        if (visited.permuted) st.symmetryHits++;
        continue;
      }
      this.outbox?.push(visited.a, visited.b);
      if (this.o.maxStates !== undefined && this.set.size >= this.o.maxStates) {
        this.cut = `state limit ${this.o.maxStates} reached`;
        return 'cut';
      }
      if (depth > st.maxDepth) st.maxDepth = depth;
      const todo = this.successors(ex.state, tid, pre);
      if (todo === null) {
        if (this.terminal(ex.state, depth, [tid, choice])) return 'violated';
        continue;
      }
      if (this.o.depth !== undefined && depth >= this.o.depth) {
        this.cut ??= `depth bound ${this.o.depth}`;
        continue;
      }
      between.push(tid, choice);
      stack.push({ state: ex.state, todo, next: 0, lastTid: tid, preemptions: pre });
    }
    return 'busy';
  }

  /** A state where no thread can step: the end of a run; true when that violates. */
  private terminal(state: MutableSimState, depth: number, last: number[]): boolean {
    if (state.threads.some((t) => t.stack.length > 0)) this.stats.deadlocks++;
    endRun(state, this.checks, depth);
    const v = this.checks.first;
    if (!v) return false;
    this.violation = v;
    this.picks = this.pathPicks(last);
    return true;
  }

  private found(v: FoundViolation, tid: number, choice: number): 'violated' {
    this.violation = v;
    this.picks = this.pathPicks([tid, choice]);
    return 'violated';
  }

  private pathPicks(last: number[]): Pick[] {
    const all = [...this.base, ...this.between, ...last];
    const out: Pick[] = [];
    for (let i = 0; i < all.length; i += 2)
      out.push({ tid: all[i] as number, choice: all[i + 1] as number });
    return out;
  }

  /**
   * Give away work: the untried transitions of the lowest frame that has some (half of them
   * when it has several), as an item another thread can {@link give}; null when nothing is
   * worth giving (only the top frame's last transition is left).
   */
  split(): WorkItem | null {
    const stack = this.stack;
    for (let i = 0; i < stack.length; i++) {
      const f = stack[i] as Frame;
      const left = (f.todo.length - f.next) / 3;
      if (left === 0 || (left === 1 && i === stack.length - 1)) continue;
      const keep = Math.floor(left / 2);
      const cut = f.next + keep * 3;
      const todo = f.todo.slice(cut);
      f.todo.length = cut;
      return {
        path: [...this.base, ...this.between.slice(0, 2 * i)],
        lastTid: f.lastTid,
        preemptions: f.preemptions,
        todo,
      };
    }
    return null;
  }

  /**
   * Give away everything: each frame's untried transitions as an item (lowest frame first);
   * this part is left idle. Used to cut a search into subtrees that other machines explore.
   */
  drain(): WorkItem[] {
    const items: WorkItem[] = [];
    this.stack.forEach((f, i) => {
      if (f.next >= f.todo.length) return;
      items.push({
        path: [...this.base, ...this.between.slice(0, 2 * i)],
        lastTid: f.lastTid,
        preemptions: f.preemptions,
        todo: f.todo.slice(f.next),
      });
    });
    this.stack = [];
    this.between.length = 0;
    return items;
  }

  /**
   * Untried transitions on the stack, and whether this part can go on (for {@link drain}:
   * explore until there are enough to cut).
   */
  get untried(): number {
    let n = 0;
    for (const f of this.stack) n += (f.todo.length - f.next) / 3;
    return n;
  }

  /**
   * The state at the end of `path` (tid, choice pairs from the initial state), rebuilt by
   * executing the picks: how a subtree sent as picks (not as a state) is taken up elsewhere.
   *
   * Unchecked: this part's checks are not fed (their memory would take in a path's events a
   * second time, and a violation seen here would be reported on the next transition). The
   * path was checked when it was first taken: a path in a work item ({@link split},
   * {@link drain}) is the base a part was given followed by picks that part executed with its
   * own checks in {@link step}, each to a stored state with no violation (a violating
   * transition ends the search and is never stacked), and a given base is such a path in turn,
   * back to the initial state of the part that began.
   */
  stateAt(path: readonly number[]): SimState {
    let state: SimState = initialMutableState(this.model.scenario) as SimState;
    for (let i = 0; i < path.length; i += 2) {
      const tid = path[i] as number;
      const choice = path[i + 1] as number;
      const of = stepOptions(this.model, state, tid);
      if (choice >= of) throw new Error(`pick ${i / 2} (${tid}.${choice}) is not enabled`);
      state = execute(this.model, null, state, tid, choice, of, i / 2 + 1).state as SimState;
    }
    return state;
  }

  /** Frames on this part's stack (for progress). */
  get depth(): number {
    return this.stack.length;
  }

  /** Search bookkeeping hashed with the state (only under a preemption bound). */
  private extra(lastTid: number, pre: number): number[] | undefined {
    return boundExtra(this.bound, lastTid, pre);
  }

  /** The transitions to explore from `s`, or null when no thread can step. */
  private successors(s: SimState, lastTid: number, pre: number): number[] | null {
    const en = this.en;
    const bound = this.bound;
    enabledSteps(this.model, s, en);
    if (en.tids.length === 0) return null;
    let only = ampleOf(this.local, s, en);
    if (only >= 0 && this.cycles?.onCycle(s, only)) {
      this.stats.localCycleStates++;
      only = -1;
    }
    const todo: number[] = [];
    if (transitionsOf(en, only, lastTid, pre, bound, todo))
      this.cut ??= `preemption bound ${bound}`;
    if (only >= 0) this.stats.ampleStates++;
    return todo;
  }

  /** Preemptions after thread t steps from `s` (last thread lastTid, pre so far). */
  private preOf(s: SimState, lastTid: number, pre: number, t: number): number {
    if (this.bound === undefined || lastTid < 0 || t === lastTid) return pre;
    enabledSteps(this.model, s, this.en);
    return this.en.tids.includes(lastTid) ? pre + 1 : pre;
  }
}
