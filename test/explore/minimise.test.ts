import { describe, expect, it } from 'vitest';
import { explore, getProperty, makeModel, minimise, replayPicks } from '../../src/index.js';
import { builtin } from '../helpers/scenarios.js';

describe('minimise', () => {
  it('shrinks a counterexample of a history-keeping property by replays only, and it still violates', () => {
    // clean-a keeps a history (which PTEs were dirty at the call's start), so BFS, which merges
    // states, must not be used to shorten it: the shrunk schedule is re-checked by replay.
    const model = makeModel(builtin('s1-concurrent-cleaners'));
    const props = [getProperty('clean-a')];
    const found = explore(model, { strategy: 'random', runs: 300, properties: props });
    expect(found.verdict).toBe('violated');
    const m = minimise(model, found.schedule ?? [], props);
    expect(m.shortest).toBe(false);
    expect(m.schedule.length).toBeLessThanOrEqual(m.originalLength);
    expect(replayPicks(model, m.schedule, props).property).toBe('clean-a');
  });
});
