import type { Model } from '../../sim/model.js';
import type { Property } from '../../check/types.js';
import type { ExploreOptions } from '../types.js';
import { mergeParts, type ParallelResult } from './merge.js';
import { SearchPart } from './searchPart.js';
import { SharedFingerprintSet } from './sharedSet.js';

/**
 * The parallel search's parts run in turns on this thread: part i explores `slice`
 * transitions, then the next; an idle part takes half of a busy one's lowest frame. The same
 * parts, shared set and work splitting as `explore --workers N` (which runs each part on its
 * own worker thread), but deterministic: tests use it to check that splitting a search
 * changes neither its verdict nor its state count, and that a split search still finds
 * violations.
 */
export function exploreInTurns(
  model: Model,
  properties: readonly Property[],
  o: ExploreOptions,
  parts: number,
  slice = 7,
  arenaBytes = 64 << 20,
): ParallelResult {
  const set = SharedFingerprintSet.create(arenaBytes);
  const ps = Array.from({ length: parts }, () => new SearchPart(model, properties, o, set));
  (ps[0] as SearchPart).begin();
  const idle = ps.map((_, i) => i > 0);
  let stop: string | null = null;
  for (;;) {
    let busy = false;
    for (let i = 0; i < ps.length && stop === null; i++) {
      const p = ps[i] as SearchPart;
      if (idle[i]) {
        const donor = ps.find((q, j) => !idle[j] && q !== p);
        const item = donor?.split() ?? null;
        if (!item) continue;
        p.give(item);
        idle[i] = false;
      }
      const r = p.step(slice);
      if (r === 'violated' || r === 'cut') stop = r;
      else if (r === 'idle') idle[i] = true;
      else busy = true;
    }
    if (stop !== null || (!busy && idle.every((x) => x))) break;
  }
  return mergeParts(
    ps.map((p) => ({ stats: p.stats, violation: p.violation, picks: p.picks, cut: p.cut })),
    properties.map((p) => p.id),
    set.size,
    set.bytes,
    null,
  );
}
