import { describe, expect } from 'vitest';
import { test as fcTest, fc } from '@fast-check/vitest';
import { freeze } from 'immer';
import {
  evolve,
  foldEvents,
  initialState,
  listArchs,
  makeModel,
  runModel,
  stateHash,
  type Scenario,
  type SimEvent,
  type SimState,
} from '../../src/index.js';
import { builtin } from '../helpers/scenarios.js';

/** Worlds that exercise every flush flavour: per-cpu IPIs, lazy CPUs (T2), arm64 nosync (T3). */
function worlds(): { name: string; scenario: Scenario }[] {
  const clean = builtin('seed-clean');
  const wp = builtin('seed-concurrent-wrprotect');
  const withArch = (s: Scenario, arch: Record<string, string | boolean>): Scenario => ({
    ...s,
    options: { ...s.options, arch },
  });
  return [
    { name: 'seed-clean', scenario: clean },
    { name: 'seed-concurrent-wrprotect', scenario: wp },
    { name: 'naive-rmw-dirty', scenario: builtin('naive-rmw-dirty') },
    {
      name: 'seed-clean, CPU 1 lazy, nosync TLBI',
      scenario: withArch(clean, { lazyCpus: '1', tlbi: 'nosync' }),
    },
  ];
}

function record(scenario: Scenario, arch: string, seed: number) {
  const model = makeModel(scenario, { arch });
  const events: SimEvent[] = [];
  const result = runModel(model, { seed }, (e) => events.push(e));
  return { model, events, result };
}

const seedArb = fc.integer({ min: 1, max: 1_000_000 });

for (const arch of listArchs())
  describe(`laws on ${arch.name}`, () => {
    for (const { name, scenario } of worlds()) {
      fcTest.prop([seedArb], { numRuns: 3 })(
        `determinism: same scenario and seed, same events (${name})`,
        (seed) => {
          const a = record(scenario, arch.name, seed);
          const b = record(scenario, arch.name, seed);
          expect(b.events).toEqual(a.events);
          expect(b.result.finalStateHash).toBe(a.result.finalStateHash);
        },
      );

      fcTest.prop([seedArb], { numRuns: 3 })(
        `replay: folding the events reproduces every state and the final hash (${name})`,
        (seed) => {
          const { model, events, result } = record(scenario, arch.name, seed);
          expect(stateHash(foldEvents(model.scenario, events))).toBe(result.finalStateHash);
          // Re-simulation: the recorded picks alone give the same events byte for byte.
          const again: SimEvent[] = [];
          runModel(model, { schedule: result.picks, maxSteps: result.picks.length, seed }, (e) =>
            again.push(e),
          );
          expect(again).toEqual(events);
        },
      );

      fcTest.prop([seedArb], { numRuns: 2 })(
        `evolve never mutates a frozen state; no-op events return the same object (${name})`,
        (seed) => {
          const { model, events, result } = record(scenario, arch.name, seed);
          let state: SimState = freeze(initialState(model.scenario), true);
          const step = Math.max(1, Math.floor(events.length / 40));
          for (let i = 0; i < events.length; i++) {
            const e = events[i] as SimEvent;
            const before = state;
            const snapshot = i % step === 0 ? JSON.stringify(before) : null;
            state = evolve(before, e);
            if (snapshot !== null) expect(JSON.stringify(before)).toBe(snapshot);
            // STYLE §4: an event that changes nothing returns the very same object, for every
            // event (not only those whose recipe returns early): same hash => same object.
            if (e.type === '@sim/sched' || e.type === '@sim/choice') expect(state).toBe(before);
            else if (stateHash(state) === stateHash(before))
              expect(state, `event ${i} (${e.type}) changed nothing but copied`).toBe(before);
            // Applied again where it changes nothing more (a repeated write, fill, set), the
            // same event must leave the object alone.
            if (e.type !== 'thread/call' && e.type !== 'thread/return') {
              const again = evolve(state, e);
              if (stateHash(again) === stateHash(state)) expect(again).toBe(state);
            }
            if (i % step === 0)
              expect(stateHash(state)).toBe(stateHash(foldEvents(model.scenario, events, i)));
          }
          expect(Object.isFrozen(state)).toBe(true);
          expect(stateHash(state)).toBe(result.finalStateHash);
        },
      );
    }
  });
