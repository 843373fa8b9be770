// One exit-code table for every command (tools/exit.ts): 0 ok, 1 violated/differs, 2 bad
// input, 3 inconclusive, 4 internal error; --json errors as JSON.
import { describe, expect, it } from 'vitest';
import { ModelInvariantError, SimError } from '../../src/index.js';
import { EXIT, exitCodeOf } from '../../tools/exit.js';
import { cli } from '../helpers/cli.js';

describe('exit codes', () => {
  it('explore that stops at --max-states is inconclusive (3), not a proof (0)', async () => {
    const r = await cli('explore', 'seed-concurrent-wrprotect', '--max-states', '50');
    expect(r.out).not.toMatch(/HOLDS/);
    expect(r.code).toBe(EXIT.inconclusive);
  });

  it('random search that finds nothing is inconclusive (3)', async () => {
    const r = await cli(
      'explore',
      'seed-concurrent-wrprotect',
      '--variant',
      'upstream',
      '--strategy',
      'random',
      '--runs',
      '20',
    );
    expect(r.code).toBe(EXIT.inconclusive);
  });

  it('an exhaustive proof is 0 and a violation 1', async () => {
    expect((await cli('explore', 'seed-clean', '--variant', 'upstream')).code).toBe(EXIT.ok);
    expect((await cli('explore', 'seed-concurrent-wrprotect', '--variant', 'seed-v4')).code).toBe(
      EXIT.violated,
    );
  });

  it('bad input is 2 with one line on stderr; with --json the error is JSON on stdout', async () => {
    const r = await cli('run', 'no-such-scenario');
    expect(r.code).toBe(EXIT.badInput);
    expect(r.err.split('\n')).toHaveLength(1);
    const j = await cli('run', 'no-such-scenario', '--json');
    expect(j.code).toBe(EXIT.badInput);
    expect(JSON.parse(j.out)).toMatchObject({
      error: { code: 'SCENARIO_NOT_FOUND', exit: EXIT.badInput },
    });
    const u = await cli('run', 'seed-clean', '--no-such-flag', '--json');
    expect(u.code).toBe(EXIT.badInput);
    expect(JSON.parse(u.out)).toMatchObject({ error: { exit: EXIT.badInput } });
  });

  it('internal errors (a broken model invariant, any non-SimError) are 4, distinct from bad input', () => {
    expect(exitCodeOf(new ModelInvariantError('x'))).toBe(EXIT.internal);
    expect(exitCodeOf(new TypeError('x'))).toBe(EXIT.internal);
    expect(exitCodeOf(new SimError('LOG_CORRUPT', 'x'))).toBe(EXIT.badInput);
    expect(new Set(Object.values(EXIT)).size).toBe(5);
  });
});
