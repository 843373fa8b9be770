import type { SimEvent } from '../events/index.js';
import type { SimState } from '../state/types.js';
import type { Model } from '../sim/model.js';

export interface Violation {
  /** Index of the event after which the property first fails. */
  readonly index: number;
  /** One sentence: what was expected and what was found. */
  readonly message: string;
}

/**
 * A running check: fed every event with the state after it; returns a violation when that
 * event breaks the property, else null.
 *
 * @remarks The run loop stops asking a checker after its first violation; `audit` keeps
 * feeding it and collects every violation, so a checker must stay consistent after it
 * reported (report each further breach once, at the event that causes it).
 */
export interface Checker {
  onEvent(e: SimEvent, index: number, state: SimState): Violation | null;
}

/**
 * A property with a stable id (DESIGN §4), checked on the fly during run/explore and offline
 * over any log (same code: both feed events and states).
 */
export interface Property {
  readonly id: string;
  readonly description: string;
  /** Longer explanation with the rules (docs/rules/) it comes from. */
  readonly explanation: string;
  /** 'failure' breaks the run's verdict; 'warning' (warn-*) is reported only. */
  readonly severity: 'failure' | 'warning';
  /** One sentence a report prints under a violation: what the kernel guarantees here. */
  readonly expectation?: string;
  /**
   * The property as a question about one state, when it can be asked of a state alone
   * (returns a message when the state is bad). `bisect --property` uses it to search in
   * O(log n) reconstructions; properties without one are found by a linear checker pass.
   */
  readonly stateCheck?: (state: SimState, model: Model) => string | null;
  /**
   * The event types its checker reacts to (including those its bookkeeping reads). When set,
   * a loop may skip feeding it any other event (`audit` does; see `checkersByType`); when
   * absent, it must be fed every event.
   */
  readonly events?: readonly SimEvent['type'][];
  /**
   * A pure function of (event, state after it): its checker keeps no memory of earlier events
   * that changes a verdict. An exhaustive search merges paths that reach one state, so it checks
   * only these; history-keeping properties (the audit rules) are checked by runs, random and
   * PCT testing (fresh checkers per execution). test/explore/purity.test.ts checks every
   * property that claims it against a fresh checker per event.
   */
  readonly statePure?: boolean;
  start(model: Model): Checker;
}

export interface PropertyVerdict {
  readonly id: string;
  /** 'warning' verdicts (warn-*) never make a run fail. */
  readonly severity: 'failure' | 'warning';
  /** true: held; false: violated; null: not decidable on this run (e.g. cut by the step bound). */
  readonly ok: boolean | null;
  readonly firstViolationEvent: number | null;
  readonly message: string | null;
}
