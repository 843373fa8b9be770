import { at, ModelInvariantError } from '../errors.js';
import type { Scenario } from '../scenario/types.js';
import type { Frame } from '../state/types.js';
import type { StepMachine } from './step.js';
import { accessProgram, userProgram } from './user.js';
import { faultProgram } from './fault.js';
import { helperProgram } from './helper.js';
import { callerProgram } from './caller.js';
import { deviceProgram } from './device.js';
import { mprotectProgram } from './mprotect.js';
import { clearRefsProgram } from './clearRefs.js';
import { writebackProgram } from './writeback.js';
import { reclaimProgram } from './reclaim.js';
import { vmwProgram } from './vmwgfx.js';
import { kthreadProgram } from './kthread.js';
import { sysMmapProgram } from './userMm.js';
import { zapProgram } from './zap.js';
import { unmapMappingProgram } from './unmapMapping.js';

/** Every step machine of the model. Their declared layouts are the model layout (modelLayout.ts). */
export const STEP_MACHINES: readonly StepMachine[] = [
  userProgram,
  accessProgram,
  faultProgram,
  helperProgram,
  callerProgram,
  deviceProgram,
  mprotectProgram,
  clearRefsProgram,
  writebackProgram,
  reclaimProgram,
  sysMmapProgram,
  vmwProgram,
  kthreadProgram,
  zapProgram,
  unmapMappingProgram,
];

/** Step machines by frame name. */
const PROGRAMS: Readonly<Record<string, StepMachine>> = Object.fromEntries(
  STEP_MACHINES.map((m) => [m.layout.name, m]),
);

export function programOf(fn: string): StepMachine {
  const p = PROGRAMS[fn];
  if (!p) throw new ModelInvariantError(`no step machine named '${fn}'`);
  return p;
}

/** The step machine each thread kind starts in. */
const ENTRY: Readonly<Record<Scenario['threads'][number]['kind'], string>> = {
  user: 'user',
  caller: 'caller',
  drain: 'caller',
  consumer: 'caller',
  device: 'device',
  mprotect: 'mprotect',
  'clear-refs': 'clearRefs',
  writeback: 'writeback',
  reclaim: 'reclaim',
  kthread: 'kthread',
};

/** The entry frame of thread `tid`. */
export function firstFrame(scenario: Scenario, tid: number): Frame {
  const spec = at(scenario.threads, tid);
  return { fn: ENTRY[spec.kind], pc: 0, l: [0, 0] };
}
