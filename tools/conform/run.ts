import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statfsSync, writeFileSync, readFileSync, mkdirSync } from 'node:fs';
import { arch as osArch, availableParallelism, release, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Scenario } from '../../src/index.js';
import { cProgram } from './cProgram.js';
import { CannotTrace, openTraceSession } from './tracefs.js';

/** ptesim's arch model for the host's CPU; null when there is none. */
export function hostArch(): string | null {
  if (process.arch === 'x64') return 'x86-64';
  if (process.arch === 'arm64') return 'arm64-dbm';
  return null;
}

/** A recorded trace with the head `--keep` writes: kernel, machine, scenario, the program. */
export function recordedTraceText(scenario: string, program: string, trace: string): string {
  const head = [
    '# ptesim-conform recorded trace',
    `# kernel: ${release()}`,
    `# machine: ${osArch()}`,
    `# scenario: ${scenario}`,
    '# program:',
    ...program
      .replace(/\n$/, '')
      .split('\n')
      .map((l) => `#| ${l}`),
  ];
  return `${head.join('\n')}\n${trace}`;
}

const TMPFS_MAGIC = 0x01021994;

/**
 * Build the scenario's program with `cc`, run it traced, return the recorded trace text (with
 * its head). Everything this machine lacks is a CannotTrace naming it and the fix (exit 2).
 * `keep`: also write program.c and trace.txt there.
 */
export function recordConformTrace(scenario: Scenario, label: string, keep?: string): string {
  const cc = spawnSync('cc', ['--version'], { encoding: 'utf8' });
  if (cc.error || cc.status !== 0)
    throw new CannotTrace(
      'no C compiler: conform builds its program with `cc` (install gcc or clang)',
    );
  const cpus = availableParallelism();
  const need = Math.max(...scenario.threads.map((t) => t.cpu)) + 1;
  if (need > cpus)
    throw new CannotTrace(`the scenario pins threads to ${need} CPUs; this machine has ${cpus}`);
  const dir = mkdtempSync(join(tmpdir(), 'ptesim-conform-'));
  try {
    // The backing file must live on a file system with ->page_mkwrite and writeback.
    if (statfsSync(dir).type === TMPFS_MAGIC)
      throw new CannotTrace(
        `${tmpdir()} is tmpfs, which has no ->page_mkwrite or writeback: set TMPDIR to a directory on a disk file system (ext4, xfs)`,
      );
    const program = cProgram(scenario);
    const src = join(dir, 'program.c');
    const bin = join(dir, 'program');
    writeFileSync(src, program);
    const build = spawnSync('cc', ['-O1', '-pthread', '-o', bin, src], { encoding: 'utf8' });
    if (build.status !== 0)
      throw new CannotTrace(
        `cc failed on the generated program: ${(build.stderr ?? '').trim().split('\n')[0]}`,
      );
    const session = openTraceSession();
    let trace: string;
    try {
      const run = spawnSync(bin, [join(session.dir, 'trace_marker'), join(dir, 'backing')], {
        encoding: 'utf8',
        timeout: 60_000,
      });
      if (run.status !== 0)
        throw new CannotTrace(
          `the conformance program failed (${run.status ?? run.signal}): ${(run.stderr ?? '').trim().split('\n')[0] ?? ''}`,
        );
      trace = session.read();
    } finally {
      session.close();
    }
    const text = recordedTraceText(label, program, trace);
    if (keep !== undefined) {
      mkdirSync(keep, { recursive: true });
      writeFileSync(join(keep, 'program.c'), program);
      writeFileSync(join(keep, 'trace.txt'), text);
    }
    return text;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function readTraceFile(path: string): string {
  return readFileSync(path, 'utf8');
}
