import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..');
function files(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : [];
  });
}

// Determinism (DESIGN §1, STYLE §4): no clock, no randomness, no I/O under src/ except the log
// file layer; the library never prints or exits.
const FORBIDDEN: [RegExp, string][] = [
  [/\bMath\.random\b/, 'Math.random'],
  [/\bDate\.now\b|\bnew Date\(/, 'the clock'],
  [/\bperformance\.now\b|\bprocess\.hrtime\b/, 'the clock'],
  [/\bprocess\./, 'process'],
  [/\bconsole\./, 'console'],
  [/from '(node:)?(fs|fs\/promises|child_process|net|http|https)'/, 'I/O modules'],
  [/from '(node:)?worker_threads'/, 'threads'],
];
const ALLOWED: Record<string, string[]> = {
  'src/log/file.ts': ['I/O modules', 'process'],
};

describe('the library is pure', () => {
  for (const f of files(join(root, 'src'))) {
    const rel = relative(root, f).replaceAll('\\', '/');
    it(`${rel} uses no clock, randomness, console, process or I/O`, () => {
      const text = readFileSync(f, 'utf8')
        .replace(/\/\*[\s\S]*?\*\//g, '')
        .replace(/\/\/.*$/gm, '');
      for (const [re, what] of FORBIDDEN) {
        if ((ALLOWED[rel] ?? []).includes(what)) continue;
        if (rel.startsWith('src/explore/') && what === 'threads') continue; // parallel search, merged deterministically
        expect(re.test(text), `${rel} uses ${what}`).toBe(false);
      }
    });
  }
});

// DESIGN §1: evolve needs no arch model and no scenario logic, and the state is plain data:
// neither imports the architectures, the kernel's step machines or the simulator (the initial
// state is built in src/sim/init.ts and stored in each log's header).
describe('state and evolve import no arch, kernel or sim', () => {
  for (const dir of ['state', 'evolve']) {
    for (const f of files(join(root, 'src', dir))) {
      const rel = relative(root, f).replaceAll('\\', '/');
      it(`${rel} imports nothing from arch/, kernel/ or sim/`, () => {
        const text = readFileSync(f, 'utf8');
        expect(text).not.toMatch(/from '\.\.\/(arch|kernel|sim)\//);
      });
    }
  }
});
