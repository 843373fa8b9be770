import { describe, expect, it } from 'vitest';
import { fc, test } from '@fast-check/vitest';
import {
  explore,
  getProperty,
  makeModel,
  parseScenarioText,
  type ExploreOptions,
  type Scenario,
} from '../../src/index.js';

/**
 * The reductions are sound: on random small scenarios, exhaustive search with partial-order
 * reduction (local steps as ample sets, C3 proviso; sleep sets over observed footprints) and
 * symmetry reduction gives the same
 * verdict as the unreduced search, by DFS and by BFS, with fingerprints and with exact keys.
 * Random worlds mix the rules that matter for the races: H9/H9-v4 flush policies, atomic vs
 * faithful fault paths (F3), atomic vs per-CPU shootdowns (T1), x86 (X86-W2) and arm64 without
 * DBM (SWD-1).
 */
const world = fc.record({
  pages: fc.integer({ min: 1, max: 2 }),
  cpus: fc.integer({ min: 1, max: 2 }),
  writes: fc.array(fc.integer({ min: 0, max: 2 }), { minLength: 2, maxLength: 2 }),
  callers: fc.integer({ min: 1, max: 2 }),
  protocol: fc.constantFrom('snap', 'clean'),
  variant: fc.constantFrom('seed-v4', 'upstream', '__test-no-flush'),
  arch: fc.constantFrom('x86-64', 'arm64-nodbm'),
  faultPath: fc.constantFrom('atomic', 'faithful'),
  flush: fc.constantFrom('atomic', 'per-cpu'),
  initialPte: fc.constantFrom('writable-clean', 'writable-dirty'),
});

type World = typeof world extends fc.Arbitrary<infer T> ? T : never;

function scenarioOf(w: World): Scenario {
  const threads: Record<string, unknown>[] = [];
  for (let cpu = 0; cpu < w.cpus; cpu++)
    threads.push({ kind: 'user', name: `w${cpu}`, cpu, writes: w.writes[cpu] ?? 0 });
  for (let i = 0; i < w.callers; i++)
    threads.push({ kind: 'caller', name: `c${i}`, cpu: 0, protocol: w.protocol });
  threads.push({ kind: 'drain', name: 'drain', cpu: 0, protocol: w.protocol });
  return parseScenarioText(
    JSON.stringify({
      name: 'random',
      arch: w.arch,
      variant: w.variant,
      options: { faultPath: w.faultPath, flush: w.flush, tlbCapacity: 4, ptesPerTable: 512 },
      pages: w.pages,
      cpus: w.cpus,
      mms: [
        {
          vmas: [
            {
              start: 0,
              pgoff: 0,
              npages: w.pages,
              flags: ['shared', 'write', 'maywrite', 'io', 'pfnmap'],
            },
          ],
        },
      ],
      initialPte: w.initialPte,
      driver: {
        mode: w.protocol === 'snap' ? 'mkwrite' : 'pagetable',
        initialBitmap: w.protocol === 'snap' ? 'all' : 'none',
      },
      threads,
    }),
    'random scenario',
  );
}

/** Comparisons (of 94) the 8,000-state budget may cut: 19 with seed 13 (the runs are seeded). */
const MAX_CUT = 20;

const verdictOf = (s: Scenario, o: ExploreOptions): string => {
  const r = explore(makeModel(s), { maxStates: 8_000, ...o });
  return r.verdict === 'violated' ? `violated` : r.exhaustive ? 'holds' : 'cut';
};

/**
 * Searches the budget cut ('cut' is no verdict) and comparisons made, over the properties
 * below: a test at the end bounds the cuts, so a budget that cut everything (and compared
 * nothing) would fail instead of passing silently.
 */
const tally = { compared: 0, cut: 0 };
const compare = (plain: string, reduced: string): void => {
  if (plain === 'cut' || reduced === 'cut') tally.cut++;
  else {
    tally.compared++;
    expect(reduced).toBe(plain);
  }
};

describe('reductions are sound', () => {
  test.prop([world], { numRuns: 14, seed: 13 })(
    'reduced and unreduced exhaustive searches agree',
    (w) => {
      const s = scenarioOf(w);
      const plain = verdictOf(s, { por: false, symmetry: false, exact: true });
      // A budget may cut one search and not another ('cut' is no verdict, counted in `tally`);
      // verdicts never differ.
      for (const o of [
        { por: true, symmetry: true },
        { por: true, symmetry: false, exact: true },
        { por: true, sleepSets: true },
        { por: false, symmetry: true },
        { strategy: 'bfs', por: true, symmetry: true },
      ] as const) {
        compare(plain, verdictOf(s, o));
      }
    },
  );

  test.prop([world], { numRuns: 6, seed: 13 })('per-property verdicts agree too', (w) => {
    const s = scenarioOf(w);
    for (const id of ['lost-write', 'wrprotect-post']) {
      const properties = [getProperty(id)];
      const plain = verdictOf(s, { por: false, symmetry: false, properties });
      for (const o of [
        { por: true, symmetry: true },
        { por: true, sleepSets: true },
      ]) {
        compare(plain, verdictOf(s, { ...o, properties }));
      }
    }
  });

  it('budget-cut searches are counted and bounded: most comparisons are made', () => {
    // 14 worlds x 5 reduced searches + 6 worlds x 2 properties x 2 = 94 comparisons attempted.
    expect(tally.compared + tally.cut).toBe(94);
    expect(tally.cut).toBeLessThanOrEqual(MAX_CUT);
    expect(tally.compared).toBeGreaterThanOrEqual(94 - MAX_CUT);
  });

  it('can tell the difference: the no-flush break is violated, upstream holds (the test has teeth)', () => {
    const w: World = {
      pages: 1,
      cpus: 2,
      writes: [1, 1],
      callers: 1,
      protocol: 'snap',
      variant: '__test-no-flush',
      arch: 'x86-64',
      faultPath: 'atomic',
      flush: 'atomic',
      initialPte: 'writable-clean',
    };
    expect(verdictOf(scenarioOf(w), {})).toBe('violated');
    expect(verdictOf(scenarioOf({ ...w, variant: 'upstream' }), {})).toBe('holds');
  });
});
