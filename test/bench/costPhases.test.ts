import { Session } from 'node:inspector/promises';
import { describe, expect, it } from 'vitest';
import {
  allocByPhase,
  cpuByPhase,
  markerOf,
  PHASES,
  total,
  type CpuProfile,
  type ProfileNode,
} from '../../tools/bench/cost/phases.js';
import { scaleConfig, spinScenario } from '../../tools/bench/spin/config.js';
import { explore, getProperty, makeModel } from '../../src/index.js';

/** The cost bench's classifier (`npm run bench -- --suite cost`): profile frames → phases. */
const at = (path: string, functionName: string): { url: string; functionName: string } => ({
  url: `file:///somewhere/ptesim/dist/src/${path}`,
  functionName,
});

describe('markerOf: the phase a profile frame marks', () => {
  it('knows the explorer’s generated state operations by name (they have no file)', () => {
    expect(markerOf({ url: '', functionName: 'cloneTouched' })).toBe('copy-on-write successor');
    expect(markerOf({ url: '', functionName: 'c67' })).toBe('copy-on-write successor');
    expect(markerOf({ url: '', functionName: 'hashRenamed' })).toBe('canonical fingerprint');
    expect(markerOf({ url: '', functionName: 'sigs' })).toBe('canonical fingerprint');
    expect(markerOf({ url: '', functionName: 'eh93' })).toBe('canonical fingerprint');
    // An unnamed generated function, or a built-in, runs on behalf of its caller.
    expect(markerOf({ url: '', functionName: '' })).toBeNull();
    expect(markerOf({ url: '', functionName: 'push' })).toBeNull();
  });

  it('knows the source files by path under src/, built (.js) or not (.ts)', () => {
    expect(markerOf(at('sim/decide.js', 'decide'))).toBe('decide');
    expect(markerOf(at('sim/decide.ts', 'decide'))).toBe('decide');
    expect(markerOf(at('sim/decide.js', 'stepOptions'))).toBe('enabled steps and POR');
    expect(markerOf(at('check/checks.js', 'feed'))).toBe('property checks');
    expect(markerOf(at('explore/stateHash64.js', 'addTable'))).toBe('visited set');
    expect(markerOf(at('explore/stateHash64.js', 'ofRenamed'))).toBe('canonical fingerprint');
    expect(markerOf(at('explore/exhaustive.js', 'successors'))).toBe('enabled steps and POR');
    expect(markerOf(at('explore/exhaustive.js', 'dfs'))).toBe('search loop');
    // A kernel step machine is not a marker: it is decide's or the enabled steps', by caller.
    expect(markerOf(at('kernel/helper.js', 'step'))).toBeNull();
    expect(markerOf(at('kernel/helper.js', 'step'), 'enabled steps and POR')).toBeNull();
    // ... unless decide was inlined into the step driver, out of the heap profiler's stacks.
    expect(markerOf(at('kernel/helper.js', 'step'), 'step driver')).toBe('decide');
    expect(markerOf(at('evolve/tlb.js', 'applyTlb'), 'step driver')).toBe('apply events');
    // Outside src/ (node's own code, a dependency): its caller's.
    expect(markerOf({ url: 'node:internal/fs', functionName: 'readFileSync' })).toBeNull();
    expect(markerOf({ url: '', functionName: '(garbage collector)' })).toBe('garbage collector');
  });
});

describe('cpuByPhase / allocByPhase: amounts per phase over a profile tree', () => {
  // dfs → takeStep → decide → kernel step; dfs → takeStep → kernel step (decide inlined);
  // dfs → sortedFingerprint → hashRenamed; dfs → enabledSteps → kernel step.
  const frames: [number, { url: string; functionName: string }, number[]][] = [
    [1, { url: '', functionName: '(root)' }, [2, 9]],
    [2, at('explore/exhaustive.js', 'dfs'), [3, 6, 8]],
    [3, at('sim/step.js', 'takeStep'), [4, 10]],
    [4, at('sim/decide.js', 'decide'), [5]],
    [5, at('kernel/helper.js', 'step'), []],
    [6, at('explore/symmetry.js', 'sortedFingerprint'), [7]],
    [7, { url: '', functionName: 'hashRenamed' }, []],
    [8, at('sim/step.js', 'enabledSteps'), [11]],
    [9, { url: '', functionName: '(garbage collector)' }, []],
    [10, at('kernel/user.js', 'step'), []],
    [11, at('kernel/user.js', 'options'), []],
  ];
  const nodes: ProfileNode[] = frames.map(([id, callFrame, children]) => ({
    id,
    callFrame,
    children,
  }));

  it('gives each sample’s interval to the nearest marked frame on its stack', () => {
    // timeDeltas[i + 1] is sample i's interval.
    const p: CpuProfile = {
      nodes,
      samples: [5, 7, 7, 11, 2, 9, 10, 1],
      timeDeltas: [0, 10, 20, 30, 40, 50, 60, 70, 0],
    };
    const by = cpuByPhase(p);
    expect(by.decide).toBe(10 + 70);
    expect(by['canonical fingerprint']).toBe(20 + 30);
    expect(by['enabled steps and POR']).toBe(40);
    expect(by['search loop']).toBe(50);
    expect(by['garbage collector']).toBe(60);
    expect(by.other).toBe(0);
    expect(total(by)).toBe(280);
    expect(Object.keys(by)).toEqual([...PHASES]);
  });

  it('sums a heap profile’s self sizes the same way', () => {
    const tree = (id: number): ProfileNode => {
      const [, callFrame, children] = frames.find((f) => f[0] === id) as (typeof frames)[number];
      return { callFrame, selfSize: id * 100, children: children.map(tree) };
    };
    const by = allocByPhase(tree(1));
    expect(by.decide).toBe(400 + 500 + 1000);
    expect(by['step driver']).toBe(300);
    expect(by['enabled steps and POR']).toBe(800 + 1100);
    expect(by.other).toBe(100);
    expect(total(by)).toBe(66 * 100);
  });
});

describe('the classifier on a real search’s CPU profile', () => {
  it('puts every sampled frame of the search’s own code in a phase, none in "other"', async () => {
    const model = makeModel(spinScenario(scaleConfig({ c: 2, n: 1, k: 2, w: 2 })));
    const session = new Session();
    session.connect();
    await session.post('Profiler.enable');
    await session.post('Profiler.setSamplingInterval', { interval: 100 });
    await session.post('Profiler.start');
    const r = explore(model, { properties: [getProperty('lost-write')] });
    const { profile } = (await session.post('Profiler.stop')) as unknown as {
      profile: CpuProfile;
    };
    session.disconnect();
    expect(r.verdict).toBe('holds');
    const by = cpuByPhase(profile);
    // The search's parts were sampled (at 100 µs over a search of about a quarter second).
    for (const p of ['copy-on-write successor', 'canonical fingerprint', 'search loop'] as const)
      expect(by[p]).toBeGreaterThan(0);
    // A frame of the explorer's own code with no phase would be a classifier out of date.
    const inSearch = (n: ProfileNode): boolean =>
      /\/src\/(explore|sim|kernel|arch|evolve|check)\//.test(n.callFrame.url) &&
      // explore() is the entry that calls the search, above every phase.
      !/^(explore|exhaustive)$/.test(n.callFrame.functionName);
    const unmarked = new Set<string>();
    const byId = new Map(profile.nodes.map((n) => [n.id as number, n]));
    const walk = (id: number, marked: boolean): void => {
      const n = byId.get(id) as ProfileNode;
      const m = marked || markerOf(n.callFrame) !== null;
      if (!m && inSearch(n)) unmarked.add(`${n.callFrame.functionName} ${n.callFrame.url}`);
      for (const c of n.children ?? []) walk(c as number, m);
    };
    walk(profile.nodes[0]?.id as number, false);
    expect([...unmarked]).toEqual([]);
  });
});
