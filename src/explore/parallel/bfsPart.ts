import { initialMutableState } from '../../sim/init.js';
import type { MutableSimState, SimState } from '../../state/types.js';
import type { Model } from '../../sim/model.js';
import type { Pick } from '../../sim/schedule.js';
import type { Property } from '../../check/types.js';
import { Checks, type FoundViolation } from '../../check/checks.js';
import { enabledList, enabledSteps, endRun } from '../../sim/step.js';
import { execute } from '../transition.js';
import { Symmetry } from '../symmetry.js';
import { Visited } from '../visited.js';
import { ADDED, FULL, SharedFingerprintSet } from './sharedSet.js';

/** A state on a breadth-first frontier and the picks that reach it (tid, choice bytes). */
export interface LevelEntry {
  readonly state: SimState;
  readonly path: Uint8Array;
}

/** What {@link BfsPart.level} ended with. */
export type LevelStatus = 'done' | 'violated' | 'full';

/**
 * One thread's share of a level-synchronous breadth-first search for a shortest
 * counterexample (the first step of minimisation, run on several threads): every thread
 * expands its own part of the current level into its own part of the next, against one
 * shared visited set, and all of them finish a level before any starts the next, so the
 * first violation found is at the smallest depth that has one: a shortest schedule. No
 * partial-order reduction (the length must be minimal over all schedules), symmetry images as
 * in the one-thread BFS (symmetric states are at equal distances). The threads rebalance
 * their frontiers between levels ({@link takeHalf}, {@link add}).
 */
export class BfsPart {
  violation: FoundViolation | null = null;
  picks: Pick[] | null = null;
  transitions = 0;
  private frontier: LevelEntry[] = [];
  private next: LevelEntry[] = [];
  private readonly checks: Checks;
  private readonly visited: Visited;
  private readonly en = enabledList();

  constructor(
    private readonly model: Model,
    properties: readonly Property[],
    symmetry: boolean,
    private readonly set: SharedFingerprintSet,
  ) {
    this.checks = new Checks(model, properties, true);
    this.visited = new Visited(false, symmetry ? Symmetry.of(model) : null);
  }

  /** Start from the initial state (one thread does this). */
  begin(): LevelStatus {
    const root = initialMutableState(this.model.scenario);
    this.visited.idOf(root);
    if (this.set.add(this.visited.a, this.visited.b) === FULL) return 'full';
    enabledSteps(this.model, root, this.en);
    if (this.en.tids.length === 0)
      return this.terminal(root, new Uint8Array(0)) ? 'violated' : 'done';
    this.frontier = [{ state: root, path: new Uint8Array(0) }];
    return 'done';
  }

  /** States on this part of the current level. */
  get size(): number {
    return this.frontier.length;
  }

  /** Expand this part of the current level (depth `depth`) into its part of the next. */
  level(depth: number): LevelStatus {
    const en = this.en;
    for (const { state, path } of this.frontier) {
      enabledSteps(this.model, state, en);
      const tids = en.tids.slice();
      const opts = en.opts.slice();
      for (let i = 0; i < tids.length; i++) {
        const tid = tids[i] as number;
        const of = opts[i] as number;
        for (let choice = 0; choice < of; choice++) {
          const ex = execute(this.model, this.checks, state, tid, choice, of, depth);
          this.transitions++;
          const p = new Uint8Array(path.length + 2);
          p.set(path);
          p[path.length] = tid;
          p[path.length + 1] = choice;
          if (ex.violation) {
            this.found(ex.violation, p);
            return 'violated';
          }
          this.visited.idOf(ex.state);
          const added = this.set.add(this.visited.a, this.visited.b);
          if (added === FULL) return 'full';
          if (added !== ADDED) continue;
          enabledSteps(this.model, ex.state, en);
          if (en.tids.length === 0) {
            if (this.terminal(ex.state, p)) return 'violated';
            continue;
          }
          this.next.push({ state: ex.state, path: p });
        }
      }
    }
    this.frontier = this.next;
    this.next = [];
    return 'done';
  }

  /** Give away half of the current level (to a thread with less). */
  takeHalf(): LevelEntry[] {
    return this.frontier.splice(Math.ceil(this.frontier.length / 2));
  }

  /** Take over entries of the current level from another thread. */
  add(entries: readonly LevelEntry[]): void {
    for (const e of entries) this.frontier.push(e);
  }

  private terminal(state: MutableSimState, path: Uint8Array): boolean {
    endRun(state, this.checks, path.length / 2);
    const v = this.checks.first;
    if (v) this.found(v, path);
    return v !== null;
  }

  private found(v: FoundViolation, path: Uint8Array): void {
    this.violation = v;
    const picks: Pick[] = [];
    for (let i = 0; i < path.length; i += 2)
      picks.push({ tid: path[i] as number, choice: path[i + 1] as number });
    this.picks = picks;
  }
}
