import { Visited } from '../../../src/explore/visited.js';
import { Fingerprint } from '../../../src/explore/stateHash64.js';
import { Symmetry } from '../../../src/explore/symmetry.js';
import type { Model } from '../../../src/sim/model.js';
import type { SimState } from '../../../src/state/types.js';

/** States kept, at most: enough for a steady figure (they stay alive until the replay ends). */
const CAPTURE = 300_000;

export interface FingerprintReplay {
  /** States replayed. */
  readonly states: number;
  /** ns per state: the sorted (canonical) fingerprint, in search order. */
  readonly sortedInOrder: number;
  /** ns per state: the sorted fingerprint of one state again and again (all in cache). */
  readonly sortedHot: number;
  /** ns per state: the plain fingerprint (no symmetry), in search order. */
  readonly plainInOrder: number;
  /** ns per state: the plain fingerprint of one state again and again (all in cache). */
  readonly plainHot: number;
}

/**
 * The canonical fingerprint in isolation: the states a search gave its visited set, in the
 * order it gave them (the first {@link CAPTURE}), fingerprinted again by a fresh visited set,
 * against one state fingerprinted again and again, every element hash cached and every
 * object in the core's cache (the raw baseline). `search` runs a search of `model` (the
 * visited set's `idOf` is wrapped meanwhile to keep the states and their fingerprints); the
 * replay checks that it computes the same fingerprints.
 */
export function replayFingerprint(model: Model, search: () => void): FingerprintReplay {
  const kept: SimState[] = [];
  /** The fingerprints the search computed, lane a then lane b, to check the replay's against. */
  const seen: number[] = [];
  const idOf = Visited.prototype.idOf;
  Visited.prototype.idOf = function (this: Visited, s, extra) {
    idOf.call(this, s, extra);
    if (kept.length >= CAPTURE) return;
    if (extra !== undefined)
      throw new Error('cost replay: a bounded search hashes more than the state');
    kept.push(s);
    seen.push(this.a, this.b);
  };
  try {
    search();
  } finally {
    Visited.prototype.idOf = idOf;
  }
  const sym = Symmetry.of(model);
  if (sym === null) throw new Error('cost replay: the scenario has no symmetry');
  const one = kept[kept.length >> 1] as SimState;
  let sink = 0;
  /** Best of 5 passes over the kept states, ns per state. */
  const time = (f: (s: SimState) => number, hot: boolean): number => {
    let best = Infinity;
    for (let pass = 0; pass < 5; pass++) {
      const t0 = process.hrtime.bigint();
      for (let i = 0; i < kept.length; i++) sink ^= f(hot ? one : (kept[i] as SimState));
      best = Math.min(best, Number(process.hrtime.bigint() - t0) / kept.length);
    }
    return best;
  };
  const v = new Visited(false, sym);
  // The replay computes what the search did (a fresh set, with cold element-hash caches).
  kept.forEach((s, i) => {
    v.idOf(s);
    if (v.a !== seen[2 * i] || v.b !== seen[2 * i + 1])
      throw new Error(`cost replay: state ${i} fingerprints otherwise than in the search`);
  });
  const fp = new Fingerprint();
  const sortedInOrder = time((s) => (v.idOf(s), v.a), false);
  const sortedHot = time((s) => (v.idOf(s), v.a), true);
  const plainInOrder = time((s) => fp.of(s).a, false);
  const plainHot = time((s) => fp.of(s).a, true);
  if (sink === 0.5) throw new Error('unreachable: keeps the results alive');
  return { states: kept.length, sortedInOrder, sortedHot, plainInOrder, plainHot };
}
