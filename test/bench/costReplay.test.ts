import { describe, expect, it } from 'vitest';
import { Visited } from '../../src/explore/visited.js';
import { replayFingerprint } from '../../tools/bench/cost/replay.js';
import { scaleConfig, spinScenario } from '../../tools/bench/spin/config.js';
import { explore, getProperty, makeModel } from '../../src/index.js';

/** The cost bench's fingerprint replay (`npm run bench -- --suite cost`). */
describe('replayFingerprint: the canonical fingerprint alone, on a search’s states', () => {
  const model = makeModel(spinScenario(scaleConfig({ c: 2, n: 1, k: 2, w: 2 })));
  const search = (): number => {
    const r = explore(model, { properties: [getProperty('lost-write')] });
    expect(r.verdict).toBe('holds');
    return r.stats.transitions;
  };

  it('replays every state the search fingerprinted, in order, to the same fingerprints', () => {
    let transitions = 0;
    const r = replayFingerprint(model, () => (transitions = search()));
    // The initial state and every transition's successor (far below the capture limit here).
    expect(r.states).toBe(transitions + 1);
    for (const ns of [r.sortedInOrder, r.sortedHot, r.plainInOrder, r.plainHot]) {
      expect(Number.isFinite(ns)).toBe(true);
      expect(ns).toBeGreaterThan(0);
    }
  });

  it('fails when it would replay another computation than the search’s', () => {
    // Symmetry of a model with one caller: the callers no longer swap, so the canonical
    // images of the two-caller states differ from the search's.
    const other = makeModel(spinScenario(scaleConfig({ c: 1, n: 1, k: 2, w: 2 })));
    expect(() => replayFingerprint(other, search)).toThrow(/fingerprints otherwise/);
  });

  it('restores the visited set’s idOf, also when the search throws', () => {
    const idOf = Visited.prototype.idOf;
    replayFingerprint(model, search);
    expect(Visited.prototype.idOf).toBe(idOf);
    expect(() =>
      replayFingerprint(model, () => {
        throw new Error('search failed');
      }),
    ).toThrow('search failed');
    expect(Visited.prototype.idOf).toBe(idOf);
  });
});
