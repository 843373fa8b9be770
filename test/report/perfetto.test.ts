import { join, relative } from 'node:path';
import { describe, expect, test } from 'vitest';
import { readLogFile, type ParsedLog } from '../../src/index.js';
import { builtin } from '../helpers/scenarios.js';
import { corpusLogs, repoRoot } from '../helpers/logs.js';
import { recordedLog, RACE } from './recordedLog.js';
import {
  toChromeTrace,
  threadTrack,
  type ChromeTrace,
  type TraceEvent,
} from '../../tools/report/perfetto.js';
import { traceProblems } from './traceStructure.js';

/** Every ptesim log under logs/ (recursively), read with salvage. */
function corpus(): { path: string; log: ParsedLog }[] {
  return corpusLogs().map((path) => ({ path, log: readLogFile(path, { salvage: true }) }));
}

const generated: { name: string; log: ParsedLog }[] = [
  {
    name: 'seed race (seed-v4, seed 25)',
    log: recordedLog(builtin(RACE.scenario), { variant: RACE.variant, seed: RACE.seed }),
  },
  {
    name: 'concurrent wrprotect, upstream',
    log: recordedLog(builtin('seed-concurrent-wrprotect'), { variant: 'upstream', seed: 7 }),
  },
  { name: 'clean, seed-v4', log: recordedLog(builtin('seed-clean'), { seed: 3 }) },
  { name: 'mkwrite, seed-v4', log: recordedLog(builtin('seed-wrprotect-mkwrite'), { seed: 11 }) },
];

describe('Perfetto export: structure', () => {
  test.each(generated)('is well-formed for a generated log: $name', ({ log }) => {
    const trace = toChromeTrace(log);
    expect(traceProblems(trace)).toEqual([]);
    expect(JSON.parse(JSON.stringify(trace))).toEqual(trace);
  });

  const logs = corpus();
  if (logs.length === 0)
    test.skip('logs/ holds no ptesim logs yet: nothing to check there', () => {});
  test.each(logs.map((l) => ({ name: relative(join(repoRoot, 'logs'), l.path), log: l.log })))(
    'is well-formed for logs/$name',
    ({ log }) => {
      expect(traceProblems(toChromeTrace(log))).toEqual([]);
    },
  );
});

describe('Perfetto export: content', () => {
  const race = generated[0]?.log as ParsedLog;
  const trace = toChromeTrace(race);
  const evs = trace.traceEvents;
  const named = (ph: TraceEvent['ph']) => evs.filter((e) => e.ph === ph);

  test('has a track per CPU and per simulated thread', () => {
    const names = named('M')
      .filter((e) => e.name === 'thread_name')
      .map((e) => String(e.args?.['name']));
    expect(names).toEqual(
      expect.arrayContaining(['CPU0', 'CPU1', 'wp0 (CPU0)', 'wp1 (CPU1)', 'writer0 (CPU0)']),
    );
  });
  test('nests helper calls, faults and lock holds as slices on the thread tracks', () => {
    const b = named('B');
    expect(b.some((e) => e.name === 'apply_as_wrprotect' && e.tid === threadTrack(3))).toBe(true);
    expect(b.some((e) => e.name.startsWith('page fault'))).toBe(true);
    expect(b.some((e) => e.name === 'i_mmap_rwsem (read)')).toBe(true);
  });
  test('draws notifier windows as async slices and counts tlb_flush_pending', () => {
    expect(named('b').filter((e) => e.cat === 'notifier').length).toBeGreaterThanOrEqual(2);
    const pending = named('C')
      .filter((e) => e.name === 'tlb_flush_pending')
      .map((e) => e.args?.['mm0']);
    expect(Math.max(...(pending as number[]))).toBe(2); // both callers inside at once: mm_tlb_flush_nested()
  });
  test('puts PTE changes and TLB fills/flushes as instants, logical time = event index', () => {
    const i = named('i');
    const pte = i.find((e) => e.name.startsWith('pte['));
    expect(pte && race.events[pte.ts as number]?.type).toBe('pte/set');
    expect(i.some((e) => e.name.startsWith('TLB fill'))).toBe(true);
    expect(i.some((e) => e.name.startsWith('TLB flush'))).toBe(true);
  });
  test('links a write-protect to the flush that covers it with a flow arrow', () => {
    const s = named('s');
    const f = named('f');
    expect(s.length).toBeGreaterThan(0);
    for (const start of s) {
      const fin = f.find((x) => x.id === start.id) as TraceEvent;
      expect(race.events[start.ts as number]?.type).toBe('pte/set');
      expect(race.events[fin.ts as number]?.type).toBe('flush/start');
    }
  });
  test('counts dirty-but-unrecorded pages', () => {
    const c = named('C').filter((e) => e.name === 'dirty-unrecorded pages');
    expect(c.length).toBeGreaterThan(0);
    expect(c.every((e) => typeof e.args?.['pages'] === 'number')).toBe(true);
  });
  test('marks the first violation', () => {
    const v = evs.find((e) => e.name === 'VIOLATION wrprotect-post');
    expect(v?.ts).toBe(
      race.footer?.verdicts.find((x) => x.id === 'wrprotect-post')?.firstViolationEvent,
    );
  });
});

describe('the structure check can fail', () => {
  const base = toChromeTrace(generated[0]?.log as ParsedLog);
  const broken = (f: (evs: TraceEvent[]) => TraceEvent[]): ChromeTrace => ({
    ...base,
    traceEvents: f([...base.traceEvents]),
  });
  test('on an unbalanced slice', () => {
    const k = base.traceEvents.findIndex((e) => e.ph === 'E');
    expect(traceProblems(broken((evs) => evs.filter((_, j) => j !== k))).join('\n')).toMatch(
      /never closed/,
    );
  });
  test('on a timestamp going backwards', () => {
    const t = broken((evs) =>
      evs.map((e) => (e.ph === 'i' && e.name.startsWith('pte[') ? { ...e, ts: 0 } : e)),
    );
    expect(traceProblems(t).join('\n')).toMatch(/goes back/);
  });
  test('on a missing field', () => {
    const t = broken((evs) =>
      evs.map((e, j) => (j === evs.length - 1 ? ({ ...e, name: '' } as TraceEvent) : e)),
    );
    expect(traceProblems(t).join('\n')).toMatch(/no name/);
  });
});

describe('Perfetto export: hostile input', () => {
  // A walk over the range (2^53 vpns) would not finish within the test timeout.
  test('a flush over a huge range is handled without walking it', () => {
    const race = generated[0]?.log as ParsedLog;
    const at = race.events.findIndex((e) => e.type === 'flush/start');
    const events = race.events.map((e, i) =>
      i === at && e.type === 'flush/start' ? { ...e, to: Number.MAX_SAFE_INTEGER } : e,
    );
    const trace = toChromeTrace({ ...race, events });
    expect(traceProblems(trace)).toEqual([]);
  });
});
