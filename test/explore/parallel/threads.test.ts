import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'rolldown';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { explore, getProperty, makeModel, minimise, replayPicks } from '../../../src/index.js';
import { exploreThreads } from '../../../tools/parallel/pool.js';
import { shortestOnThreads } from '../../../tools/parallel/levels.js';
import { SPIN_PROP, spinScenario, type SpinConfig } from '../../../tools/bench/spin/config.js';

let dir = '';
let entry: URL;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ptesim-threads-'));
  const file = join(dir, 'partWorker.mjs');
  // The search thread's entry, bundled from the TypeScript sources into one file node runs.
  await build({
    input: join(import.meta.dirname, '..', '..', '..', 'tools', 'parallel', 'partWorker.ts'),
    platform: 'node',
    output: { file, format: 'esm' },
    logLevel: 'silent',
  });
  entry = pathToFileURL(file);
}, 60_000);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const cfg = (variant: SpinConfig['variant']): SpinConfig => ({
  mode: 'wrprotect',
  variant,
  arch: 'A',
  callers: 2,
  pages: 1,
  cpus: 2,
  prop: 'DATA',
});

const search = (variant: SpinConfig['variant'], extra: { maxStates?: number } = {}) => {
  const scenario = spinScenario(cfg(variant));
  return exploreThreads({
    scenario,
    arch: scenario.arch,
    variant: scenario.variant,
    properties: ['lost-write'],
    options: { symmetry: false, ...extra },
    workers: 2,
    visitedBytes: 64 << 20,
    entry,
  });
};

/** `explore --workers 2` on real threads: verdicts and state counts of the one-thread search. */
describe('an exhaustive search on two threads', () => {
  it('holds for H9 (MERGED) with the one-thread state count', async () => {
    const r = await search('MERGED');
    const one = explore(makeModel(spinScenario(cfg('MERGED'))), {
      properties: [getProperty('lost-write')],
      symmetry: false,
    });
    expect(r.verdict).toBe('holds');
    expect(r.exhaustive).toBe(true);
    expect(r.stats.states).toBe(one.stats.states);
    expect(r.stats.transitions).toBe(one.stats.transitions);
  });

  it('finds the lost write of H9-v4 (S-10) with a replayable schedule', async () => {
    const r = await search('V4');
    expect(r.verdict).toBe('violated');
    const model = makeModel(spinScenario(cfg('V4')));
    expect(replayPicks(model, r.schedule ?? [], [getProperty('lost-write')]).property).toBe(
      SPIN_PROP.DATA,
    );
  });

  it('minimises on threads: a shortest counterexample, as long as the one-thread BFS finds', async () => {
    const scenario = spinScenario(cfg('V4'));
    const model = makeModel(scenario);
    const props = [getProperty('lost-write')];
    const found = explore(model, { properties: props, symmetry: false });
    expect(found.verdict).toBe('violated');
    const one = minimise(model, found.schedule ?? [], props);
    expect(one.shortest).toBe(true);
    const picks = await shortestOnThreads({
      scenario,
      arch: scenario.arch,
      variant: scenario.variant,
      property: 'lost-write',
      workers: 2,
      depthBound: found.schedule?.length ?? 0,
      maxStates: 3_000_000,
      entry,
    });
    expect(picks?.length).toBe(one.schedule.length);
    expect(replayPicks(model, picks ?? [], props)).toMatchObject({
      property: 'lost-write',
      length: one.schedule.length,
    });
    // One step less than the shortest: nothing within the bound.
    const none = await shortestOnThreads({
      scenario,
      arch: scenario.arch,
      variant: scenario.variant,
      property: 'lost-write',
      workers: 2,
      depthBound: one.schedule.length - 1,
      maxStates: 3_000_000,
      entry,
    });
    expect(none).toBeNull();
  });

  it('stops at the state limit as inconclusive', async () => {
    const r = await search('MERGED', { maxStates: 1000 });
    expect(r.verdict).toBe('inconclusive');
    expect(r.reason).toMatch(/state limit 1000/);
  });
});
