import { describe, expect, it } from 'vitest';
import {
  explore,
  getProperty,
  listProperties,
  makeModel,
  runModel,
  STATE_PURE_PROPERTIES,
  type SimEvent,
  type SimState,
} from '../../src/index.js';
import { applyEvent, initialMutableState } from '../../src/index.js';
import { builtin } from '../helpers/scenarios.js';

/**
 * The exhaustive explorer merges paths that reach one state, so a property it checks must be
 * a function of (event, state after it): a fresh checker fed only the current event must give
 * the same verdict as a checker that saw the whole run. Checked on random runs of every
 * built-in scenario (S-10, S-11, S-18, S-19, ... and the seed's own).
 */
const scenarios: [string, string | undefined][] = [
  ['seed-concurrent-wrprotect', undefined],
  ['seed-concurrent-wrprotect', '__test-no-flush'],
  ['seed-wrprotect-mkwrite', undefined],
  ['seed-clean', '__test-no-flush'],
  ['naive-rmw-dirty', 'naive-rmw'],
  ['arm64-wrprotect-s11', undefined],
];

describe('properties the exhaustive explorer checks are pure', () => {
  it('are all registered', () => {
    const ids = listProperties().map((p) => p.id);
    for (const id of STATE_PURE_PROPERTIES) expect(ids).toContain(id);
  });

  it.each(STATE_PURE_PROPERTIES.map((id) => [id]))(
    '%s: a fresh checker per event gives the same verdicts',
    (id) => {
      const prop = getProperty(id);
      let violations = 0;
      for (const [name, variant] of scenarios) {
        const scenario = builtin(name);
        const model = makeModel(scenario, { variant: variant ?? scenario.variant });
        // Random runs, plus the run of explore's counterexample when it finds one.
        const cx = explore(model, {
          properties: [prop],
          por: false,
          maxStates: 20_000,
          progressEvery: 1_000_000,
        }).schedule;
        for (let seed = 0; seed <= 12; seed++) {
          if (seed === 0 && !cx) continue;
          const events: SimEvent[] = [];
          runModel(
            model,
            {
              seed,
              properties: [],
              ...(seed === 0 && cx && { schedule: cx, maxSteps: cx.length + 1000 }),
            },
            (e) => events.push(e),
          );
          const state = initialMutableState(model.scenario);
          const whole = prop.start(model);
          events.forEach((e, i) => {
            applyEvent(state, e);
            const view = state as unknown as SimState;
            const a = whole.onEvent(e, i, view) !== null;
            const b = prop.start(model).onEvent(e, i, view) !== null;
            expect(b).toBe(a);
            if (a) violations++;
          });
        }
      }
      // Not vacuous: each of them is violated somewhere in these runs.
      expect(violations).toBeGreaterThan(0);
    },
  );

  it('a history-keeping audit rule is refused by exhaustive search, accepted by random', () => {
    const model = makeModel(builtin('seed-concurrent-wrprotect'));
    expect(() => explore(model, { properties: [getProperty('flush-pending-balance')] })).toThrow(
      /history/,
    );
    expect(
      explore(model, {
        strategy: 'random',
        runs: 3,
        properties: [getProperty('flush-pending-balance')],
      }).verdict,
    ).not.toBe('holds');
  });
});
