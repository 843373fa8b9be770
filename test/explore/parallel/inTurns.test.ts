import { describe, expect, it } from 'vitest';
import { explore, getProperty, makeModel, replayPicks } from '../../../src/index.js';
import { exploreInTurns } from '../../../src/explore/parallel/cooperative.js';
import {
  SPIN_PROP,
  spinExpected,
  spinName,
  spinScenario,
  type SpinConfig,
} from '../../../tools/bench/spin/config.js';

const c = (
  mode: SpinConfig['mode'],
  variant: SpinConfig['variant'],
  prop: SpinConfig['prop'],
): SpinConfig => ({ mode, variant, arch: 'A', callers: 2, pages: 1, cpus: 2, prop });

/**
 * A search split into parts that share one visited set and hand each other work (the
 * algorithm of `explore --workers N`, here taking turns on one thread so the test is
 * deterministic) reaches the one-part verdict, stores the same states, and still finds
 * violations (H9-v4 with two write-protect callers, S-10; NAIVE's dirty-bit loss, X86-W2).
 */
describe('a search split into parts', () => {
  const holding = [c('wrprotect', 'MERGED', 'DATA'), c('clean', 'NAIVE', 'DATA')];
  const violated = [c('wrprotect', 'V4', 'DATA'), c('wrprotect', 'NAIVE', 'DIRTY')];

  it.each(holding.map((x) => [spinName(x), x] as const))(
    '%s holds with the one-part state count',
    (_, x) => {
      const model = makeModel(spinScenario(x));
      const props = [getProperty(SPIN_PROP[x.prop])];
      // Without symmetry the reduced graph is a function of the state: exactly the same states.
      const one = explore(model, { properties: props, symmetry: false });
      const three = exploreInTurns(model, props, { symmetry: false }, 3);
      expect(one.verdict).toBe('holds');
      expect(three.verdict).toBe('holds');
      expect(three.exhaustive).toBe(true);
      expect(three.stats.states).toBe(one.stats.states);
      expect(three.stats.transitions).toBe(one.stats.transitions);
      expect(three.stats.localCycleStates).toBe(0);
      // With symmetry, which member of an orbit is expanded can differ: the same count up to
      // a few representatives.
      const symOne = explore(model, { properties: props });
      const symTwo = exploreInTurns(model, props, {}, 2, 3);
      expect(symTwo.verdict).toBe('holds');
      expect(Math.abs(symTwo.stats.states - symOne.stats.states)).toBeLessThanOrEqual(
        symOne.stats.states / 1000 + 1,
      );
      expect(symTwo.stats.states).toBeLessThan(one.stats.states);
    },
  );

  it.each(violated.map((x) => [spinName(x), x] as const))(
    '%s is violated, with a schedule that replays to the violation',
    (_, x) => {
      expect(spinExpected(x)).toBe(true);
      const model = makeModel(spinScenario(x));
      const props = [getProperty(SPIN_PROP[x.prop])];
      const r = exploreInTurns(model, props, {}, 3);
      expect(r.verdict).toBe('violated');
      expect(r.property).toBe(SPIN_PROP[x.prop]);
      const replay = replayPicks(model, r.schedule ?? [], props);
      expect(replay.property).toBe(SPIN_PROP[x.prop]);
      expect(replay.length).toBe(r.schedule?.length);
    },
  );

  it('respects the state limit (not exhaustive, never holds)', () => {
    const x = c('wrprotect', 'MERGED', 'DATA');
    const r = exploreInTurns(
      makeModel(spinScenario(x)),
      [getProperty('lost-write')],
      {
        maxStates: 500,
      },
      2,
    );
    expect(r.verdict).toBe('inconclusive');
    expect(r.exhaustive).toBe(false);
    expect(r.reason).toMatch(/state limit 500/);
  });
});
