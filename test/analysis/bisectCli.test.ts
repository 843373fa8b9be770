import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';

import { readLogFile } from '../../src/index.js';
import { cli } from '../helpers/cli.js';
import { corpusLogs, recordGoodAndBad, repoRoot as root } from '../helpers/logs.js';

let dir: string;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ptesim-bisect-'));
  await recordGoodAndBad(dir);
  // "some CPU holds a writable entry whose PTE is not writable" (the PTE's W bit is 1 << 1).
  writeFileSync(
    join(dir, 'stale.mjs'),
    'export default (s) => s.tlbs.some((tlb) => tlb.some((t) => t.w === 1 && (s.mms[t.mm].ptes[t.vpn] & 2) === 0));\n',
  );
  writeFileSync(
    join(dir, 'writes.mjs'),
    'export const predicate = (s, ctx) => ctx.events >= 0 && s.pages[0].version >= 1;\n',
  );
  writeFileSync(join(dir, 'throws.mjs'), 'export default () => { throw new Error("no idea"); };\n');
  writeFileSync(join(dir, 'notfn.mjs'), 'export default 42;\n');
});

describe('ptesim bisect', () => {
  it('--property: exit 1 with the first bad event, the probes and the state diff', async () => {
    const r = await cli(
      'bisect',
      join(dir, 'bad.ptesim'),
      '--property',
      'flush-complete',
      '--json',
    );
    expect(r.code).toBe(1);
    const j = JSON.parse(r.out) as {
      verdict: string;
      firstBad: number;
      probes: number;
      method: string;
      event: { type: string };
      diff: { path: string }[];
      events: number;
    };
    expect(j).toMatchObject({ verdict: 'bad', method: 'bisect' });
    expect(j.event.type).toBe('pending/dec');
    expect(j.probes).toBeLessThanOrEqual(Math.ceil(Math.log2(j.events)) + 2);
    expect(j.diff.map((d) => d.path)).toContain('mm0.tlb_flush_pending');
    const text = await cli('bisect', join(dir, 'bad.ptesim'), '--property', 'flush-complete');
    expect(text.out).toMatch(/first bad event: \d+, found with \d+ state reconstructions/);
  });

  it('--property on a correct run: exit 0', async () => {
    expect(
      (await cli('bisect', join(dir, 'good.ptesim'), '--property', 'wrprotect-post')).code,
    ).toBe(0);
  });

  it('--predicate (default or named export): exit 1 bad, 0 good, 3 (cannot tell) when it throws', async () => {
    const bad = await cli(
      'bisect',
      join(dir, 'bad.ptesim'),
      '--predicate',
      join(dir, 'stale.mjs'),
      '--json',
    );
    expect(bad.code).toBe(1);
    expect((JSON.parse(bad.out) as { event: { type: string } }).event.type).toBe('pte/set');
    expect(
      (await cli('bisect', join(dir, 'good.ptesim'), '--predicate', join(dir, 'stale.mjs'))).code,
    ).toBe(0);
    expect(
      (await cli('bisect', join(dir, 'good.ptesim'), '--predicate', join(dir, 'writes.mjs'))).code,
    ).toBe(1);
    const t = await cli('bisect', join(dir, 'good.ptesim'), '--predicate', join(dir, 'throws.mjs'));
    expect(t.code).toBe(3);
    expect(t.out).toMatch(/cannot tell: .*no idea/);
  });

  it('exit 2 on bad input: no question, both questions, unknown property, a module that is not a function, a missing log', async () => {
    expect((await cli('bisect', join(dir, 'bad.ptesim'))).code).toBe(2);
    expect(
      (
        await cli(
          'bisect',
          join(dir, 'bad.ptesim'),
          '--property',
          'lost-write',
          '--predicate',
          join(dir, 'stale.mjs'),
        )
      ).code,
    ).toBe(2);
    expect((await cli('bisect', join(dir, 'bad.ptesim'), '--property', 'nope')).code).toBe(2);
    const nf = await cli('bisect', join(dir, 'bad.ptesim'), '--predicate', join(dir, 'notfn.mjs'));
    expect(nf.code).toBe(2);
    expect(nf.err).toMatch(/export a function/);
    expect(
      (await cli('bisect', join(dir, 'missing.ptesim'), '--property', 'lost-write')).code,
    ).toBe(2);
  });

  const logs = corpusLogs();
  for (const path of logs)
    it(`${relative(root, path)}: bisect finds each recorded violation where the run loop did`, async () => {
      const log = readLogFile(path);
      for (const v of log.footer?.verdicts ?? []) {
        if (v.ok === null) continue;
        const r = await cli('bisect', path, '--property', v.id, '--linear', '--json');
        if (r.code === 2) continue; // a property this version no longer has
        expect(r.code, v.id).toBe(v.ok ? 0 : 1);
        if (!v.ok)
          expect((JSON.parse(r.out) as { firstBad: number }).firstBad, v.id).toBe(
            v.firstViolationEvent,
          );
      }
    });
});
