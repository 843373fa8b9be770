import {
  defaultProperties,
  getProperty,
  SimError,
  type ExploreProgress,
  type ExploreResult,
  type Model,
} from '../../src/index.js';
import { mergeParts } from '../../src/explore/parallel/merge.js';
import { SearchPart, type WorkItem } from '../../src/explore/parallel/searchPart.js';
import { ADDED, SharedFingerprintSet } from '../../src/explore/parallel/sharedSet.js';
import type { FingerprintRing } from '../../src/explore/parallel/fingerprintRing.js';
import type { ExploreJob } from '../commands/exploreJob.js';

/** A subtree of an exhaustive search, sent as picks (JSON-safe): see {@link cutSearch}. */
export interface Subtree {
  /** tid, choice pairs from the initial state to the subtree's root. */
  readonly path: readonly number[];
  readonly lastTid: number;
  readonly preemptions: number;
  /** The transitions to explore from the root (tid, choice, alternatives triples). */
  readonly todo: readonly number[];
}

const propsOf = (job: ExploreJob) => job.properties?.map(getProperty) ?? defaultProperties(false);

/**
 * The states a subtree job shares with the other jobs of its search (tools/queue/share.ts):
 * `inbox` brings fingerprints other jobs (and the prefix) stored, which this job then treats
 * as visited; `outbox` takes the ones this job stores.
 */
export interface Exchange {
  readonly inbox: FingerprintRing;
  readonly outbox: FingerprintRing;
  /** Fingerprints (pairs) stored before the job started, taken in first. */
  readonly initial?: Int32Array;
}

/**
 * Cut an exhaustive DFS into subtrees for other machines: explore from the initial state
 * until at least `count` transitions are untried on the stack (or the search ends), then hand
 * out every frame's untried transitions as one subtree each. Every state this prefix stored
 * was either finished here or is on the stack, so the subtrees together cover the rest.
 * Returns the prefix's own result too (a violation or the end of the search may come first),
 * and the fingerprints it stored (pairs): each is either finished here or the root of
 * subtrees, so a subtree job may treat them as visited.
 */
export function cutSearch(
  job: ExploreJob,
  model: Model,
  count: number,
): { prefix: ExploreResult; subtrees: Subtree[]; seen: Int32Array } {
  const props = propsOf(job);
  const set = SharedFingerprintSet.create(64 << 20);
  const part = new SearchPart(model, props, job.options, set);
  part.begin();
  let status = part.step(0);
  while (status === 'busy' && part.untried < count) status = part.step(16);
  const items = status === 'busy' ? part.drain() : [];
  const prefix = mergeParts(
    [{ stats: part.stats, violation: part.violation, picks: part.picks, cut: part.cut }],
    props.map((p) => p.id),
    set.size,
    set.bytes,
    null,
  );
  const seen = new Int32Array(set.size * 2);
  let k = 0;
  set.forEach((a, b) => {
    seen[k++] = a;
    seen[k++] = b;
  });
  return {
    prefix,
    seen,
    subtrees: items.map((it: WorkItem) => ({
      path: it.path,
      lastTid: it.lastTid,
      preemptions: it.preemptions,
      todo: it.todo,
    })),
  };
}

/**
 * Explore one subtree to the end with its own visited set (DFS with the reductions of the
 * parallel search). `stop` is polled every 2000 transitions: a reason ends it inconclusive.
 *
 * With an `exchange`, the states other jobs of the same search stored (fingerprints arriving
 * in its inbox, taken in every 2000 transitions) count as visited here, and the states stored
 * here go to its outbox. Sound because each job expands every state it stores and the search
 * holds only when every job finished (see tools/queue/share.ts for retried jobs). The states
 * reported are the ones this job stored itself.
 */
export function exploreSubtree(
  job: ExploreJob & { readonly subtree: Subtree },
  model: Model,
  hooks: {
    progress?(p: ExploreProgress): void;
    stop?(states: number): string | null;
    exchange?: Exchange;
  },
): ExploreResult {
  const props = propsOf(job);
  const set = SharedFingerprintSet.create((job.maxMemoryMb ?? 4096) * 1e6);
  const part = new SearchPart(model, props, job.options, set);
  const sub = job.subtree;
  let state;
  try {
    state = part.stateAt(sub.path);
  } catch (e) {
    throw new SimError('BAD_ARGUMENT', `subtree job: ${(e as Error).message}`);
  }
  part.give(
    { path: sub.path, lastTid: sub.lastTid, preemptions: sub.preemptions, todo: sub.todo },
    state,
  );
  let stopped: string | null = null;
  /** Fingerprints taken from other jobs (in the set, not stored by this job). */
  let imported = 0;
  const ex = hooks.exchange;
  const take = (): void => {
    ex?.inbox.drain((a, b) => {
      if (set.add(a, b) === ADDED) imported++;
    });
  };
  part.shareTo(ex?.outbox ?? null);
  const initial = ex?.initial;
  if (initial)
    for (let i = 0; i + 1 < initial.length; i += 2)
      if (set.add(initial[i] as number, initial[i + 1] as number) === ADDED) imported++;
  for (;;) {
    take();
    const r = part.step(2000);
    if (r !== 'busy') break;
    hooks.progress?.({
      states: set.size - imported,
      transitions: part.stats.transitions,
      depth: part.depth,
      queue: part.depth,
      runs: 0,
    });
    stopped = hooks.stop?.(set.size) ?? null;
    if (stopped !== null) break;
  }
  return mergeParts(
    [{ stats: part.stats, violation: part.violation, picks: part.picks, cut: part.cut }],
    props.map((p) => p.id),
    set.size - imported,
    set.bytes,
    stopped,
  );
}
