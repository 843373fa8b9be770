import { describe, expect, it } from 'vitest';
import { makeModel, runModel } from '../../src/index.js';
import { builtin } from '../helpers/scenarios.js';

const verdict = (r: ReturnType<typeof runModel>, id: string) => r.verdicts.find((v) => v.id === id);

describe('the seed review, by simulation', () => {
  it('S-10: seed-v4 with two concurrent write-protect callers violates wrprotect-post (seed 25, found by a seed sweep)', () => {
    const r = runModel(makeModel(builtin('seed-concurrent-wrprotect'), { variant: 'seed-v4' }), {
      seed: 25,
    });
    const v = verdict(r, 'wrprotect-post');
    expect(v?.ok).toBe(false);
    expect(v?.firstViolationEvent).toBeGreaterThan(0);
    expect(v?.message).toMatch(/still holds a writable TLB entry/);
  });

  it('upstream (H9 nested flush) keeps wrprotect-post and lost-write over the same 300 seeds', () => {
    const model = makeModel(builtin('seed-concurrent-wrprotect'), { variant: 'upstream' });
    for (let seed = 1; seed <= 300; seed++) {
      const r = runModel(model, { seed });
      expect(r.end).toBe('done');
      expect(r.verdicts.every((v) => v.ok === true)).toBe(true);
    }
  });

  it('S-20: the deferred flush of seed-v4 clean loses no write (Hellström cases 1–4) over 300 seeds', () => {
    const model = makeModel(builtin('seed-clean'), { variant: 'seed-v4' });
    for (let seed = 1; seed <= 300; seed++)
      expect(verdict(runModel(model, { seed }), 'lost-write')?.ok).toBe(true);
  });

  it('lost-write can fail: a helper with its TLB flush removed loses a write on seed-clean (seed 85)', () => {
    const r = runModel(makeModel(builtin('seed-clean'), { variant: '__test-no-flush' }), {
      seed: 85,
    });
    const v = verdict(r, 'lost-write');
    expect(v?.ok).toBe(false);
    expect(v?.message).toMatch(/page \d: content version \d+ but the device holds version \d+/);
    expect(v?.firstViolationEvent).toBe(r.events - 1); // decided at @sim/end
  });

  it('wrprotect-post can fail with a single caller once the flush is removed (seed 1)', () => {
    const r = runModel(
      makeModel(builtin('seed-concurrent-wrprotect'), { variant: '__test-no-flush' }),
      { seed: 1 },
    );
    expect(verdict(r, 'wrprotect-post')?.ok).toBe(false);
  });
});
