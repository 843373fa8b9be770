import { mkdtempSync, existsSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

import { cli } from '../helpers/cli.js';

/** `ptesim explore` and `ptesim matrix` end to end (S-10: H9-v4 vs H9). */
describe('ptesim explore', () => {
  it('finds the S-10 race under seed-v4, writes a log and prints a replayable schedule', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ptesim-explore-'));
    const out = join(dir, 'cx.log');
    const r = await cli(
      'explore',
      'seed-concurrent-wrprotect',
      '--property',
      'wrprotect-post',
      '--out',
      out,
      '--json',
    );
    expect(r.code).toBe(1);
    const j = JSON.parse(r.out) as Record<string, unknown>;
    expect(j).toMatchObject({
      verdict: 'violated',
      exhaustive: false,
      property: 'wrprotect-post',
      log: out,
      shortest: true,
    });
    expect(typeof j['schedule']).toBe('string');
    expect(typeof j['states']).toBe('number');
    expect(typeof j['seconds']).toBe('number');
    expect(existsSync(out)).toBe(true);
    // The schedule reproduces the violation through `run --schedule`.
    const run = await cli(
      'run',
      'seed-concurrent-wrprotect',
      '--schedule',
      String(j['schedule']),
      '--steps',
      String(j['length']),
      '--json',
    );
    expect(run.code).toBe(1);
    const verdicts = (JSON.parse(run.out) as { properties: { id: string; ok: boolean | null }[] })
      .properties;
    expect(verdicts.find((v) => v.id === 'wrprotect-post')?.ok).toBe(false);
    // And the log replays and re-simulates identically.
    expect((await cli('replay', out, '--resimulate')).code).toBe(0);
  });

  it('reports an exhaustive "holds" with exit code 0', async () => {
    const r = await cli('explore', 'seed-clean', '--json');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toMatchObject({ verdict: 'holds', exhaustive: true, reason: null });
  });

  it('says why a bounded search is not exhaustive', async () => {
    const r = await cli('explore', 'seed-clean', '--max-states', '50', '--json');
    expect(JSON.parse(r.out)).toMatchObject({
      verdict: 'inconclusive',
      exhaustive: false,
      reason: 'state limit 50 reached',
    });
    const p = await cli('explore', 'seed-clean', '--preemption-bound', '1', '--json');
    expect(JSON.parse(p.out)).toMatchObject({ exhaustive: false, reason: 'preemption bound 1' });
  });

  it('random and PCT strategies are seeded and reproducible', async () => {
    const a = await cli(
      'explore',
      'seed-concurrent-wrprotect',
      '--strategy',
      'pct',
      '--runs',
      '200',
      '--workers',
      '1',
      '--no-minimise',
      '--json',
    );
    const b = await cli(
      'explore',
      'seed-concurrent-wrprotect',
      '--strategy',
      'pct',
      '--runs',
      '200',
      '--workers',
      '1',
      '--no-minimise',
      '--json',
    );
    expect(JSON.parse(a.out)).toMatchObject({ verdict: 'violated', exhaustive: false });
    expect(JSON.parse(a.out).schedule).toBe(JSON.parse(b.out).schedule);
  });

  it('rejects bad input with exit code 2 and a message naming it', async () => {
    expect((await cli('explore', 'seed-clean', '--strategy', 'magic')).err).toMatch(/--strategy/);
    expect((await cli('explore', 'seed-clean', '--strategy', 'magic')).code).toBe(2);
    expect((await cli('explore', 'seed-clean', '--property', 'flush-pending-balance')).code).toBe(
      2,
    );
    expect((await cli('explore', 'no-such-scenario')).code).toBe(2);
    expect((await cli('explore', 'seed-clean', '--variant', 'nope')).code).toBe(2);
  });
});

describe('ptesim matrix', () => {
  it('prints one verdict table and writes counterexample logs', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ptesim-matrix-'));
    const r = await cli(
      'matrix',
      'seed-clean',
      'seed-concurrent-wrprotect',
      '--variant',
      'seed-v4,upstream',
      '--max-states',
      '20000',
      '--out-dir',
      dir,
    );
    // The budget cuts the merged code's 913k-state search short: inconclusive wins over ok (3).
    expect(r.code).toBe(3);
    expect(r.out).toMatch(
      /seed-concurrent-wrprotect\s+seed-v4\s+x86-64\s+VIOLATED\(wrprotect-post, 16\)\s+ok/,
    );
    expect(r.out).toMatch(/^\s+upstream\s+x86-64\s+holds\s+ok$/m);
    expect(r.out).toMatch(
      /^\s+upstream\s+x86-64\s+inconclusive \(20,\d{3} states\)\s+inconclusive$/m,
    );
    expect(r.out).toMatch(
      /seed-concurrent-wrprotect upstream x86-64: expected holds, found inconclusive \(20,\d{3} states\) \(raise --max-states\)/,
    );
    expect(readdirSync(dir).filter((f) => f.endsWith('.ptesim')).length).toBeGreaterThan(0);
    const md = await cli('matrix', 'seed-clean', '--markdown');
    expect(md.code).toBe(0);
    expect(md.out).toMatch(/^\| scenario \| variant \| arch \| found \| check \|/);
  });
});
