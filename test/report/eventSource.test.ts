import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { makeModel, MemorySink, openLogFile, parseLog, recordRun } from '../../src/index.js';
import { builtin } from '../helpers/scenarios.js';
import { eventSource } from '../../tools/report/eventSource.js';
import { toChromeTrace } from '../../tools/report/perfetto.js';
import { htmlReport } from '../../tools/report/html/htmlReport.js';
import { toDot } from '../../tools/report/happensBefore.js';

const dir = mkdtempSync(join(tmpdir(), 'ptesim-source-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('exporters read a log streamed chunk by chunk the same as a log read whole', () => {
  // Small chunks so the streamed path crosses many chunk boundaries.
  const sink = new MemorySink();
  recordRun(
    makeModel(builtin('seed-concurrent-wrprotect'), { variant: 'seed-v4' }),
    { seed: 25 },
    sink,
    {
      chunkEvents: 16,
    },
  );
  const bytes = sink.bytes();
  const path = join(dir, 'race.ptesim');
  writeFileSync(path, bytes);
  const whole = parseLog(bytes, 'race');

  test('visits the same events in order', () => {
    const r = openLogFile(path);
    try {
      const seen: unknown[] = [];
      eventSource(r).forEach((e) => seen.push({ ...e }));
      expect(seen).toEqual(whole.events);
      expect(eventSource(r).events(10, 20)).toEqual(whole.events.slice(10, 20));
    } finally {
      r.close();
    }
  });

  test('gives identical Perfetto JSON, DOT and HTML', () => {
    const r = openLogFile(path);
    try {
      expect(toChromeTrace(r)).toEqual(toChromeTrace(whole));
      expect(toDot(r)).toBe(toDot(whole));
      expect(htmlReport(r)).toBe(htmlReport(whole));
    } finally {
      r.close();
    }
  });
});
