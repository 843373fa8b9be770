import { describe, expect, it } from 'vitest';
import {
  applyEvent,
  initialMutableState,
  type Model,
  type Property,
  type SimEvent,
  type SimState,
  type Violation,
} from '../../src/index.js';

/**
 * Table tests for properties, in the style of typescript-eslint's RuleTester: lists of valid
 * and invalid event sequences. Every event is folded into the state and fed to one checker
 * that keeps running after a violation (as `audit` does), so an invalid case lists every
 * index its property reports.
 */
export interface ValidCase {
  readonly name: string;
  readonly events: readonly SimEvent[];
  /** Defaults to the tester's model. */
  readonly model?: Model;
}
export interface InvalidCase extends ValidCase {
  /** Event indices the property must report, in order. */
  readonly errors: readonly number[];
  /** A fragment every message of this case must contain. */
  readonly message?: string;
}

export function violationsOf(
  property: Property,
  model: Model,
  events: readonly SimEvent[],
): Violation[] {
  const state = initialMutableState(model.scenario);
  const checker = property.start(model);
  const out: Violation[] = [];
  events.forEach((e, i) => {
    applyEvent(state, e);
    const v = checker.onEvent(e, i, state as unknown as SimState);
    if (v) out.push(v);
  });
  return out;
}

export function ruleTester(
  property: Property,
  model: Model,
  cases: { readonly valid: readonly ValidCase[]; readonly invalid: readonly InvalidCase[] },
): void {
  describe(`${property.id} (${property.severity})`, () => {
    it('has an id, a description, an explanation citing rule ids and cases both ways', () => {
      expect(property.id).toMatch(/^[a-z0-9-]+$/);
      expect(property.description.length).toBeGreaterThan(10);
      expect(property.explanation).toMatch(/[A-Z]+\d|§\d|O\d/);
      expect(cases.valid.length).toBeGreaterThan(0);
      expect(cases.invalid.length).toBeGreaterThan(0);
    });
    for (const c of cases.valid)
      it(`valid: ${c.name}`, () => {
        expect(violationsOf(property, c.model ?? model, c.events)).toEqual([]);
      });
    for (const c of cases.invalid)
      it(`invalid: ${c.name}`, () => {
        expect(
          c.errors.length,
          'an invalid case must expect at least one violation',
        ).toBeGreaterThan(0);
        const vs = violationsOf(property, c.model ?? model, c.events);
        expect(vs.map((v) => v.index)).toEqual(c.errors);
        for (const v of vs) {
          expect(v.message.length).toBeGreaterThan(10);
          if (c.message !== undefined) expect(v.message).toContain(c.message);
        }
      });
  });
}
