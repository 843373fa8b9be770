import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';

import { readLogFile } from '../../src/index.js';
import { cli } from '../helpers/cli.js';
import { corpusLogs, recordGoodAndBad, repoRoot as root } from '../helpers/logs.js';

let dir: string;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ptesim-audit-'));
  await recordGoodAndBad(dir);
  const bytes = readFileSync(join(dir, 'bad.ptesim'));
  // Cut inside the events (the header grows with the event table): salvage keeps a prefix.
  writeFileSync(join(dir, 'cut.ptesim'), bytes.subarray(0, bytes.length - 64));
  writeFileSync(join(dir, 'garbage.ptesim'), 'not a log at all');
});

describe('ptesim audit', () => {
  it('exits 0 on a correct run and prints the summary', async () => {
    const r = await cli('audit', join(dir, 'good.ptesim'));
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/0 violations/);
  });

  it('exits 1 on violations and names rule, event, thread and function', async () => {
    const r = await cli('audit', join(dir, 'bad.ptesim'));
    expect(r.code).toBe(1);
    expect(r.out).toMatch(
      /VIOLATION notifier-flush-before-end at event \d+: thread \d+ \(wp\d, CPU\d\) in wp_shared_mapping_range/,
    );
    expect(r.out).toMatch(/expected: /);
  });

  it('--json gives the report; --rules narrows it (lock-* finds nothing here: exit 0)', async () => {
    const j = await cli('audit', join(dir, 'bad.ptesim'), '--json');
    const report = JSON.parse(j.out) as {
      failures: number;
      findings: { rule: string; index: number; event: { type: string } }[];
    };
    expect(report.failures).toBe(report.findings.filter((f) => !f.rule.startsWith('warn-')).length);
    const locks = await cli('audit', join(dir, 'bad.ptesim'), '--rules', 'lock-*', '--json');
    expect(locks.code).toBe(0);
    expect(
      (JSON.parse(locks.out) as { rules: string[] }).rules.every((r) => r.startsWith('lock-')),
    ).toBe(true);
  });

  it('exits 2 on bad input: missing file, garbage, unknown rule, a truncated log without --salvage', async () => {
    expect((await cli('audit', join(dir, 'missing.ptesim'))).code).toBe(2);
    expect((await cli('audit', join(dir, 'garbage.ptesim'))).code).toBe(2);
    const unknown = await cli('audit', join(dir, 'good.ptesim'), '--rules', 'no-such-rule');
    expect(unknown.code).toBe(2);
    expect(unknown.err).toMatch(/unknown rule 'no-such-rule'/);
    expect((await cli('audit', join(dir, 'cut.ptesim'))).code).toBe(2);
    const salvaged = await cli('audit', join(dir, 'cut.ptesim'), '--salvage');
    expect([0, 1]).toContain(salvaged.code);
    expect(salvaged.out).toMatch(/truncated log/);
  });

  const logs = corpusLogs();
  it('there are recorded logs to check', () => expect(logs.length).toBeGreaterThan(0));
  // Audit re-checks a log after the fact; the verdicts in the footer were recorded while the run
  // was checked event by event. They must agree, rule by rule, on every log of the corpus.
  for (const path of logs)
    it(`${relative(root, path)}: audit agrees with the verdicts recorded in its footer`, async () => {
      const log = readLogFile(path);
      const r = await cli('audit', path, '--json');
      const report = JSON.parse(r.out) as {
        rules: string[];
        findings: { rule: string; index: number; severity: string }[];
      };
      const recorded = (log.footer?.verdicts ?? []).filter(
        (v) => v.ok !== null && report.rules.includes(v.id),
      );
      expect(recorded.length).toBeGreaterThan(0);
      for (const v of recorded) {
        const first = report.findings.find((f) => f.rule === v.id);
        if (v.ok) expect(first, `${v.id} held when recorded`).toBeUndefined();
        else
          expect(first?.index, `${v.id} failed at event ${v.firstViolationEvent}`).toBe(
            v.firstViolationEvent,
          );
      }
      const recordedFailure = recorded.some((v) => v.ok === false && v.severity === 'failure');
      expect(r.code).toBe(recordedFailure ? 1 : 0);
    });
});
