import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { cli } from './cli.js';

export const repoRoot = join(import.meta.dirname, '..', '..');

/** Every recorded log (`*.ptesim`) under logs/, recursively, sorted: the regression corpus. */
export function corpusLogs(dir = join(repoRoot, 'logs')): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .sort()
    .flatMap((f) => {
      const p = join(dir, f);
      return statSync(p).isDirectory() ? corpusLogs(p) : f.endsWith('.ptesim') ? [p] : [];
    });
}

/**
 * Record `good.ptesim` (upstream, clean) and `bad.ptesim` (the test-only no-flush variant,
 * violating) of seed-concurrent-wrprotect, seed 3, into `dir` through the CLI.
 */
export async function recordGoodAndBad(dir: string): Promise<void> {
  for (const [variant, name] of [
    ['upstream', 'good'],
    ['__test-no-flush', 'bad'],
  ] as const) {
    const r = await cli(
      'run',
      'seed-concurrent-wrprotect',
      '--variant',
      variant,
      '--seed',
      '3',
      '--out',
      join(dir, `${name}.ptesim`),
    );
    if (r.code === 2) throw new Error(r.err);
  }
}
