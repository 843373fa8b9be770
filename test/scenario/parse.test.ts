import { describe, expect, it } from 'vitest';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseScenario, parseScenarioText, scenarioJsonSchema, SimError } from '../../src/index.js';
import { builtin } from '../helpers/scenarios.js';

const base = `
name: t
pages: 2
cpus: 2
mms: [{ vmas: [{ start: 0, pgoff: 0, npages: 2, flags: [shared, write, maywrite, io, pfnmap] }] }]
threads:
  - { kind: user, cpu: 0, writes: 1 }
`;

function err(text: string): string {
  try {
    parseScenarioText(text, 'bad.yaml');
  } catch (e) {
    expect(e).toBeInstanceOf(SimError);
    expect((e as SimError).code).toBe('SCENARIO_INVALID');
    return (e as Error).message;
  }
  throw new Error('expected a parse error');
}

describe('scenario files', () => {
  it('fills defaults: faithful fault path, per-cpu flush, x86-64, seed-v4', () => {
    const s = parseScenarioText(base);
    expect(s.options.faultPath).toBe('faithful');
    expect(s.options.flush).toBe('per-cpu');
    expect(s.arch).toBe('x86-64');
    expect(s.variant).toBe('seed-v4');
    expect(s.threads[0]).toMatchObject({ kind: 'user', name: 'user0', mm: 0 });
  });

  it('caps the name of every thread kind at 200 characters (the consumer too)', () => {
    for (const t of ['{ kind: consumer, cpu: 0 }', '{ kind: caller, cpu: 0, protocol: snap }']) {
      const named = (n: number) =>
        base.replace(
          /threads:\n/,
          `threads:\n  - ${t.replace('{ ', `{ name: ${'x'.repeat(n)}, `)}\n`,
        );
      expect(() => parseScenarioText(named(200))).not.toThrow();
      expect(err(named(201))).toMatch(/threads\[0\]\.name: .*200/);
    }
  });

  it('names the field path and what was expected', () => {
    expect(err(base.replace('cpus: 2', 'cpus: two'))).toMatch(
      /^bad\.yaml: cpus: .*expected number/i,
    );
    expect(err(base.replace('kind: user, cpu: 0', 'kind: user, cpu: 5'))).toBe(
      'bad.yaml: threads[0].cpu: cpu 5 does not exist (cpus: 2)',
    );
    expect(err(base.replace('npages: 2', 'npages: 3'))).toMatch(
      /mms\[0\]\.vmas\[0\]: maps pages 0\.\.2 but the address_space has 2 pages/,
    );
    expect(err(base.replace('flags: [shared', 'flags: [sharde'))).toMatch(
      /mms\[0\]\.vmas\[0\]\.flags\[0\]/,
    );
    expect(err(base + '  - { kind: caller, protocol: nope }\n')).toMatch(/threads\[1\]\.protocol/);
    expect(err(base + 'bogus: 1\n')).toMatch(/bogus/);
  });

  it('rejects text that is not YAML with a one-line message', () => {
    expect(err('name: [unclosed')).toMatch(/^bad\.yaml: not valid YAML\/JSON: [^\n]*$/);
  });

  it('exports a JSON Schema editors can use', () => {
    const schema = scenarioJsonSchema() as {
      type: string;
      properties: Record<string, unknown>;
      required: string[];
    };
    expect(schema.type).toBe('object');
    expect(Object.keys(schema.properties)).toEqual(
      expect.arrayContaining(['name', 'pages', 'cpus', 'mms', 'threads', 'options']),
    );
    expect(schema.required).toEqual(
      expect.arrayContaining(['name', 'pages', 'cpus', 'mms', 'threads']),
    );
  });
});

describe('resolved scenarios (as stored in log headers)', () => {
  const names = readdirSync(join(import.meta.dirname, '..', '..', 'scenarios'))
    .filter((f) => f.endsWith('.yaml'))
    .map((f) => f.slice(0, -5));
  for (const name of names)
    it(`${name}: parsing the resolved scenario again gives the same scenario`, () => {
      const s = builtin(name);
      expect(parseScenario(JSON.parse(JSON.stringify(s)))).toEqual(s);
    });
});
