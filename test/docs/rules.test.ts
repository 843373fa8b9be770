import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadRules, parseRuleFile, ruleIdPattern, rulesDir } from '../../tools/ruleRef.js';

/**
 * The rule reference (docs/rules/) is complete: every rule id cited in src/, tools/, test/,
 * scenarios/ or the README (comments, strings, event fields, command output) has an entry, and
 * every entry names a test that cites it (or a built-in scenario with `expect:` that the
 * matrix test runs).
 */
const root = join(import.meta.dirname, '..', '..');

function files(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...files(p));
    else if (/\.(ts|md|yaml)$/.test(name)) out.push(p);
  }
  return out;
}

const sources = [
  ...['src', 'tools', 'test', 'scenarios'].flatMap((d) => files(join(root, d))),
  join(root, 'README.md'),
  ...files(join(root, 'docs')).filter((f) => !f.includes(`${join('docs', 'rules')}`)),
];

function cites(text: string, id: string): boolean {
  return [...text.matchAll(ruleIdPattern())].some((m) => m[1] === id);
}

describe('the rule reference (docs/rules)', () => {
  const rules = loadRules();
  const sectionTable = readFileSync(join(rulesDir(), 'README.md'), 'utf8');

  it('has entries, each with what, kernel/hardware, function and a test', () => {
    expect(rules.size).toBeGreaterThan(80);
    for (const e of rules.values()) {
      expect(e.what, `${e.id}: What`).not.toBe('');
      expect(e.kernel, `${e.id}: Kernel/Hardware`).not.toBe('');
      expect(e.fn, `${e.id}: Function`).not.toBe('');
      if (e.outOfScope === null) expect(e.testedBy.length, `${e.id}: Tested by`).toBeGreaterThan(0);
      else expect(e.testedBy, `${e.id}: out of scope yet tested`).toEqual([]);
    }
  });

  it('every test an entry names exists and cites the id', () => {
    const problems: string[] = [];
    for (const e of rules.values())
      for (const t of e.testedBy) {
        const p = join(root, t);
        if (!existsSync(p)) {
          problems.push(`${e.id}: ${t} does not exist`);
          continue;
        }
        const text = readFileSync(p, 'utf8');
        if (!cites(text, e.id)) problems.push(`${e.id}: ${t} does not cite ${e.id}`);
        if (t.startsWith('scenarios/') ? !/^expect:/m.test(text) : !/^test\/.*\.test\.ts$/.test(t))
          problems.push(`${e.id}: ${t} is neither a test nor a scenario with expect:`);
      }
    expect(problems).toEqual([]);
  });

  it('every id cited in src/, tools/, test/, scenarios/ and the README has an entry', () => {
    const missing: string[] = [];
    for (const f of sources)
      for (const m of readFileSync(f, 'utf8').matchAll(ruleIdPattern()))
        if (!rules.has(m[1] as string)) missing.push(`${relative(root, f)}: ${m[1]}`);
    expect([...new Set(missing)]).toEqual([]);
  });

  it('src/ and tools/ never cite an id the model declares out of scope', () => {
    const cited: string[] = [];
    for (const f of sources.filter((p) => /[/\\](src|tools)[/\\]/.test(p)))
      for (const m of readFileSync(f, 'utf8').matchAll(ruleIdPattern()))
        if (rules.get(m[1] as string)?.outOfScope != null)
          cited.push(`${relative(root, f)}: ${m[1]}`);
    expect(cited).toEqual([]);
  });

  it('every section cited (§n, not DESIGN/STYLE/SDM §n) is in the section table', () => {
    const missing: string[] = [];
    for (const f of sources)
      for (const m of readFileSync(f, 'utf8').matchAll(/(\w*)\s?§(\d+(?:\.\d+)?)/g))
        if (
          !['DESIGN', 'STYLE', 'SDM'].includes(m[1] ?? '') &&
          !sectionTable.includes(`| §${m[2]} |`)
        )
          missing.push(`${relative(root, f)}: §${m[2]}`);
    expect([...new Set(missing)]).toEqual([]);
  });

  it('the checker catches a cited id without an entry and an entry without a test', () => {
    const fake = ['H', '99'].join(''); // spelled apart so this file cites no unknown id
    expect(cites(`see ${fake} here`, fake)).toBe(true);
    expect(loadRules().has(fake)).toBe(false);
    const [e] = parseRuleFile('### Z1\n\n- What: x\n- Kernel: y\n- Function: z\n', 'x.md');
    expect(e?.testedBy).toEqual([]);
    // Not ids: hex digits, words, property names.
    expect([...'0x1F2 HEAD T1a wrprotect-post'.matchAll(ruleIdPattern())]).toEqual([]);
  });
});
