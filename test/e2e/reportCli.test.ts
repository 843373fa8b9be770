import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';

import { readLogFile } from '../../src/index.js';
import { cli } from '../helpers/cli.js';

let dir: string;
let race: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ptesim-report-'));
  race = join(dir, 'race.log');
  expect(
    (
      await cli(
        'run',
        'seed-concurrent-wrprotect',
        '--variant',
        'seed-v4',
        '--seed',
        '25',
        '--out',
        race,
      )
    ).code,
  ).toBe(1);
});

describe('ptesim show', () => {
  it('prints ftrace-like lines, plain when piped, and the first violation', async () => {
    const r = await cli('show', race, '--kinds', 'helper');
    expect(r.code).toBe(0);
    expect(r.out).not.toContain('\u001b[');
    expect(r.out).toMatch(
      /^ +wp0-2 \[000\] +\d+: helper\/call fn=apply_as_wrprotect first=0 nr=2$/m,
    );
    expect(r.out).toMatch(
      /wp1-3 \[001\] +116: helper\/return fn=apply_as_wrprotect total=0 +<-- VIOLATION wrprotect-post/,
    );
  });
  it('filters by CPU, page and range', async () => {
    const r = await cli('show', race, '--cpu', '1', '--page', '0', '--from', '30', '--to', '120');
    const idx = [...r.out.matchAll(/\[(\d{3})\] +(\d+):/g)];
    expect(idx.length).toBeGreaterThan(0);
    expect(idx.every((m) => m[1] === '001' && Number(m[2]) >= 30 && Number(m[2]) <= 120)).toBe(
      true,
    );
  });
  it('prints the state at an event and the difference from another', async () => {
    const s = await cli('show', race, '--state-at', '116');
    expect(s.out).toContain('state after event 116 (helper/return fn=apply_as_wrprotect total=0)');
    expect(s.out).toMatch(/CPU1: mm0 vpn 0 -> pfn 0 W D \(stale for wp0,wp1\)/);
    const d = await cli('show', race, '--state-at', '116', '--diff-from', '100');
    expect(d.out.split('\n')[0]).toBe('state changes from event 100 to event 116:');
    expect(d.out).toContain('+ i_mmap_rwsem: read-held by wp0');
    expect(d.out).not.toContain('mm0 vpn 1');
  });
  it('follows one page', async () => {
    const r = await cli('show', race, '--watch', 'page=1');
    expect(r.out.split('\n')[0]).toMatch(/^page 1 at start: pte mm0:1 /);
    expect(r.out).toContain('=> pte mm0:1 pfn=1 P|A|special');
  });
  it('prints the CPU-column table as text and as Markdown', async () => {
    const t = await cli('show', race, '--table', '--to', '116');
    expect(t.out.split('\n')[0]).toMatch(/CPU0 writer0 +CPU0 wp0 +CPU1 writer1 +CPU1 wp1/);
    const byCpu = await cli('show', race, '--table', '--by', 'cpu');
    expect(byCpu.code, byCpu.err).toBe(0);
    expect(byCpu.out.split('\n')[0]).toMatch(/^ +# +CPU0 +CPU1$/);
    expect(byCpu.out).toMatch(/flush skipped: nothing\s+gathered in\s+\[0,2\)/);
    // 72 columns by default, the rule footer included.
    expect(byCpu.out.split('\n').every((l) => l.length <= 72)).toBe(true);
    const wide = await cli('show', race, '--table', '--by', 'cpu', '--width', '100');
    expect(wide.out.split('\n').some((l) => l.length > 72)).toBe(true);
    expect(wide.out.split('\n').every((l) => l.length <= 100)).toBe(true);
    const m = await cli('show', race, '--markdown', '--to', '116');
    expect(m.out.split('\n')[0]).toBe('| # | CPU0 writer0 | CPU0 wp0 | CPU1 writer1 | CPU1 wp1 |');
  });
  it('rejects bad arguments with exit code 2 and a message naming the flag', async () => {
    const a = await cli('show', race, '--state-at', '99999');
    expect(a.code).toBe(2);
    expect(a.err).toMatch(/--state-at 99999 is past the end of the log/);
    const b = await cli('show', race, '--watch', 'vpn=1');
    expect(b.code).toBe(2);
    expect(b.err).toMatch(/--watch expects 'page=P'/);
    const w = await cli('show', race, '--table', '--width', '5');
    expect(w.code).toBe(2);
    expect(w.err).toMatch(/--width must be at least 12, got 5/);
    const narrow = await cli('show', race, '--table', '--width', '30');
    expect(narrow.code).toBe(2);
    expect(narrow.err).toMatch(/the table needs --width \d+ or more to keep its identifiers whole/);
    const by = await cli('show', race, '--table', '--by', 'core');
    expect(by.code).toBe(2);
    expect(by.err).toMatch(/--by expects 'thread' or 'cpu', got 'core'/);
    const c = await cli('show', race, '--diff-from', '3');
    expect(c.code).toBe(2);
    expect(c.err).toMatch(/--diff-from M needs --state-at N/);
  });
});

describe('ptesim export', () => {
  it('writes Perfetto JSON, DOT and HTML files', async () => {
    for (const [fmt, file] of [
      ['perfetto', 'trace.json'],
      ['dot', 'hb.dot'],
      ['html', 'report.html'],
    ] as const) {
      const out = join(dir, file);
      const r = await cli('export', race, '--format', fmt, '-o', out);
      expect(r.code, r.err).toBe(0);
      expect(existsSync(out)).toBe(true);
    }
    const p = await cli('export', race, '--format', 'perfetto');
    const trace = JSON.parse(p.out) as { traceEvents: unknown[]; otherData: { events: number } };
    expect(trace.otherData.events).toBe(readLogFile(race).events.length);
  });
  it('fails with exit code 2 and leaves no output file on bad input', async () => {
    const out = join(dir, 'nothing.html');
    const a = await cli('export', race, '--format', 'svg', '-o', out);
    expect(a.code).toBe(2);
    expect(a.err).toMatch(/--format expects one of perfetto, dot, html, got 'svg'/);
    const junk = join(dir, 'junk.log');
    writeFileSync(junk, 'not a log at all');
    const b = await cli('export', junk, '--format', 'html', '-o', out);
    expect(b.code).toBe(2);
    expect(b.err).toContain(junk);
    const c = await cli(
      'export',
      race,
      '--format',
      'html',
      '-o',
      join(dir, 'no-such-dir', 'r.html'),
    );
    expect(c.code).toBe(2);
    expect(existsSync(out)).toBe(false);
    expect(readdirSync(dir).filter((f) => f.endsWith('.partial'))).toEqual([]);
  });
});
