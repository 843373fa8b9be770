import { describe, expect, it } from 'vitest';
import { test as fcTest } from '@fast-check/vitest';
import fc from 'fast-check';
import {
  applyEvent,
  getProperty,
  initialMutableState,
  isSimError,
  listProperties,
  makeModel,
  runModel,
  type SimEvent,
  type SimState,
} from '../../src/index.js';
import { Checks } from '../../src/check/checks.js';
import { scenarioArb, seedArb } from '../arbitraries/scenario.js';

describe('the property registry', () => {
  it('has unique kebab-case ids, and warn-* are exactly the warnings', () => {
    const ids = listProperties().map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const p of listProperties()) {
      expect(p.id).toMatch(/^[a-z][a-z0-9-]*$/);
      expect(p.severity === 'warning').toBe(p.id.startsWith('warn-'));
    }
  });

  it('covers the catalogue of docs/rules/notifier.md §6 and §9', () => {
    const ids = listProperties().map((p) => p.id);
    for (const id of [
      'lost-write',
      'wrprotect-post',
      'clean-a',
      'clean-b',
      'flush-complete',
      'flush-pending-balance',
    ])
      expect(ids).toContain(id);
    for (const family of ['notifier-', 'lock-', 'warn-'])
      expect(ids.filter((i) => i.startsWith(family)).length).toBeGreaterThan(1);
  });

  it('getProperty names the known ids when asked for an unknown one', () => {
    try {
      getProperty('nope');
      expect.unreachable();
    } catch (e) {
      expect(isSimError(e) && e.code === 'BAD_ARGUMENT' && e.message.includes('lost-write')).toBe(
        true,
      );
    }
  });
});

describe('Property.events lists every event type a checker reads', () => {
  fcTest.prop([scenarioArb, seedArb], { numRuns: 40 })(
    'feeding only the listed types finds the same violations as feeding everything',
    (scenario, seed) => {
      const model = makeModel(scenario);
      const events: SimEvent[] = [];
      runModel(model, { seed }, (e) => events.push(e));
      const props = listProperties();
      const all = props.map((p) => p.start(model));
      const table = new Checks(model, props);
      const state = initialMutableState(scenario);
      const view = state as unknown as SimState;
      const viaAll: string[] = [];
      const viaTable: string[] = [];
      events.forEach((e, i) => {
        applyEvent(state, e);
        all.forEach((c, k) => {
          const v = c.onEvent(e, i, view);
          if (v) viaAll.push(`${props[k]?.id}@${v.index}: ${v.message}`);
        });
        table.feedAll(e, i, view, (k, v) =>
          viaTable.push(`${props[k]?.id}@${v.index}: ${v.message}`),
        );
      });
      expect(viaTable).toEqual(viaAll);
    },
  );

  it('a property without a list is fed every event', () => {
    const model = makeModel(scenarioArbSample());
    const seen: string[] = [];
    const table = new Checks(model, [
      {
        id: 'x',
        description: 'every event',
        explanation: 'O1a',
        severity: 'failure',
        start: () => ({ onEvent: (e) => (seen.push(e.type), null) }),
      },
    ]);
    const state = initialMutableState(model.scenario) as unknown as SimState;
    table.feedAll({ type: '@sim/sched', tid: 0 }, 0, state, () => undefined);
    table.feedAll({ type: 'warn', tid: 0, what: 'w' }, 1, state, () => undefined);
    expect(seen).toEqual(['@sim/sched', 'warn']);
  });
});

function scenarioArbSample() {
  return fc.sample(scenarioArb, { numRuns: 1, seed: 7 })[0] as Parameters<typeof makeModel>[0];
}
