import { describe, expect, it } from 'vitest';
import { explore, getProperty, makeModel } from '../../src/index.js';
import { SPIN_PROP, spinName, spinResults, spinScenario } from '../../tools/bench/spin/config.js';
import { checkAgainstSpin, inCi, isLargest, spinCases } from '../helpers/spin.js';

/**
 * The SPIN anchor's published verdicts (copied as facts into test/fixtures/spin-results.json:
 * configuration → holds/violated), main table: 192 configurations, wrprotect (DATA, WPPOST,
 * DIRTY) and clean (DATA), in the SPIN-equivalent setting (atomic fault path and flush). H9-v4
 * vs H9 (S-10): V4 with two write-protect callers loses DATA and WPPOST, MERGED never does;
 * NAIVE (P1/P2 skipped) loses the dirty bit on x86 (X86-W2) but not on software-dirty arm64
 * (SWD-2). The other tables are in spinVerdictsOther.test.ts. The 24 largest configurations
 * (2 callers x 2 pages x 2 CPUs, about 5 minutes) run in CI only.
 */
describe(`explore reproduces the SPIN anchor's main table${inCi ? '' : ' (largest configurations: CI only)'}`, () => {
  it.each(spinCases(['main']).map((r) => [spinName(r.config), r] as const))('%s', (_, r) =>
    checkAgainstSpin(r),
  );

  it.each(
    spinCases(['main'])
      .filter((r) => r.config.callers === 2 && r.config.cpus === 1 && r.config.arch === 'A')
      .map((r) => [spinName(r.config), r] as const),
  )('%s with sleep sets', (_, r) => {
    const res = explore(makeModel(spinScenario(r.config)), {
      sleepSets: true,
      properties: [getProperty(SPIN_PROP[r.config.prop])],
    });
    expect(res.verdict).toBe(r.verdict);
  });

  it('the data covers every configuration of the anchor tables, each once', () => {
    const all = spinResults();
    const count = (g: string): number => all.filter((r) => r.group === g).length;
    expect([count('main'), count('dirty0'), count('lit'), count('noflush')]).toEqual([
      192, 96, 24, 32,
    ]);
    expect(new Set(all.map((r) => spinName(r.config))).size).toBe(all.length);
    // Locally only the 24 largest are left out.
    expect(all.filter(isLargest).length).toBe(24);
  });

  it('violations of every broken property are among the configurations run here', () => {
    const broken = new Set(
      spinCases(['main'])
        .filter((r) => r.verdict === 'violated')
        .map((r) => r.config.prop),
    );
    expect([...broken].sort()).toEqual(['DATA', 'DIRTY', 'WPPOST']);
  });
});
