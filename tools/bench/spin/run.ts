import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spinDefines, type SpinConfig } from './config.js';

const here = dirname(fileURLToPath(import.meta.url));
const pml = join(here, '..', '..', '..', '..', 'tools', 'bench', 'spin', 'dirty.pml');

/** Run a command under GNU time; wall seconds, max RSS in MB, user + system CPU seconds, stdout. */
export function timed(
  cmd: string,
  args: readonly string[],
  cwd: string,
): { seconds: number; mb: number; cpu: number; out: string; code: number } {
  const t0 = performance.now();
  const r = spawnSync('/usr/bin/time', ['-f', '%M %U %S', cmd, ...args], {
    cwd,
    encoding: 'utf8',
    maxBuffer: 1 << 28,
  });
  const seconds = (performance.now() - t0) / 1000;
  const [kb, user, sys] = (r.stderr.trim().split('\n').pop() ?? '0 0 0').trim().split(' ');
  return {
    seconds,
    mb: Number(kb) / 1024,
    cpu: Number(user ?? 0) + Number(sys ?? 0),
    out: r.stdout,
    code: r.status ?? -1,
  };
}

/** SPIN and a C compiler are installed. */
export function hasSpin(): boolean {
  return (
    spawnSync('sh', ['-c', 'command -v spin && command -v gcc'], { encoding: 'utf8' }).status === 0
  );
}

/** What one SPIN run printed: states stored, whether it hit its memory limit. */
export interface SpinRun {
  readonly seconds: number;
  readonly mb: number;
  readonly violated: boolean;
  readonly stored: number;
  /** pan stopped at its memory limit (-DMEMLIM): not exhaustive. */
  readonly outOfMemory: boolean;
}

/**
 * dirty.pml for config `c`, generated, compiled (the anchor's flags: -O2 -DSAFETY, plus
 * `cflags`) and run with `pan -m100000` in a scratch directory; `bfs` adds -DBFS.
 */
export function runSpin(c: SpinConfig, bfs: boolean, cflags: readonly string[] = []): SpinRun {
  const dir = mkdtempSync(join(tmpdir(), 'ptesim-spin-'));
  try {
    copyFileSync(pml, join(dir, 'dirty.pml'));
    const gen = spawnSync('spin', [...spinDefines(c), '-a', 'dirty.pml'], {
      cwd: dir,
      encoding: 'utf8',
    });
    if (gen.status !== 0) throw new Error(`spin -a failed: ${gen.stderr}`);
    const cc = spawnSync(
      'gcc',
      ['-O2', '-w', '-DSAFETY', ...(bfs ? ['-DBFS'] : []), ...cflags, '-o', 'pan', 'pan.c'],
      { cwd: dir, encoding: 'utf8' },
    );
    if (cc.status !== 0) throw new Error(`gcc failed: ${cc.stderr}`);
    const r = timed('./pan', ['-m100000'], dir);
    const mem = Number(/([\d.]+)\s+total actual memory usage/.exec(r.out)?.[1] ?? 0);
    const stored = Number(/([\d.e+]+) states, stored/.exec(r.out)?.[1] ?? 0);
    return {
      seconds: r.seconds,
      mb: Math.max(r.mb, mem),
      violated: /errors: [1-9]/.test(r.out),
      stored,
      outOfMemory: /pan: out of memory/.test(r.out),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
