import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';

import { cli } from '../helpers/cli.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'ptesim-cli-'));
});

describe('ptesim CLI', () => {
  it('lists the built-in scenarios', async () => {
    const r = await cli('scenarios', '--json');
    expect(r.code).toBe(0);
    const names = (JSON.parse(r.out) as { name: string }[]).map((s) => s.name);
    expect(names).toEqual(
      expect.arrayContaining(['seed-clean', 'seed-wrprotect-mkwrite', 'seed-concurrent-wrprotect']),
    );
  });

  it('run --json reports events, the final hash, every property and the log; replay agrees', async () => {
    const out = join(dir, 'race.log');
    const r = await cli('run', 'seed-concurrent-wrprotect', '--seed', '25', '--out', out, '--json');
    expect(r.code).toBe(1); // a property is violated
    const j = JSON.parse(r.out) as {
      events: number;
      finalStateHash: string;
      properties: { id: string; ok: boolean }[];
      log: string;
    };
    expect(j.log).toBe(out);
    expect(j.properties.find((p) => p.id === 'wrprotect-post')?.ok).toBe(false);
    const rep = await cli('replay', out, '--resimulate', '--json');
    expect(rep.code).toBe(0);
    expect(JSON.parse(rep.out)).toMatchObject({
      events: j.events,
      finalStateHash: j.finalStateHash,
      matches: true,
      resimulate: { identical: true },
    });
  });

  it('replay --until folds a prefix', async () => {
    const out = join(dir, 'clean.log');
    expect((await cli('run', 'seed-clean', '--out', out)).code).toBe(0);
    const r = await cli('replay', out, '--until', '9', '--json');
    expect(JSON.parse(r.out)).toMatchObject({ events: 10, matches: null });
  });

  it('run --schedule reproduces a run from its picks', async () => {
    const a = JSON.parse(
      (await cli('run', 'seed-concurrent-wrprotect', '--seed', '25', '--json')).out,
    ) as { finalStateHash: string; schedule: string };
    expect(a.schedule).toMatch(/^\d+(:\d+)?(\*\d+)?(\.\d+(:\d+)?(\*\d+)?)*$/);
    const b = await cli(
      'run',
      'seed-concurrent-wrprotect',
      '--schedule',
      a.schedule,
      '--seed',
      '4',
      '--json',
    );
    expect(b.code).toBe(1);
    expect((JSON.parse(b.out) as { finalStateHash: string }).finalStateHash).toBe(a.finalStateHash);
  });

  it('bad flags: one line naming the flag, exit 2', async () => {
    const r = await cli('run', 'seed-clean', '--seed', 'x');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--seed expects an integer/);
    expect((await cli('run', 'seed-clean', '--bogus')).code).toBe(2);
    expect((await cli('run', 'seed-clean', '--arch', 'sparc')).err).toMatch(
      /unknown architecture 'sparc'; expected one of: .*x86-64/,
    );
    expect((await cli('run', 'seed-clean', '--schedule', '0.a')).err).toMatch(
      /schedule: expected 'tid'.* at entry 2/,
    );
  });

  it('a bad scenario file: one line naming the file and field, exit 2, no output file', async () => {
    const bad = join(dir, 'bad.yaml');
    writeFileSync(
      bad,
      'name: x\npages: 2\ncpus: 1\nmms: [{vmas: [{start: 0, pgoff: 0, npages: 2, flags: [shared]}]}]\nthreads: [{kind: user, cpu: 3}]\n',
    );
    const out = join(dir, 'never.log');
    const r = await cli('run', bad, '--out', out);
    expect(r.code).toBe(2);
    expect(r.err).toBe(`ptesim: ${bad}: threads[0].cpu: cpu 3 does not exist (cpus: 1)`);
    expect(existsSync(out)).toBe(false);
    expect(readdirSync(dir).some((f) => f.startsWith('never'))).toBe(false);
    expect((await cli('run', 'no-such-scenario')).err).toMatch(
      /no built-in scenario or file named 'no-such-scenario'/,
    );
  });

  it('a garbage or truncated log: one line naming the file and where, exit 2', async () => {
    const garbage = join(dir, 'garbage.log');
    writeFileSync(garbage, 'hello, this is not a log');
    const g = await cli('replay', garbage);
    expect(g.code).toBe(2);
    expect(g.err.split('\n')).toHaveLength(1);
    expect(g.err).toMatch(/garbage\.log.*not a ptesim log/);

    const good = join(dir, 'good.log');
    await cli('run', 'seed-clean', '--out', good);
    const bytes = readFileSync(good);
    const cut = join(dir, 'cut.log');
    writeFileSync(cut, bytes.subarray(0, bytes.length - 7));
    const t = await cli('replay', cut);
    expect(t.code).toBe(2);
    expect(t.err).toMatch(/cut\.log/);
    expect(t.err.split('\n')).toHaveLength(1);
    expect((await cli('replay', join(dir, 'missing.log'))).err).toMatch(
      /missing\.log: cannot read log: ENOENT/,
    );
  });
});
