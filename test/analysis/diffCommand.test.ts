import { mkdtempSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';

import { cli } from '../helpers/cli.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'ptesim-diff-'));
});

describe('ptesim diff', () => {
  it('scenario form --json: the documented fields; exit 1 when the runs differ', async () => {
    const r = await cli(
      'diff',
      'seed-clean',
      '--arch',
      'x86-64',
      '--arch',
      'arm64-nodbm',
      '--seed',
      '2',
      '--json',
    );
    expect(r.code).toBe(1);
    const j = JSON.parse(r.out) as Record<string, unknown>;
    for (const k of [
      'identical',
      'firstDivergence',
      'stateDiff',
      'verdicts',
      'hunks',
      'schedule',
      'a',
      'b',
    ])
      expect(j).toHaveProperty(k);
    expect(j['identical']).toBe(false);
    expect((j['firstDivergence'] as { eventB: { fn: string } }).eventB.fn).toBe('fault');
    const lines = (j['hunks'] as { lines: { op: string; text: string }[] }[])[0]?.lines ?? [];
    expect(lines.some((l) => l.op === '+' && l.text.startsWith('thread/call'))).toBe(true);
  });
  it('text form names the first divergence, the state paths and the verdicts', async () => {
    const r = await cli(
      'diff',
      'seed-concurrent-wrprotect',
      '--variant',
      'seed-v4',
      '--variant',
      'upstream',
      '--seed',
      '25',
    );
    expect(r.code).toBe(1);
    expect(r.out).toContain('first divergence at event');
    expect(r.out).toMatch(/wrprotect-post\s+A VIOLATED at \d+\s+B holds/);
    expect(r.out).toContain('@@ -');
  });
  it('two logs: identical with itself (exit 0), different across archs (exit 1)', async () => {
    const a = join(dir, 'a.ptesim');
    const b = join(dir, 'b.ptesim');
    expect((await cli('run', 'seed-clean', '--seed', '4', '--out', a)).code).toBe(0);
    expect(
      (await cli('run', 'seed-clean', '--seed', '4', '--arch', 'arm64-dbm', '--out', b)).code,
    ).toBe(0);
    const same = await cli('diff', a, a);
    expect(same.code).toBe(0);
    expect(same.out).toContain('identical');
    expect((await cli('diff', a, b, '--json')).code).toBe(1);
  });
  it('bad input exits 2 with a message naming what is wrong', async () => {
    const missing = await cli('diff', join(dir, 'a.ptesim'), join(dir, 'nope.ptesim'));
    expect(missing.code).toBe(2);
    expect(missing.err).toContain('nope.ptesim');
    const arch = await cli('diff', 'seed-clean', '--arch', 'vax', '--arch', 'x86-64');
    expect(arch.code).toBe(2);
    expect(arch.err).toContain("unknown architecture 'vax'");
    const three = await cli(
      'diff',
      'seed-clean',
      '--arch',
      'x86-64',
      '--arch',
      'arm64-dbm',
      '--arch',
      'riscv-svade',
    );
    expect(three.code).toBe(2);
    const mixed = await cli(
      'diff',
      join(dir, 'a.ptesim'),
      join(dir, 'a.ptesim'),
      '--arch',
      'x86-64',
    );
    expect(mixed.code).toBe(2);
    expect(existsSync(join(dir, 'nope.ptesim'))).toBe(false);
  });
  it('archs --json and variants --json list everything of issue 3 with one-line descriptions', async () => {
    const archs = JSON.parse((await cli('archs', '--json')).out) as {
      name: string;
      description: string;
      hypothetical: boolean;
    }[];
    expect(archs.map((a) => a.name)).toEqual([
      'x86-64',
      'arm64-dbm',
      'arm64-nodbm',
      'riscv-svadu',
      'riscv-svade',
      'lazy-dirty-writeback',
    ]);
    expect(archs.filter((a) => a.hypothetical).map((a) => a.name)).toEqual([
      'lazy-dirty-writeback',
    ]);
    const variants = JSON.parse((await cli('variants', '--json')).out) as {
      name: string;
      description: string;
    }[];
    expect(variants.map((v) => v.name)).toEqual([
      'seed-v4',
      'upstream',
      'naive-rmw',
      'flush-under-ptl',
      'no-flush-pending',
    ]);
    for (const x of [...archs, ...variants]) {
      expect(x.description.length).toBeGreaterThan(20);
      expect(x.description).not.toContain('\n');
    }
  });
});
