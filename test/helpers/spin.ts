import { expect } from 'vitest';
import { explore, getProperty, makeModel } from '../../src/index.js';
import {
  SPIN_PROP,
  spinResults,
  spinScenario,
  type SpinResult,
} from '../../tools/bench/spin/config.js';

/** CI (CI=true) runs every configuration; locally the 24 largest (2 callers x 2 pages x 2 CPUs) are left out. */
export const inCi = process.env['CI'] === 'true';
export const isLargest = (r: SpinResult): boolean =>
  r.config.callers === 2 && r.config.pages === 2 && r.config.cpus === 2;

export function spinCases(groups: readonly SpinResult['group'][]): SpinResult[] {
  return spinResults().filter((r) => groups.includes(r.group) && (inCi || !isLargest(r)));
}

/** Explore the configuration for its one property and compare with SPIN's published verdict. */
export function checkAgainstSpin(r: SpinResult): void {
  const c = r.config;
  const res = explore(makeModel(spinScenario(c)), { properties: [getProperty(SPIN_PROP[c.prop])] });
  expect(res.verdict).toBe(r.verdict);
  if (r.verdict === 'violated') expect(res.property).toBe(SPIN_PROP[c.prop]);
  else expect(res.exhaustive).toBe(true);
}
