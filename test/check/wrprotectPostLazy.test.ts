import { describe, expect, it } from 'vitest';
import { getProperty, initialMutableState, makeModel, type SimState } from '../../src/index.js';
import { builtin } from '../helpers/scenarios.js';

// wrprotect-post (DESIGN §4) and T2: an entry on a lazy CPU that a flush skipped is owed a
// flush; the CPU drops it before its next user access, so it is not a usable stale entry.
describe('wrprotect-post and lazy-TLB CPUs (T2)', () => {
  const model = makeModel(builtin('seed-concurrent-wrprotect'));
  const ret = {
    type: 'helper/return',
    tid: 2,
    fn: model.variant.fnNames.wrprotect,
    total: 1,
  } as const;
  const stale = (lazy: 0 | 1) => {
    const s = initialMutableState(model.scenario);
    s.tlbs[1]!.push({ mm: 0, vpn: 0, pfn: 0, w: 1, d: 1, susp: 1 << 2 });
    s.cpus = [
      { lazy: 0, owed: 0 },
      { lazy, owed: 1 },
    ];
    return s as unknown as SimState;
  };
  it('fails for a stale writable entry on a running CPU', () => {
    expect(getProperty('wrprotect-post').start(model).onEvent(ret, 9, stale(0))).not.toBeNull();
  });
  it('holds when that CPU is lazy and owed the flush of the mm', () => {
    expect(getProperty('wrprotect-post').start(model).onEvent(ret, 9, stale(1))).toBeNull();
  });
});
