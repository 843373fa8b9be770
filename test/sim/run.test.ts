import { test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import {
  evolve,
  initialState,
  makeModel,
  MemorySink,
  parseLog,
  recordRun,
  replayLog,
  resimulate,
  runModel,
  stateHash,
  type SimEvent,
  type SimState,
} from '../../src/index.js';
import { scenarioArb, seedArb } from '../arbitraries/scenario.js';
import { builtin } from '../helpers/scenarios.js';

function record(scenario: Parameters<typeof makeModel>[0], seed: number) {
  const sink = new MemorySink();
  const result = recordRun(makeModel(scenario), { seed, maxSteps: 2000 }, sink);
  return { bytes: sink.bytes(), result };
}

describe('runs are deterministic and replayable (DESIGN §1)', () => {
  test.prop([scenarioArb, seedArb], { numRuns: 60 })(
    'same scenario, arch, variant and seed give byte-identical logs',
    (scenario, seed) => {
      expect(
        Buffer.from(record(scenario, seed).bytes).equals(Buffer.from(record(scenario, seed).bytes)),
      ).toBe(true);
    },
  );

  test.prop([scenarioArb, seedArb], { numRuns: 60 })(
    'replaying a log with evolve only gives its recorded final hash, and re-simulation reproduces every event',
    (scenario, seed) => {
      const { bytes, result } = record(scenario, seed);
      const log = parseLog(bytes);
      const r = replayLog(log);
      expect(r.finalStateHash).toBe(result.finalStateHash);
      expect(r.matches).toBe(true);
      expect(resimulate(log)).toMatchObject({ identical: true, firstDifference: null });
    },
  );

  test.prop([scenarioArb, seedArb], { numRuns: 25 })(
    'the immer evolve (frozen states) and the mutable fold agree at every event, and no state is mutated',
    (scenario, seed) => {
      const events: SimEvent[] = [];
      const hashes: string[] = [];
      const model = makeModel(scenario);
      runModel(model, { seed, maxSteps: 300 }, (e) => events.push(e));
      let s: SimState = initialState(scenario);
      const seen: { state: SimState; hash: string }[] = [];
      for (const e of events) {
        const next = evolve(s, e);
        seen.push({ state: s, hash: stateHash(s) });
        s = next;
        hashes.push(stateHash(s));
      }
      // evolve froze every state; none changed after the fact
      for (const { state, hash } of seen) expect(stateHash(state)).toBe(hash);
      expect(Object.isFrozen(s)).toBe(true);
      const again = runModel(model, { seed, maxSteps: 300 });
      expect(again.finalStateHash).toBe(hashes.at(-1));
    },
  );

  it('a no-op event returns the very same state object', () => {
    const s = initialState(builtin('seed-clean'));
    expect(evolve(s, { type: '@sim/sched', tid: 0 })).toBe(s);
    expect(evolve(s, { type: 'helper/call', tid: 2, fn: 'x', first: 0, nr: 1 })).toBe(s);
    expect(evolve(s, { type: 'tlb/flush', tid: 2, cpu: 0, mm: 0, from: 0, to: 2 })).toBe(s);
  });
});

describe('the scheduler', () => {
  it('records every pick and choice, so the picks replay the run exactly', () => {
    const model = makeModel(builtin('seed-clean'));
    const a = runModel(model, { seed: 7 });
    const b = runModel(model, { seed: 99, schedule: a.picks });
    expect(b.finalStateHash).toBe(a.finalStateHash);
  });

  it('reports exhaustion of the step bound instead of hanging, with no verdict for lost-write', () => {
    const r = runModel(makeModel(builtin('seed-clean')), { seed: 1, maxSteps: 5 });
    expect(r.end).toBe('step-bound');
    expect(r.verdicts.find((v) => v.id === 'lost-write')?.ok).toBeNull();
  });

  it('never schedules a thread blocked on a lock', () => {
    const model = makeModel(builtin('seed-concurrent-wrprotect'));
    const events: SimEvent[] = [];
    runModel(model, { seed: 3 }, (e) => events.push(e));
    const holders = new Map<number, number>();
    for (const e of events) {
      if (e.type === 'lock/acquire' && e.mode === 'w') {
        expect(holders.get(e.lock) ?? -1).toBe(-1);
        holders.set(e.lock, e.tid);
      }
      if (e.type === 'lock/release' && e.mode === 'w') holders.set(e.lock, -1);
    }
  });

  it('rejects a schedule that picks a thread that cannot step, naming the entry', () => {
    const model = makeModel(builtin('seed-clean'));
    expect(() => runModel(model, { schedule: [{ tid: 3, choice: 0 }] })).toThrow(
      /schedule entry 1.*thread 3 is not enabled/,
    );
  });
});
