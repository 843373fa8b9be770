import { describe, expect, it } from 'vitest';
import { makeModel, type Property } from '../../../src/index.js';
import { SearchPart, type WorkItem } from '../../../src/explore/parallel/searchPart.js';
import { SharedFingerprintSet } from '../../../src/explore/parallel/sharedSet.js';
import { spinScenario } from '../../../tools/bench/spin/config.js';

/** A property that holds, counting the events its checkers are fed. */
function counting(): { property: Property; fed: () => number } {
  let fed = 0;
  const property: Property = {
    id: 'count-events',
    description: 'counts the events fed to its checker',
    explanation: 'test only',
    severity: 'failure',
    statePure: true,
    start: () => ({
      onEvent: () => {
        fed++;
        return null;
      },
    }),
  };
  return { property, fed: () => fed };
}

describe('a work item taken by another part', () => {
  const model = makeModel(
    spinScenario({
      mode: 'wrprotect',
      variant: 'MERGED',
      arch: 'A',
      callers: 2,
      pages: 1,
      cpus: 2,
      prop: 'DATA',
    }),
  );

  it("is rebuilt without feeding the taker's checks (the giver checked its path)", () => {
    const set = SharedFingerprintSet.create(16 << 20);
    const giver = counting();
    const a = new SearchPart(model, [giver.property], {}, set);
    a.begin();
    expect(a.step(300)).toBe('busy');
    // Split until an item starts below the initial state (its path has picks to re-execute).
    let item: WorkItem | null = null;
    for (let i = 0; i < 50 && !(item && item.path.length > 0); i++) item = a.split();
    expect(item?.path.length).toBeGreaterThan(0);
    expect(giver.fed()).toBeGreaterThan(0);

    const taker = counting();
    const b = new SearchPart(model, [taker.property], {}, set);
    b.give(item as WorkItem);
    expect(taker.fed()).toBe(0);
    // The counter has teeth: exploring from the item feeds the taker's checks.
    b.step(10);
    expect(taker.fed()).toBeGreaterThan(0);
  });
});
