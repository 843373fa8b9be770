import { describe, expect, it, vi } from 'vitest';
import { ModelInvariantError } from '../../src/errors.js';
import { cli } from '../helpers/cli.js';

// A step machine that fails its invariant on the first step of any run.
vi.mock(import('../../src/kernel/programs.js'), async (importOriginal) => ({
  ...(await importOriginal()),
  programOf: () => {
    throw new ModelInvariantError('test: no step machine for this frame');
  },
}));

describe('a failed model invariant is an internal error, not bad input', () => {
  it('exits 4 with one line and no stack', async () => {
    const r = await cli('run', 'seed-concurrent-wrprotect');
    expect(r.code).toBe(4);
    expect(r.err.trim().split('\n')).toHaveLength(1);
    expect(r.err).toMatch(
      /^ptesim: internal error: model invariant failed: test: no step machine for this frame \(a bug in ptesim, not in the input; --debug prints the stack\)/,
    );
  });

  it('prints the stack with --debug (anywhere on the command line)', async () => {
    const r = await cli('run', 'seed-concurrent-wrprotect', '--debug');
    expect(r.code).toBe(4);
    expect(r.err).toMatch(/\n\s+at /);
  });

  it('bad input still exits 2', async () => {
    const r = await cli('run', 'no-such-scenario');
    expect(r.code).toBe(2);
  });
});
