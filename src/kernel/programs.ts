import { at, SimError } from '../errors.js';
import type { Scenario } from '../scenario/types.js';
import type { Frame } from '../state/types.js';
import type { StepMachine } from './step.js';
import { accessProgram, userProgram } from './user.js';
import { faultProgram } from './fault.js';
import { helperProgram } from './helper.js';
import { callerProgram } from './caller.js';

/** Step machines by frame name. */
const PROGRAMS: Readonly<Record<string, StepMachine>> = {
  user: userProgram,
  access: accessProgram,
  fault: faultProgram,
  helper: helperProgram,
  caller: callerProgram,
};

export function programOf(fn: string): StepMachine {
  const p = PROGRAMS[fn];
  if (!p) throw new SimError('MODEL_INVARIANT', `no step machine named '${fn}'`);
  return p;
}

/** The entry frame of thread `tid`. */
export function firstFrame(scenario: Scenario, tid: number): Frame {
  const spec = at(scenario.threads, tid);
  return { fn: spec.kind === 'user' ? 'user' : 'caller', pc: 0, l: [0, 0] };
}
