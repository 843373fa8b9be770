import { describe, it } from 'vitest';
import { spinName } from '../../tools/bench/spin/config.js';
import { checkAgainstSpin, spinCases } from '../helpers/spin.js';

/**
 * The SPIN anchor's other tables, from its published verdicts (test/fixtures/spin-results.json):
 * pages that start dirty (96), the literal driver protocol LIT (24: loses DATA in every variant,
 * a protocol issue, not a flush one) and the NOFLUSH sanity mutant (32: ptesim's test-only
 * no-flush variant; DATA and WPPOST break, DIRTY holds). The main table is spinVerdicts.test.ts.
 */
describe("explore reproduces the SPIN anchor's dirty0, LIT and NOFLUSH tables", () => {
  it.each(spinCases(['dirty0', 'lit', 'noflush']).map((r) => [spinName(r.config), r] as const))(
    '%s',
    (_, r) => checkAgainstSpin(r),
  );
});
