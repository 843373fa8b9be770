import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { cli } from '../helpers/cli.js';
import { CASES } from './catalogue.js';

/**
 * C-4: `ptesim conform` on this machine's kernel, for every catalogue case: runs when tracing is
 * possible here (root, Linux x86-64 with tracefs, a C compiler) and is skipped with the reason
 * in its name otherwise. CI (.ci/run) runs as root on such machines, so there it runs live; with
 * CI=true a machine that cannot trace is a failure, not a skip.
 */
function whyNot(): string | null {
  if (process.platform !== 'linux') return `not Linux (${process.platform})`;
  if (process.arch !== 'x64') return `no exceptions:page_fault_user tracepoint on ${process.arch}`;
  if (process.getuid?.() !== 0) return 'not root (tracefs needs root)';
  if (!existsSync('/sys/kernel/tracing')) return 'no /sys/kernel/tracing';
  const cc = spawnSync('cc', ['--version']);
  if (cc.error || cc.status !== 0) return 'no C compiler (cc)';
  return null;
}
const reason = whyNot();
const inCi = process.env['CI'] === 'true';
if (reason) console.log(`conform live test skipped: ${reason}`);

it.runIf(inCi && reason !== null)('CI can trace (root, tracefs, cc)', () => {
  expect(reason).toBeNull();
});

describe.skipIf(reason !== null)(
  `ptesim conform on this kernel${reason ? ` (SKIPPED: ${reason})` : ''}`,
  () => {
    it.each(CASES)('%s agrees with the running kernel', async (name) => {
      const r = await cli('conform', `conformance/${name}`, '--json');
      expect(r.err).toBe('');
      expect(JSON.parse(r.out)).toMatchObject({ agree: true });
      expect(r.code).toBe(0);
    });
  },
);
