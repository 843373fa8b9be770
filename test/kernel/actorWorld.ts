import {
  makeModel,
  parseScenario,
  parseSchedule,
  runModel,
  type Model,
  type Property,
  type RunResult,
  type Scenario,
  type SimState,
} from '../../src/index.js';

/** A model from a plain scenario object (the same validation as a file). */
export function modelOf(
  raw: Record<string, unknown>,
  over: { arch?: string; variant?: string } = {},
): Model {
  return makeModel(parseScenario({ name: 'actors', ...raw }), over);
}

export function withThreads(
  s: Scenario,
  f: (t: Scenario['threads'][number]) => Scenario['threads'][number],
): Scenario {
  return { ...s, threads: s.threads.map(f) };
}

/** Run with the given picks first (schedule string), then the seeded scheduler. */
export function runSchedule(
  model: Model,
  schedule: string,
  properties?: readonly Property[],
): RunResult {
  return runModel(model, {
    seed: 1,
    schedule: parseSchedule(schedule),
    ...(properties && { properties }),
  });
}

/** Seeds in [1, n] whose run fails property `id`. */
export function failingSeeds(
  model: Model,
  id: string,
  n: number,
  properties?: readonly Property[],
): number[] {
  const out: number[] = [];
  for (let seed = 1; seed <= n; seed++) {
    const r = runModel(model, { seed, ...(properties && { properties }) });
    if (r.verdicts.find((v) => v.id === id)?.ok === false) out.push(seed);
  }
  return out;
}

/**
 * A test-only property: when `fn` returns (actor/return or helper/return), no CPU may hold a
 * writable TLB entry for an `mm` page whose PTE is now not writable (or not present) — the
 * post-condition of a write-protecting routine (rule O3 (docs/rules/oracles.md) for one caller).
 */
export function noStaleWritableAt(fn: string, isWritable: (pte: number) => boolean): Property {
  return {
    id: `test-stale-after-${fn}`,
    description: `no stale writable TLB entry when ${fn} returns`,
    explanation: 'test-only',
    severity: 'failure',
    start() {
      return {
        onEvent(e, index, state: SimState) {
          if ((e.type !== 'actor/return' && e.type !== 'helper/return') || e.fn !== fn) return null;
          for (let cpu = 0; cpu < state.tlbs.length; cpu++)
            for (const t of state.tlbs[cpu] ?? []) {
              const pte = state.mms[t.mm]?.ptes[t.vpn] ?? 0;
              if (t.w === 1 && !isWritable(pte))
                return {
                  index,
                  message: `CPU${cpu} still holds a writable entry for mm${t.mm} vpn ${t.vpn}`,
                };
            }
          return null;
        },
      };
    },
  } as Property;
}
