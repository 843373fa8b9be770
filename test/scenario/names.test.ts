// Scenario files: size bounds (YAML alias expansion, lists), names checked with a did-you-mean,
// per-arch options checked against what the architectures declare, errors naming file and field.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  makeModel,
  MAX_SCENARIO_VALUES,
  parseScenarioText,
  type Scenario,
} from '../../src/index.js';
import { cli } from '../helpers/cli.js';
import { builtin } from '../helpers/scenarios.js';

const dir = mkdtempSync(join(tmpdir(), 'ptesim-scen-'));
const file = (name: string, text: string): string => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};
const base = `name: t
pages: 2
cpus: 1
mms: [{ vmas: [{ start: 0, pgoff: 0, npages: 2, flags: [shared, write] }] }]
threads: [{ kind: user, cpu: 0, ops: [{ op: write, vpn: 0 }] }]
`;
const withOpts = (s: Scenario, arch: Record<string, string | boolean>): Scenario => ({
  ...s,
  options: { ...s.options, arch },
});

describe('scenario names and options', () => {
  it('a misspelt arch in a file names the file and the field, with a did-you-mean; exit 2', async () => {
    const p = file('arch.yaml', `${base}arch: x86_64\n`);
    const r = await cli('run', p);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(
      /arch\.yaml: arch: unknown architecture 'x86_64' \(did you mean 'x86-64'\?\)/,
    );
    const v = await cli('run', file('variant.yaml', `${base}variant: upstrem\n`));
    expect(v.err).toMatch(
      /variant\.yaml: variant: unknown variant 'upstrem' \(did you mean 'upstream'\?\)/,
    );
  });

  it('an arch option no architecture declares is refused (a typo did nothing), with a did-you-mean', async () => {
    expect(() => makeModel(withOpts(builtin('seed-clean'), { wrprotekt: 'fixed' }))).toThrow(
      /options\.arch\.wrprotekt: unknown arch option; did you mean 'wrprotect'\?/,
    );
    const r = await cli('run', file('opt.yaml', `${base}options: { arch: { lazyCPUs: '1' } }\n`));
    expect(r.code).toBe(2);
    expect(r.err).toMatch(
      /opt\.yaml: options\.arch\.lazyCPUs: unknown arch option; did you mean 'lazyCpus'\?/,
    );
  });

  it('an arch option with a value it does not take is refused; declared ones pass', () => {
    const s = builtin('seed-clean');
    expect(() => makeModel(withOpts(s, { tlbi: 'nosnyc' }))).toThrow(
      /options\.arch\.tlbi: expected 'sync' or 'nosync', found "nosnyc"/,
    );
    expect(() => makeModel(withOpts(s, { lazyCpus: '7' }))).toThrow(/'7' is not a CPU/);
    expect(() => makeModel(withOpts(s, { strayDirty: 'yes' }))).toThrow(/expected true or false/);
    expect(() => makeModel(withOpts(s, { tlbi: 'nosync', lazyCpus: '1' }))).not.toThrow();
  });
});

describe('scenario size bounds', () => {
  it('a YAML alias bomb within the alias count is refused before validation copies it', () => {
    let t = `${base}x: &a [${Array(2000).fill('1').join(',')}]\n`;
    t += `y: [${Array(90).fill('*a').join(',')}]\n`;
    expect(() => parseScenarioText(t, 'bomb.yaml')).toThrow(
      new RegExp(`bomb\\.yaml: the document expands to more than ${MAX_SCENARIO_VALUES} values`),
    );
  });

  it('lists are bounded, naming the field: ops, mms, vmas, threads', () => {
    const ops = Array(1001).fill('{ op: write, vpn: 0 }').join(',');
    expect(() =>
      parseScenarioText(base.replace('ops: [{ op: write, vpn: 0 }]', `ops: [${ops}]`), 'o.yaml'),
    ).toThrow(/o\.yaml: threads\[0\]\.ops: /);
    const mms = Array(9).fill('{ vmas: [{ start: 0, pgoff: 0, npages: 2, flags: [shared] }] }');
    expect(() =>
      parseScenarioText(base.replace(/^mms: .*$/m, `mms: [${mms.join(',')}]`), 'm.yaml'),
    ).toThrow(/m\.yaml: mms: /);
    const threads = Array(31).fill('{ kind: user, cpu: 0 }').join(',');
    expect(() =>
      parseScenarioText(base.replace(/^threads: .*$/m, `threads: [${threads}]`), 't.yaml'),
    ).toThrow(/t\.yaml: threads: /);
    expect(() => parseScenarioText('x'.repeat((1 << 20) + 1), 'big.yaml')).toThrow(
      /big\.yaml: the file has \d+ characters/,
    );
  });
});
