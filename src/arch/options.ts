import { didYouMean, SimError } from '../errors.js';
import type { Scenario } from '../scenario/types.js';
import { listArchs } from './registry.js';

/** Allowed values of each per-arch option an architecture declares (`ArchModel.optionDocs`). */
const VALUES: Readonly<Record<string, (v: string | boolean, cpus: number) => string | null>> = {
  wrprotect: (v) =>
    v === 'fixed' || v === 'pre-5.10' || v === 'pre-v5.10'
      ? null
      : "expected 'fixed' or 'pre-5.10'",
  tlbi: (v) => (v === 'sync' || v === 'nosync' ? null : "expected 'sync' or 'nosync'"),
  strayDirty: (v) => (typeof v === 'boolean' ? null : 'expected true or false'),
  lazyCpus: (v, cpus) => {
    if (typeof v !== 'string') return "expected CPU numbers, e.g. '1' or '1,2'";
    if (v.trim() === '') return null;
    const bad = v.split(',').find((x) => !/^\s*\d+\s*$/.test(x) || Number(x) >= cpus);
    return bad === undefined ? null : `'${bad.trim()}' is not a CPU (cpus: ${cpus})`;
  },
};

/**
 * Check `scenario.options.arch` (the per-arch options): every name must be an option some
 * architecture declares (a typo used to do nothing, silently), with a did-you-mean; every value
 * must be one the option takes. An option another architecture declares is ignored by this one,
 * so one scenario runs on every architecture. Errors name the field path.
 */
export function checkArchOptions(scenario: Scenario): void {
  const declared = [...new Set(listArchs().flatMap((a) => Object.keys(a.optionDocs)))].sort();
  for (const [name, value] of Object.entries(scenario.options.arch)) {
    const path = `options.arch.${name}`;
    if (!declared.includes(name)) {
      const near = didYouMean(name, declared);
      throw new SimError(
        'SCENARIO_INVALID',
        `unknown arch option${near ? `; did you mean '${near}'?` : ''} (options: ${declared.join(', ')})`,
        path,
      );
    }
    const problem = VALUES[name]?.(value, scenario.cpus) ?? null;
    if (problem !== null)
      throw new SimError('SCENARIO_INVALID', `${problem}, found ${JSON.stringify(value)}`, path);
  }
}
