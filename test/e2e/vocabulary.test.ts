import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readVerdict } from '../../src/index.js';
import { cli } from '../helpers/cli.js';

// One word for undecided results: 'inconclusive', in text and in JSON (issue: mail-ready output).
const root = join(import.meta.dirname, '..', '..');

function sources(dir: string): string[] {
  return readdirSync(join(root, dir), { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts'))
    .map((f) => join(root, dir, f));
}

/** Lines that give a verdict the old word: `verdict: ... 'unknown'`, `=== 'unknown'`. */
const oldWord = (text: string): string[] =>
  text
    .split('\n')
    .filter(
      (l) => /verdict\b[^\n]*'unknown'|[!=]== 'unknown'/.test(l) && !l.includes('readVerdict'),
    );

describe("one vocabulary: 'inconclusive'", () => {
  it('explore --json and its text say inconclusive for a search cut by its budget (exit 3)', async () => {
    const j = await cli('explore', 'seed-clean', '--max-states', '50', '--json');
    expect(j.code).toBe(3);
    expect(JSON.parse(j.out)).toMatchObject({ verdict: 'inconclusive', exhaustive: false });
    const t = await cli('explore', 'seed-clean', '--max-states', '50');
    expect(t.out).toMatch(/INCONCLUSIVE: no violation found, not exhaustive/);
    expect(`${t.out}${j.out}`).not.toMatch(/unknown/i);
  });
  it("reads the old word: a stored 'unknown' is inconclusive", () => {
    expect(readVerdict('unknown')).toBe('inconclusive');
    expect(readVerdict('holds')).toBe('holds');
    expect(readVerdict('violated')).toBe('violated');
    expect(readVerdict(42)).toBe('inconclusive');
  });
  it("no library or CLI source gives a verdict the word 'unknown'", () => {
    const hits = [...sources('src'), ...sources('tools')].flatMap((f) =>
      oldWord(readFileSync(f, 'utf8')).map((l) => `${f}: ${l.trim()}`),
    );
    expect(hits).toEqual([]);
    // The scan finds the old word where it was.
    expect(oldWord("    verdict: v ? 'violated' : 'unknown',")).toHaveLength(1);
  });
});
