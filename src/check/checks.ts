import type { SimEvent } from '../events/index.js';
import type { SimState } from '../state/types.js';
import type { Model } from '../sim/model.js';
import type { Checker, Property, Violation } from './types.js';

/** A property violation: which property, and its checker's report. */
export interface FoundViolation {
  readonly property: string;
  readonly message: string;
  /** Index of the event after which it failed (the driver's numbering). */
  readonly index: number;
}

/**
 * The checkers of a set of properties: the one container every driver feeds (run, explore,
 * minimise, random/PCT, audit). Events go through a per-event-type table: an event reaches
 * only the checkers whose property lists its type in `Property.events` (and every checker whose
 * property lists nothing). With twenty properties most events concern two or three of them,
 * so this is several times cheaper than calling every checker on every event.
 *
 * {@link feed} records the first violation of each property (`found`, by property index) and
 * the first of all (`first`). A search stops at the first violation (`untilFirst`: later events
 * are not checked); a run keeps checking the other properties.
 */
export class Checks {
  readonly checkers: readonly Checker[];
  /** First violation of each property (index as in `properties`), null while it holds. */
  readonly found: (Violation | null)[];
  /** The first violation fed, of any property. */
  first: FoundViolation | null = null;
  private readonly byType = new Map<string, readonly number[]>();
  private readonly always: readonly number[];
  private readonly types: string[] = [];
  private readonly lists: (readonly number[])[] = [];

  constructor(
    model: Model,
    readonly properties: readonly Property[],
    /** Stop checking once a violation is found (searches); else check every property to the end. */
    readonly untilFirst = false,
  ) {
    this.checkers = properties.map((p) => p.start(model));
    this.found = properties.map(() => null);
    this.always = properties.flatMap((p, i) => (p.events === undefined ? [i] : []));
    const lists = new Map<string, number[]>();
    properties.forEach((p, i) => {
      for (const t of p.events ?? []) lists.set(t, [...(lists.get(t) ?? []), i]);
    });
    for (const [t, idx] of lists) {
      const all = [...idx, ...this.always].sort((a, b) => a - b);
      this.byType.set(t, all);
      this.types.push(t);
      this.lists.push(all);
    }
  }

  /**
   * The checkers event type `type` concerns. Few types (a search checks one or two
   * properties): a scan comparing interned strings, cheaper than a keyed lookup per event.
   */
  private concerned(type: string): readonly number[] {
    const types = this.types;
    if (types.length <= 8) {
      for (let i = 0; i < types.length; i++)
        if (types[i] === type) return this.lists[i] as readonly number[];
      return this.always;
    }
    return this.byType.get(type) ?? this.always;
  }

  /** Feed one event with the state after it, recording violations (see the class comment). */
  feed(e: SimEvent, index: number, state: SimState): void {
    if (this.untilFirst && this.first !== null) return;
    const idx = this.concerned(e.type);
    for (let k = 0; k < idx.length; k++) {
      const i = idx[k] as number;
      const v = (this.checkers[i] as Checker).onEvent(e, index, state);
      if (v === null) continue;
      if (this.found[i] === null) this.found[i] = v;
      if (this.first === null) {
        this.first = { property: (this.properties[i] as Property).id, message: v.message, index };
        if (this.untilFirst) return;
      }
    }
  }

  /**
   * Feed one event and call `found` with every violation it causes, in property order, even
   * a property's second and later ones (audit reports them all).
   */
  feedAll(
    e: SimEvent,
    index: number,
    state: SimState,
    found: (property: number, v: Violation) => void,
  ): void {
    const idx = this.concerned(e.type);
    for (let k = 0; k < idx.length; k++) {
      const i = idx[k] as number;
      const v = (this.checkers[i] as Checker).onEvent(e, index, state);
      if (v) found(i, v);
    }
  }

  /** True when a property of severity 'failure' was violated. */
  get failed(): boolean {
    for (let i = 0; i < this.found.length; i++)
      if (this.found[i] !== null && (this.properties[i] as Property).severity === 'failure')
        return true;
    return false;
  }
}
