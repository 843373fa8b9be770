import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readLogFile } from '../../src/index.js';
import { cli } from '../helpers/cli.js';
import { tracePath, traceText } from './catalogue.js';

const dir = mkdtempSync(join(tmpdir(), 'ptesim-import-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('ptesim import: a recorded trace as a log of observed events (C-1)', () => {
  const out = join(dir, 'msync.ptesim');

  it('keeps the program of a conform --keep trace, each event with its raw line', async () => {
    const r = await cli('import', tracePath('write-after-msync'), '--out', out, '--json');
    expect(r.code).toBe(0);
    const log = readLogFile(out);
    expect(log.header.scenario.name).toBe('conformance/write-after-msync');
    const faults = log.events.filter((e) => e.type === 'obs/fault');
    // The program's two in-range faults: not present (0x6), then protection (0x7) after msync.
    expect(faults.map((e) => (e.type === 'obs/fault' ? e.error : -1))).toEqual([6, 7]);
    for (const e of log.events)
      if (e.type.startsWith('obs/'))
        expect(traceText('write-after-msync')).toContain((e as { line: string }).line);
    expect(JSON.parse(r.out)).toMatchObject({ faults: 2, filtered: true });
  });

  it('show and export read it', async () => {
    const show = await cli('show', out);
    expect(show.code).toBe(0);
    expect(show.out).toContain('obs/fault');
    expect(show.out).toContain('error_code=0x7');
    const html = join(dir, 'msync.html');
    expect((await cli('export', out, '--format', 'html', '-o', html)).code).toBe(0);
    expect(readFileSync(html, 'utf8')).toContain('obs/fault');
  });

  it('audit: every rule is not applicable, never holding (exit 3); a modelled run is judged', async () => {
    const r = await cli('audit', out, '--json');
    expect(r.code).toBe(3);
    const rep = JSON.parse(r.out) as { rules: string[]; notApplicable: string[]; findings: [] };
    expect(rep.notApplicable).toEqual(rep.rules);
    expect(rep.findings).toEqual([]);
    expect(readLogFile(out).footer!.verdicts.every((v) => v.ok === null)).toBe(true);
    // The same check on a modelled run decides: not a blanket answer.
    const run = join(dir, 'run.ptesim');
    expect((await cli('run', 'seed-clean', '--out', run)).code).toBe(0);
    const a = await cli('audit', run, '--json');
    expect(a.code).toBe(0);
    expect((JSON.parse(a.out) as { notApplicable: string[] }).notApplicable).toEqual([]);
  });

  it('a trace without a ptesim head keeps every fault, flush and marker (trace-cmd text)', async () => {
    const body = traceText('second-write')
      .split('\n')
      .filter((l) => !l.startsWith('#'))
      .join('\n');
    const tc = `cpus=2\n${body.replace(/^(\s*\S+-\d+\s+\[\d+\])\s+\S{5}\s+/gm, '$1 ')}`;
    const p = join(dir, 'plain.txt');
    writeFileSync(p, tc);
    const o = join(dir, 'plain.ptesim');
    const r = await cli('import', p, '--out', o, '--json');
    expect(r.code).toBe(0);
    const faults = (body.match(/page_fault_user:/g) ?? []).length;
    expect(JSON.parse(r.out)).toMatchObject({ filtered: false, faults });
    expect(readLogFile(o).header.scenario.name).toBe('imported-trace');
  });

  it('a malformed or truncated trace: exit 2, one line, no output file', async () => {
    const bad = join(dir, 'bad.txt');
    writeFileSync(bad, `${traceText('second-write')}garbage line\n`);
    const o = join(dir, 'bad.ptesim');
    let r = await cli('import', bad, '--out', o);
    expect(r.code).toBe(2);
    expect(r.err.trim().split('\n')).toHaveLength(1);
    expect(existsSync(o) || existsSync(`${o}.partial`)).toBe(false);
    const cut = join(dir, 'cut.txt');
    const t = traceText('second-write');
    writeFileSync(cut, t.slice(0, t.indexOf('op 1 begin')));
    r = await cli('import', cut, '--out', o);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/cut short/);
    expect(existsSync(o)).toBe(false);
  });
});
