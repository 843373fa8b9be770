import { describe, expect, it } from 'vitest';
import { test as fcTest } from '@fast-check/vitest';
import fc from 'fast-check';
import {
  LogReader,
  makeModel,
  memorySource,
  MemorySink,
  recordRun,
  runModel,
  type Model,
  type SimEvent,
  type SimState,
} from '../../src/index.js';
import {
  bisectProperty,
  bisectStates,
  memoryStates,
  scanStates,
  type StateQuestion,
} from '../../src/analysis/bisect.js';
import { getProperty } from '../../src/check/registry.js';
import { scenarioArb, seedArb } from '../arbitraries/scenario.js';
import { builtin } from '../helpers/scenarios.js';

function record(model: Model, seed: number): SimEvent[] {
  const events: SimEvent[] = [];
  runModel(model, { seed }, (e) => events.push(e));
  return events;
}

/** Monotone questions (good … good bad … bad): ghost versions, device copies and warnings only grow; finished threads stay finished. */
const monotoneArb: fc.Arbitrary<{ name: string; q: StateQuestion }> = fc.oneof(
  fc.record({ p: fc.nat(2), k: fc.integer({ min: 1, max: 4 }) }).map(({ p, k }) => ({
    name: `page ${p} written ${k} times`,
    q: (s: SimState) => (s.pages[p]?.version ?? 0) >= k,
  })),
  fc.record({ p: fc.nat(2), k: fc.integer({ min: 1, max: 3 }) }).map(({ p, k }) => ({
    name: `page ${p} copied at version ≥ ${k}`,
    q: (s: SimState) => (s.pages[p]?.device ?? 0) >= k,
  })),
  fc.nat(4).map((t) => ({
    name: `thread ${t} finished`,
    q: (s: SimState) => (s.threads[t]?.stack.length ?? 1) === 0,
  })),
  fc.constant({ name: 'never', q: () => false }),
  fc.constant({ name: 'always', q: () => true }),
);

describe('bisect over states', () => {
  fcTest.prop([scenarioArb, seedArb, monotoneArb, fc.integer({ min: 1, max: 64 })], {
    numRuns: 60,
  })(
    'agrees with a linear scan on random logs, in at most ⌈log2 n⌉ + 2 reconstructions',
    (scenario, seed, { q }, every) => {
      const model = makeModel(scenario);
      const events = record(model, seed);
      const source = memoryStates(scenario, events, every);
      const r = bisectStates(source, q, model);
      const expected = scanStates(scenario, events, q);
      if (expected === null) expect(r.verdict).toBe('good');
      else {
        expect(r.verdict).toBe('bad');
        expect(r.firstBad).toBe(expected);
      }
      const bound = Math.ceil(Math.log2(Math.max(2, events.length))) + 2;
      expect(r.probes).toBeLessThanOrEqual(bound);
      expect(source.reconstructions).toBeLessThanOrEqual(bound + 2); // + the diff's two sides at most
      expect(source.folded).toBeLessThanOrEqual(source.reconstructions * every);
    },
  );

  it('needs logarithmically many probes: 21 for 2^19 + 1 states, against 524 289 for a scan', () => {
    const model = makeModel(builtin('seed-clean'));
    const events = record(model, 1);
    // A long synthetic log: the run's events, then stores to page 0 (each bumps its version).
    const long: SimEvent[] = [...events];
    while (long.length < 1 << 19) long.push({ type: 'mem/store', tid: 0, cpu: 0, page: 0 });
    const target = 300_000;
    const versionAt = (n: number): number => {
      let v = 0;
      for (let i = 0; i < n; i++) {
        const e = long[i] as SimEvent;
        if (e.type === 'mem/store' && e.page === 0) v++;
      }
      return v;
    };
    const k = versionAt(target + 1);
    const source = memoryStates(model.scenario, long, 4096);
    const r = bisectStates(source, (s) => (s.pages[0]?.version ?? 0) >= k, model);
    expect(r.verdict).toBe('bad');
    expect(r.firstBad).toBe(target);
    expect(r.probes).toBeLessThanOrEqual(21);
    expect(source.folded).toBeLessThan(23 * 4096);
    expect(r.diff.map((d) => d.path)).toContain('page0.version');
  });

  it('reports bad from the start, good at the end, and cannot-tell when the question throws', () => {
    const model = makeModel(builtin('seed-clean'));
    const events = record(model, 3);
    const src = memoryStates(model.scenario, events, 16);
    expect(bisectStates(src, () => true, model)).toMatchObject({
      verdict: 'bad',
      firstBad: -1,
      probes: 2,
    });
    expect(bisectStates(src, () => false, model)).toMatchObject({
      verdict: 'good',
      firstBad: null,
      probes: 1,
    });
    const r = bisectStates(src, (_s, n) => {
      if (n < events.length) throw new Error('boom');
      return true;
    });
    expect(r.verdict).toBe('cannot-tell');
    expect(r.reason).toContain('boom');
  });
});

describe('bisect over a log file with on-disk checkpoints (the streaming LogReader is a StateSource)', () => {
  fcTest.prop([seedArb, fc.integer({ min: 1, max: 3 })], { numRuns: 15 })(
    'agrees with the in-memory source and a linear scan',
    (seed, k) => {
      const model = makeModel(builtin('seed-concurrent-wrprotect'), { variant: '__test-no-flush' });
      const sink = new MemorySink();
      recordRun(model, { seed }, sink, { chunkEvents: 8, checkpointEvery: 16 });
      const reader = LogReader.open(memorySource(sink.bytes()), 'mem');
      expect(reader.checkpoints.length).toBeGreaterThan(2);
      const q: StateQuestion = (s) => (s.pages[1]?.version ?? 0) >= k;
      const events = reader.events();
      const fromFile = bisectStates(reader, q, model);
      const fromMemory = bisectStates(memoryStates(model.scenario, events, 16), q, model);
      expect(fromFile.firstBad).toBe(scanStates(model.scenario, events, q) ?? null);
      expect(fromFile).toEqual(fromMemory);
      expect(fromFile.probes).toBeLessThanOrEqual(Math.ceil(Math.log2(events.length)) + 2);
    },
  );
});

describe('bisect a property', () => {
  const broken = makeModel(builtin('seed-concurrent-wrprotect'), { variant: '__test-no-flush' });
  it('finds the same event as the run loop, by a linear checker pass when the property has no state form', () => {
    const events = record(broken, 1);
    const verdict = runModel(broken, { seed: 1 }).verdicts.find(
      (v) => v.id === 'notifier-flush-before-end',
    );
    const r = bisectProperty(
      memoryStates(broken.scenario, events, 64),
      broken,
      getProperty('notifier-flush-before-end'),
    );
    expect(r).toMatchObject({
      verdict: 'bad',
      method: 'scan',
      probes: 0,
      firstBad: verdict?.firstViolationEvent,
    });
    expect(r.event?.type).toBe('notifier/end');
    expect(r.diff.map((d) => d.path)).toContain('mm0.active_invalidations');
  });

  it('bisects flush-complete through its state form (O3) and lands on the dec that left a stale entry', () => {
    const events = record(broken, 1);
    const src = memoryStates(broken.scenario, events, 32);
    const p = getProperty('flush-complete');
    const fast = bisectProperty(src, broken, p);
    const slow = bisectProperty(src, broken, p, { linear: true });
    expect(fast.method).toBe('bisect');
    expect(fast.verdict).toBe('bad');
    expect(fast.firstBad).toBe(slow.firstBad);
    expect(fast.event?.type).toBe('pending/dec');
    expect(fast.probes).toBeLessThanOrEqual(Math.ceil(Math.log2(events.length)) + 2);
  });

  it('is good on a correct run and cannot-tell on a run cut short without a violation', () => {
    const model = makeModel(builtin('seed-concurrent-wrprotect'), { variant: 'upstream' });
    const events = record(model, 1);
    expect(
      bisectProperty(memoryStates(model.scenario, events), model, getProperty('lock-pte-ptl'))
        .verdict,
    ).toBe('good');
    const cut = events.slice(0, 40);
    expect(
      bisectProperty(memoryStates(model.scenario, cut), model, getProperty('lost-write')).verdict,
    ).toBe('cannot-tell');
  });
});
