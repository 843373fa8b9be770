import { ModelInvariantError } from '../errors.js';
import type { SimEvent } from '../events/index.js';
import { applyEvent } from '../evolve/index.js';
import type { Scenario } from '../scenario/types.js';
import { decide, stepOptions } from '../sim/decide.js';
import { makeModel } from '../sim/model.js';
import { initialMutableState } from '../sim/init.js';
import { pteIsPresent, PTE_NONE } from '../state/pte.js';
import type { SimState } from '../state/types.js';
import type { ConformOp } from './ops.js';
import type { ObservedFault, OpSide } from './observe.js';

/** ptesim's side of a conformance run: per op, and every event of the run in order. */
export interface ModelSide {
  readonly ops: readonly OpSide[];
  readonly events: readonly SimEvent[];
}

/**
 * Run the scenario's user ops on ptesim in the conformance order (each op alone, to its end,
 * as the program's turn-passing runs them on Linux) under `arch` (the host's), alternative 0
 * wherever a step has several. Per op: the faults the op's thread entered (`fault/enter`, the
 * PTE's presence read before the event) and the flushes it started (`flush/start`).
 */
export function modelSide(scenario: Scenario, ops: readonly ConformOp[], arch: string): ModelSide {
  const model = makeModel(scenario, { arch });
  const state = initialMutableState(model.scenario);
  const view = state as unknown as SimState;
  const events: SimEvent[] = [];
  const sides = ops.map((op): OpSide => {
    const faults: ObservedFault[] = [];
    let flushes = 0;
    const done = (): boolean => {
      const stack = view.threads[op.tid]?.stack ?? [];
      return stack.length === 1 && (stack[0]?.l[0] ?? 0) > op.k;
    };
    for (let steps = 0; !done(); steps++) {
      if (steps > 10_000 || stepOptions(model, view, op.tid) === 0)
        throw new ModelInvariantError(
          `${scenario.name}: op ${op.g} (thread ${op.tid}) cannot complete alone in the model`,
        );
      for (const e of decide(model, view, op.tid, 0)) {
        if (e.type === 'fault/enter' && e.tid === op.tid) {
          const pte = view.mms[e.mm]?.ptes[e.vpn] ?? PTE_NONE;
          faults.push({ vpn: e.vpn, write: e.write === 1, present: pteIsPresent(pte) });
        } else if (e.type === 'flush/start' && e.tid === op.tid) flushes++;
        applyEvent(state, e);
        events.push(e);
      }
    }
    return { faults, flushes };
  });
  return { ops: sides, events };
}
