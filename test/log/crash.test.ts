// Crash test: recording child processes are killed with SIGKILL at random points; every file
// they leave behind must read: strictly as LOG_TRUNCATED (or complete), with --salvage as a
// prefix of the run's events, with the checkpoints it kept still seeking correctly.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { build } from 'rolldown';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  foldEvents,
  isSimError,
  makeModel,
  openLogFile,
  readLogFile,
  runModel,
  stateHash,
  verifyLog,
  type SimEvent,
} from '../../src/index.js';
import { crashScenario } from './crashScenario.js';

const KILLS = Number(process.env['CRASH_KILLS'] ?? 5);
let dir = '';
let child = '';

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ptesim-crash-'));
  child = join(dir, 'child.mjs');
  // Bundle the TypeScript child (and the library) into one file node can run as is.
  await build({
    input: join(import.meta.dirname, 'crashChild.ts'),
    platform: 'node',
    output: { file: child, format: 'esm' },
    logLevel: 'silent',
  });
}, 60_000);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Start the child, wait until its header is written, let it run `ms` more, SIGKILL it. */
function recordAndKill(out: string, ms: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [child, out, join(import.meta.dirname, '..', '..')], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let err = '';
    p.stderr.on('data', (d: Buffer) => (err += d.toString()));
    p.stdout.once('data', () => setTimeout(() => p.kill('SIGKILL'), ms));
    p.on('exit', (code, signal) =>
      signal === 'SIGKILL' || code === 0
        ? resolve()
        : reject(new Error(`child exited ${code}: ${err}`)),
    );
  });
}

/** The first `n` events of the child's run, recomputed in-process (the run is deterministic). */
function firstEvents(n: number): SimEvent[] {
  const out: SimEvent[] = [];
  const stop = new Error('enough');
  try {
    runModel(makeModel(crashScenario()), { seed: 11, maxSteps: 1e9 }, (e) => {
      if (out.length >= n) throw stop;
      out.push(e);
    });
  } catch (e) {
    if (e !== stop) throw e;
  }
  return out;
}

describe('logs left by killed recordings', () => {
  it(`${KILLS} children killed at random points: every leftover reads, salvages to a prefix, and seeks`, async () => {
    const delays = fc.sample(fc.integer({ min: 0, max: 400 }), { numRuns: KILLS, seed: 6 });
    let longest = 0;
    const survivors: { out: string; n: number }[] = [];
    for (const [k, ms] of delays.entries()) {
      const out = join(dir, `run${k}.ptesim`);
      await recordAndKill(out, ms);
      const partial = `${out}.partial`;
      // Killed before the rename: only the .partial exists, never a half-written `out`.
      expect(existsSync(out)).toBe(false);
      expect(existsSync(partial)).toBe(true);
      expect(statSync(partial).size).toBeGreaterThan(0);
      try {
        readLogFile(partial);
        expect.unreachable('a killed run has no footer');
      } catch (e) {
        expect(isSimError(e) && e.code).toBe('LOG_TRUNCATED');
        expect((e as Error).message).toMatch(/events survived; use --salvage/);
      }
      try {
        readLogFile(out);
        expect.unreachable();
      } catch (e) {
        expect((e as Error).message).toMatch(/\.partial exists.*--salvage/);
      }
      const r = openLogFile(partial, { salvage: true });
      try {
        expect(r.truncated?.eventsSurvived).toBe(r.length);
        const v = verifyLog(r);
        expect(v.problem).toMatch(/cut short/);
        expect(v.checkpointsChecked).toBe(r.checkpoints.length);
        survivors.push({ out: partial, n: r.length });
        longest = Math.max(longest, r.length);
      } finally {
        r.close();
      }
    }
    // Compare every survivor with the run itself: a prefix of the same events, same states.
    const events = firstEvents(longest);
    for (const { out, n } of survivors) {
      const s = readLogFile(out, { salvage: true });
      expect(s.events.length).toBe(n);
      expect(s.events).toEqual(events.slice(0, n));
      if (n > 0) {
        const r = openLogFile(out, { salvage: true });
        try {
          const i = Math.floor(n * 0.7);
          expect(stateHash(r.stateAt(i))).toBe(stateHash(foldEvents(r.header.scenario, events, i)));
        } finally {
          r.close();
        }
      }
    }
    expect(longest).toBeGreaterThan(0);
    expect(new Set(survivors.map((s) => s.n)).size).toBeGreaterThan(1);
  }, 120_000);
});
