import type { SimEvent } from '../events/index.js';
import type { SimState } from '../state/types.js';
import type { Model } from '../sim/model.js';
import type { Checker, Property, Violation } from './types.js';

/**
 * The checkers of a set of properties, fed through a per-event-type table: an event reaches
 * only the checkers whose property lists its type in `Property.events` (and every checker whose
 * property lists nothing). With twenty properties most events concern two or three of them,
 * so this is several times cheaper than calling every checker on every event.
 */
export class CheckerTable {
  readonly checkers: readonly Checker[];
  private readonly byType = new Map<string, readonly number[]>();
  private readonly always: readonly number[];
  constructor(
    model: Model,
    readonly properties: readonly Property[],
  ) {
    this.checkers = properties.map((p) => p.start(model));
    this.always = properties.flatMap((p, i) => (p.events === undefined ? [i] : []));
    const lists = new Map<string, number[]>();
    properties.forEach((p, i) => {
      for (const t of p.events ?? []) lists.set(t, [...(lists.get(t) ?? []), i]);
    });
    for (const [t, idx] of lists)
      this.byType.set(
        t,
        [...idx, ...this.always].sort((a, b) => a - b),
      );
  }

  /** Feed one event (with the state after it); calls `found` for each violation, in property order. */
  feed(
    e: SimEvent,
    index: number,
    state: SimState,
    found: (property: number, v: Violation) => void,
  ): void {
    const idx = this.byType.get(e.type) ?? this.always;
    for (let k = 0; k < idx.length; k++) {
      const i = idx[k] as number;
      const v = (this.checkers[i] as Checker).onEvent(e, index, state);
      if (v) found(i, v);
    }
  }
}
