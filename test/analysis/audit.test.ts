import { describe, expect, it } from 'vitest';
import { test as fcTest } from '@fast-check/vitest';
import { join } from 'node:path';
import {
  auditEvents,
  auditLog,
  formatAudit,
  isSimError,
  LogReader,
  makeModel,
  memorySource,
  MemorySink,
  parseLog,
  readLogFile,
  recordRun,
  runModel,
  type Model,
  type SimEvent,
} from '../../src/index.js';
import { scenarioArb, seedArb } from '../arbitraries/scenario.js';
import { builtin } from '../helpers/scenarios.js';

function recordBytes(model: Model, seed: number, chunkEvents = 64): Uint8Array {
  const sink = new MemorySink();
  recordRun(model, { seed }, sink, { chunkEvents, checkpointEvery: chunkEvents * 2 });
  return sink.bytes();
}
const events = (model: Model, seed: number): SimEvent[] => {
  const out: SimEvent[] = [];
  runModel(model, { seed }, (e) => out.push(e));
  return out;
};

describe('audit', () => {
  const broken = makeModel(builtin('seed-concurrent-wrprotect'), { variant: '__test-no-flush' });

  it('locates each violation: rule, index, event, thread, kernel function, context, expectation', () => {
    const report = auditLog(parseLog(recordBytes(broken, 1)));
    expect(report.failures).toBeGreaterThan(0);
    const f = report.findings.find((x) => x.rule === 'notifier-flush-before-end');
    expect(f).toBeDefined();
    if (!f) return;
    expect(f.event.type).toBe('notifier/end');
    expect(f.tid).not.toBeNull();
    expect(f.thread).toBe(broken.scenario.threads[f.tid ?? 0]?.name);
    expect(f.fn).toBe('wp_shared_mapping_range');
    expect(f.expected).toMatch(/before invalidate_range_end/);
    expect(f.context.length).toBeGreaterThan(0);
    expect(f.context.length).toBeLessThanOrEqual(5);
    expect(
      f.context.every(
        (c) =>
          c.index < f.index &&
          !c.event.type.startsWith('@sim/') &&
          !c.event.type.startsWith('thread/'),
      ),
    ).toBe(true);
    const pte = report.findings.find((x) => x.event.type === 'pte/set');
    if (pte) expect(pte.fn).toMatch(/ in /);
    expect(formatAudit(report, broken)).toMatch(
      /^VIOLATION notifier-flush-before-end at event \d+: thread \d+ \(wp\d, CPU\d\) in wp_shared_mapping_range$/m,
    );
  });

  it('keeps going after the first violation: every helper call that changed a PTE is reported', () => {
    const seed =
      [1, 2, 3, 4, 5, 6].find(
        (s) =>
          events(broken, s).filter((e) => e.type === 'helper/return' && e.total > 0).length > 1,
      ) ?? 1;
    const report = auditLog(parseLog(recordBytes(broken, seed)), {
      rules: ['notifier-flush-before-end'],
    });
    const calls = events(broken, seed).filter(
      (e) => e.type === 'helper/return' && e.total > 0,
    ).length;
    expect(calls).toBeGreaterThan(1);
    expect(report.findings.length).toBe(calls);
    expect(report.rules).toEqual(['notifier-flush-before-end']);
  });

  fcTest.prop([scenarioArb, seedArb], { numRuns: 40 })(
    "the first finding of each rule is the run loop's first violation",
    (scenario, seed) => {
      const model = makeModel(scenario);
      const verdicts = runModel(model, { seed }).verdicts;
      const report = auditEvents(model, events(model, seed));
      for (const v of verdicts) {
        const first = report.findings.find((f) => f.rule === v.id);
        expect(first?.index ?? null, v.id).toBe(v.firstViolationEvent);
      }
    },
  );

  it('selects rules by id and by family prefix, and rejects unknown ones', () => {
    const log = parseLog(recordBytes(broken, 1));
    expect(auditLog(log, { rules: ['lock-*'] }).rules.every((r) => r.startsWith('lock-'))).toBe(
      true,
    );
    expect(auditLog(log, { rules: ['lock-*'] }).failures).toBe(0);
    expect(auditLog(log, { rules: ['notifier-*', 'flush-complete'] }).rules).toContain(
      'flush-complete',
    );
    try {
      auditLog(log, { rules: ['no-such-rule'] });
      expect.unreachable();
    } catch (e) {
      expect(isSimError(e) && e.code === 'BAD_ARGUMENT' && /no-such-rule/.test(e.message)).toBe(
        true,
      );
    }
  });

  it('streams a LogReader chunk by chunk with the same report as the whole parsed log', () => {
    const bytes = recordBytes(broken, 2, 16);
    const whole = auditLog(parseLog(bytes));
    const streamed = auditLog(LogReader.open(memorySource(bytes), 'mem'));
    expect(streamed).toEqual(whole);
  });

  it('is clean on a correct run (warnings do not count as failures)', () => {
    const model = makeModel(builtin('seed-concurrent-wrprotect'), { variant: 'upstream' });
    const report = auditLog(parseLog(recordBytes(model, 1)));
    expect(report.failures).toBe(0);
  });

  it.each(['format1-seed-clean-s3.ptesim', 'format1-seed-concurrent-wrprotect-s25.ptesim'])(
    'reads %s, recorded by an older ptesim (format 1)',
    (name) => {
      const log = readLogFile(join(import.meta.dirname, '..', 'fixtures', name));
      const report = auditLog(log);
      expect(report.events).toBe(log.events.length);
      expect(report.events).toBeGreaterThan(50);
      // The recorded verdicts of that run and the audit agree on which properties failed.
      for (const v of log.footer?.verdicts ?? [])
        if (report.rules.includes(v.id))
          expect(
            report.findings.some((f) => f.rule === v.id),
            v.id,
          ).toBe(v.ok === false);
    },
  );
});

describe('a secondary MMU that ignores the interval sequence (docs/rules/notifier.md §6 R3, R8)', () => {
  const scenario = builtin('smmu-ignores-sequence');
  const correct = {
    ...scenario,
    secondaryMmus: scenario.secondaryMmus.map((s) => ({ ...s, ignoresSequence: false })),
  };
  const seeds = [1, 2, 3, 4, 5, 6, 7, 8];

  it('is flagged by audit at the stale smmu/install, with notifier-smmu-stale-seq', () => {
    const model = makeModel(scenario, { variant: 'upstream' });
    let flagged = 0;
    for (const seed of seeds) {
      const evs = events(model, seed);
      const report = auditEvents(model, evs);
      const stale = report.findings.filter((f) => f.rule === 'notifier-smmu-stale-seq');
      for (const f of stale) {
        expect(f.event.type).toBe('smmu/install');
        expect(f.thread).toBe('gpu');
        // The install used a sequence that an invalidation overtook.
        const inst = f.event as Extract<SimEvent, { type: 'smmu/install' }>;
        const overtaken = evs
          .slice(0, f.index)
          .some((e) => e.type === 'smmu/invalidate' && e.sub === inst.sub && e.seq !== inst.seq);
        expect(overtaken).toBe(true);
      }
      if (stale.length) flagged++;
    }
    expect(flagged).toBeGreaterThan(0);
  });

  it('an upstream run of the same scenario with the correct subscriber is clean', () => {
    const model = makeModel(correct, { variant: 'upstream' });
    for (const seed of seeds) {
      const report = auditEvents(model, events(model, seed));
      expect(
        report.findings
          .filter((f) => f.severity === 'failure')
          .map((f) => `${f.rule}@${f.index}: ${f.message}`),
        `seed ${seed}`,
      ).toEqual([]);
    }
  });
});
