import {
  decide,
  initialMutableState,
  makeModel,
  parseScenario,
  applyEvent,
  stepOptions,
  type Model,
  type MutableSimState,
  type SimEvent,
  type SimState,
} from '../../src/index.js';

/**
 * Small worlds for rule tests: one mm, one VMA over `pages` pages, user threads on CPUs 0..n-1
 * (scripted ops), and optional callers. Tests poke the mutable state directly and then ask
 * decide() what one step of one thread does.
 */
export function tinyModel(opts: {
  pages?: number;
  cpus?: number;
  arch?: string;
  variant?: string;
  faultPath?: 'faithful' | 'atomic';
  flush?: 'per-cpu' | 'atomic';
  tlbCapacity?: number;
  ptesPerTable?: number;
  initialPte?: 'writable-clean' | 'writable-dirty' | 'readonly' | 'none';
  mode?: 'mkwrite' | 'pagetable';
  archOptions?: Record<string, string | boolean>;
  users?: { cpu: number; ops?: { op: 'write' | 'read'; vpn: number }[]; writes?: number }[];
  callers?: {
    protocol: 'snap' | 'clean' | 'vmwgfx-mkwrite' | 'vmwgfx-pagetable';
    kind?: 'caller' | 'drain';
  }[];
  vmas?: { start: number; pgoff: number; npages: number; flags: string[] }[];
}): Model {
  const pages = opts.pages ?? 2;
  const scenario = parseScenario({
    name: 'tiny',
    arch: opts.arch ?? 'x86-64',
    variant: opts.variant ?? 'seed-v4',
    options: {
      faultPath: opts.faultPath ?? 'faithful',
      flush: opts.flush ?? 'per-cpu',
      tlbCapacity: opts.tlbCapacity ?? 8,
      ptesPerTable: opts.ptesPerTable ?? 512,
      arch: opts.archOptions ?? {},
    },
    pages,
    cpus: opts.cpus ?? 2,
    mms: [
      {
        vmas: opts.vmas ?? [
          {
            start: 0,
            pgoff: 0,
            npages: pages,
            flags: ['shared', 'write', 'maywrite', 'io', 'pfnmap'],
          },
        ],
      },
    ],
    initialPte: opts.initialPte ?? 'writable-clean',
    driver: { mode: opts.mode ?? 'pagetable', initialBitmap: 'none' },
    threads: [
      ...(opts.users ?? [{ cpu: 0, ops: [{ op: 'write', vpn: 0 }] }]).map((u) => ({
        kind: 'user',
        cpu: u.cpu,
        ops: u.ops ?? [],
        writes: u.writes ?? 0,
      })),
      ...(opts.callers ?? []).map((c) => ({
        kind: c.kind ?? 'caller',
        cpu: 0,
        protocol: c.protocol,
      })),
    ],
  });
  return makeModel(scenario);
}

export function freshState(model: Model): MutableSimState {
  return initialMutableState(model.scenario);
}

/** Run one step of `tid` on the mutable state; returns its events. */
export function step(model: Model, state: MutableSimState, tid: number, choice = 0): SimEvent[] {
  const n = stepOptions(model, state as unknown as SimState, tid);
  if (n === 0) throw new Error(`thread ${tid} is not enabled`);
  const ev = decide(model, state as unknown as SimState, tid, choice);
  for (const e of ev) applyEvent(state, e);
  return ev;
}

/** Step `tid` until its stack depth returns to `depth` (e.g. a whole call), at most `max` steps. */
export function stepUntilDepth(
  model: Model,
  state: MutableSimState,
  tid: number,
  depth: number,
  max = 200,
): SimEvent[] {
  const all: SimEvent[] = [];
  for (let i = 0; i < max; i++) {
    all.push(...step(model, state, tid));
    if ((state.threads[tid]?.stack.length ?? 0) <= depth) return all;
  }
  throw new Error(`thread ${tid} did not return within ${max} steps`);
}

export const types = (ev: readonly SimEvent[]): string[] => ev.map((e) => e.type);
export const options = (model: Model, state: MutableSimState, tid: number): number =>
  stepOptions(model, state as unknown as SimState, tid);
