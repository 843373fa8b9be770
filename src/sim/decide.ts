import type { SimEvent } from '../events/index.js';
import type { SimState } from '../state/types.js';
import { programOf } from '../kernel/programs.js';
import type { StepCtx, StepMachine } from '../kernel/step.js';
import type { Model } from './model.js';

/** Step machines by name, found by a scan of interned names (cheaper than a keyed lookup). */
const machineNames: string[] = [];
const machines: StepMachine[] = [];

function machineOf(fn: string): StepMachine {
  for (let i = 0; i < machineNames.length; i++)
    if (machineNames[i] === fn) return machines[i] as StepMachine;
  const m = programOf(fn);
  if (machineNames.length < 32) {
    machineNames.push(fn);
    machines.push(m);
  }
  return m;
}

/**
 * The context handed to the machines of thread `tid`, one per (model, tid), reused: only its
 * `state` changes from call to call. A machine reads it during `options`/`step` and keeps
 * nothing of it (StepCtx). One model at a time: another model starts a new set.
 */
interface ReusedCtx extends StepCtx {
  state: SimState;
  /** The frame name this thread's machine was last looked up for, and that machine. */
  fn: string;
  machine: StepMachine | null;
}

let ctxModel: Model | null = null;
let ctxs: ReusedCtx[] = [];

function ctxOf(model: Model, state: SimState, tid: number): ReusedCtx {
  if (model !== ctxModel) {
    ctxModel = model;
    ctxs = [];
  }
  let c = ctxs[tid];
  if (c === undefined) {
    c = {
      state,
      layout: model.layout,
      arch: model.arch,
      variant: model.variant,
      tid,
      fn: '',
      machine: null,
    };
    ctxs[tid] = c;
  } else c.state = state;
  return c;
}

/** The machine running frame `fn` of the thread of `c` (the thread's last one, else a scan). */
function machineFor(c: ReusedCtx, fn: string): StepMachine {
  if (c.fn === fn) return c.machine as StepMachine;
  const m = machineOf(fn);
  c.fn = fn;
  c.machine = m;
  return m;
}

/**
 * How many alternatives thread `tid`'s next step has: 0 when it is finished, blocked on a lock
 * or waiting (not enabled), 1 when deterministic, n > 1 when it needs a recorded choice.
 */
export function stepOptions(model: Model, state: SimState, tid: number): number {
  const th = state.threads[tid];
  const top = th?.stack[th.stack.length - 1];
  if (!top) return 0;
  const c = ctxOf(model, state, tid);
  return machineFor(c, top.fn).options(c, top);
}

/**
 * decide(state, thread, choice) → the events of that thread's next step (DESIGN §1). Pure:
 * reads state, returns facts; the caller records `@sim/sched`/`@sim/choice` itself.
 */
export function decide(model: Model, state: SimState, tid: number, choice = 0): SimEvent[] {
  const th = state.threads[tid];
  const top = th?.stack[th.stack.length - 1];
  if (!top) return [];
  const c = ctxOf(model, state, tid);
  return machineFor(c, top.fn).step(c, top, choice);
}

/** Threads that can step now, in tid order. */
export function enabledThreads(model: Model, state: SimState): number[] {
  const out: number[] = [];
  for (let t = 0; t < state.threads.length; t++) if (stepOptions(model, state, t) > 0) out.push(t);
  return out;
}

export function allDone(state: SimState): boolean {
  for (const th of state.threads) if (th.stack.length > 0) return false;
  return true;
}
