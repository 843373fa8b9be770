import type { SimEvent } from '../events/index.js';
import type { MutableSimState, SimState } from '../state/types.js';
import { STATE_OPS } from './stateOps.js';

/**
 * Copy-on-write successor for the explorer: a copy of `parent` in which only the parts the
 * step's events will change are fresh objects; everything else is shared with `parent` (which
 * the search never mutates). Which element of which part each event's recipe touches is the
 * state schema's `touchedBy` (src/state/schema.ts); test/explore/stateKey.test.ts checks it
 * against the recipes on every built-in scenario. An event type the schema does not list
 * copies everything (safe default); root fields the schema does not describe are always copied.
 */
let calls = 0;

/** The parts of the state that `events` touch, as a plan (bit i of plan[part]: element i). */
export function planOf(events: readonly SimEvent[]): Int32Array {
  return STATE_OPS.planOf(events);
}

/** The copy-on-write successor of `parent` for `events` (see the file comment). */
export function cloneTouched(
  parent: SimState | MutableSimState,
  events: readonly SimEvent[],
): MutableSimState {
  if ((calls++ & 1023) === 0) STATE_OPS.verify(parent);
  return STATE_OPS.cloneTouched(parent, events);
}
