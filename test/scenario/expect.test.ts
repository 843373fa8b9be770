import { describe, expect, it } from 'vitest';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { expectedVerdict, parseScenarioText, SimError } from '../../src/index.js';
import { builtin } from '../helpers/scenarios.js';

const base = `
name: t
pages: 1
cpus: 1
mms: [{ vmas: [{ start: 0, pgoff: 0, npages: 1, flags: [shared, write, maywrite, io, pfnmap] }] }]
threads:
  - { kind: user, cpu: 0, writes: 1 }
matrix: { archs: [x86-64, arm64-nodbm], variants: [seed-v4, upstream] }
`;

function err(text: string): string {
  try {
    parseScenarioText(text, 'bad.yaml');
  } catch (e) {
    expect(e).toBeInstanceOf(SimError);
    return (e as Error).message;
  }
  throw new Error('expected a parse error');
}

describe('expect: (expected verdicts per arch and variant)', () => {
  const good = `${base}expect:
  seed-v4: violated(wrprotect-post)
  upstream: holds
  arch:
    arm64-nodbm: { seed-v4: holds }
`;

  it('resolves the variant entry, with per-arch overrides', () => {
    const s = parseScenarioText(good);
    expect(expectedVerdict(s.expect, 'x86-64', 'seed-v4')).toEqual({
      verdict: 'violated',
      property: 'wrprotect-post',
    });
    expect(expectedVerdict(s.expect, 'arm64-nodbm', 'seed-v4')).toEqual({ verdict: 'holds' });
    expect(expectedVerdict(s.expect, 'arm64-nodbm', 'upstream')).toEqual({ verdict: 'holds' });
    expect(expectedVerdict(s.expect, 'x86-64', 'naive-rmw')).toBeNull();
    expect(expectedVerdict(undefined, 'x86-64', 'seed-v4')).toBeNull();
  });

  it('survives the round trip through a log header (the resolved scenario re-parses)', () => {
    const s = parseScenarioText(good);
    expect(parseScenarioText(JSON.stringify(s)).expect).toEqual(s.expect);
  });

  it('names the field path of a bad verdict, arch, variant or property', () => {
    expect(err(`${base}expect: { seed-v4: broken, upstream: holds }`)).toBe(
      "bad.yaml: expect.seed-v4: expected 'holds' or 'violated(<property id>)'",
    );
    expect(err(`${base}expect: { seed-v4: holds, upstream: holds, sead-v4: holds }`)).toMatch(
      /^bad\.yaml: expect\.sead-v4: unknown variant 'sead-v4'; expected one of: seed-v4, upstream/,
    );
    expect(err(`${base}expect: { seed-v4: violated(lost-wrte), upstream: holds }`)).toMatch(
      /^bad\.yaml: expect\.seed-v4: unknown property 'lost-wrte'; expected one of: lost-write,/,
    );
    expect(
      err(`${base}expect: { seed-v4: holds, upstream: holds, arch: { x86: { upstream: holds } } }`),
    ).toMatch(/^bad\.yaml: expect\.arch\.x86: unknown architecture 'x86'/);
    expect(
      err(
        `${base}expect: { seed-v4: holds, upstream: holds, arch: { x86-64: { upstream: held } } }`,
      ),
    ).toMatch(/^bad\.yaml: expect\.arch\.x86-64\.upstream: expected 'holds' or/);
  });

  it('requires a verdict for every default matrix cell', () => {
    expect(err(`${base}expect: { seed-v4: holds }`)).toBe(
      "bad.yaml: expect: no expected verdict for variant 'upstream' on x86-64 (a matrix cell: matrix.archs x matrix.variants)",
    );
    // An arch override alone covers only its arch.
    expect(err(`${base}expect: { seed-v4: holds, arch: { x86-64: { upstream: holds } } }`)).toMatch(
      /no expected verdict for variant 'upstream' on arm64-nodbm/,
    );
  });

  it('every built-in scenario states what it expects of each of its matrix cells', () => {
    const names = readdirSync(join(import.meta.dirname, '..', '..', 'scenarios'))
      .filter((f) => f.endsWith('.yaml'))
      .map((f) => f.slice(0, -5));
    expect(names.length).toBeGreaterThan(10);
    for (const n of names) expect(builtin(n).expect, n).toBeDefined();
  });
});
