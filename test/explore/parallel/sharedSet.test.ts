import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { build } from 'rolldown';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ADDED,
  FULL,
  PRESENT,
  SharedFingerprintSet,
} from '../../../src/explore/parallel/sharedSet.js';

/**
 * The shared visited set of `explore --workers N` on its own: exactly one insert of a
 * fingerprint says ADDED, over views and over threads; growth keeps every fingerprint; a full
 * arena says FULL and leaves the set as it was. (threads.test.ts checks the searches built on it.)
 */

/** Deterministic fingerprints: xorshift32 pairs (no two equal in the ranges used here). */
function pairs(n: number, seed: number): Int32Array {
  const out = new Int32Array(2 * n);
  let x = seed | 0 || 1;
  const next = (): number => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return x | 0;
  };
  for (let i = 0; i < 2 * n; i++) out[i] = next();
  return out;
}

function distinct(p: Int32Array): number {
  const seen = new Set<string>();
  for (let i = 0; i < p.length; i += 2) seen.add(`${p[i]}:${p[i + 1]}`);
  return seen.size;
}

describe('SharedFingerprintSet, one thread', () => {
  it('says ADDED once per fingerprint and PRESENT after, through growth of every segment', () => {
    const set = SharedFingerprintSet.create(64 << 20);
    const p = pairs(200_000, 7);
    expect(distinct(p)).toBe(200_000);
    let added = 0;
    for (let i = 0; i < p.length; i += 2)
      if (set.add(p[i] as number, p[i + 1] as number) === ADDED) added++;
    expect(added).toBe(200_000);
    expect(set.size).toBe(200_000);
    // A second view of the same buffers (another thread's; its recent-cache is empty).
    const other = new SharedFingerprintSet(set.buffers);
    for (let i = 0; i < p.length; i += 2)
      expect(other.add(p[i] as number, p[i + 1] as number)).toBe(PRESENT);
    const stored = new Set<string>();
    set.forEach((a, b) => stored.add(`${a}:${b}`));
    expect(stored.size).toBe(200_000);
    expect(stored.has(`${p[10]}:${p[11]}`)).toBe(true);
  });

  it('stores the fingerprint (0, 0), which is the empty slot, as (0, 1)', () => {
    const set = SharedFingerprintSet.create(1 << 20);
    expect(set.add(0, 0)).toBe(ADDED);
    expect(set.add(0, 0)).toBe(PRESENT);
    expect(set.add(0, 1)).toBe(PRESENT);
    expect(set.size).toBe(1);
  });

  it('says FULL when the arena has no room, and keeps what it stored', () => {
    // The smallest arena (1 MB): the 1024 first segments take half of it.
    const set = SharedFingerprintSet.create(1);
    const p = pairs(400_000, 11);
    let full = -1;
    for (let i = 0; i < p.length; i += 2)
      if (set.add(p[i] as number, p[i + 1] as number) === FULL) {
        full = i / 2;
        break;
      }
    expect(full).toBeGreaterThan(0);
    expect(set.size).toBe(full);
    expect(set.bytes).toBeLessThanOrEqual(1 << 20);
    const view = new SharedFingerprintSet(set.buffers);
    for (let i = 0; i < 2 * full; i += 2)
      expect(view.add(p[i] as number, p[i + 1] as number)).toBe(PRESENT);
    expect(set.size).toBe(full);
  });
});

describe('SharedFingerprintSet, several threads at once', () => {
  let dir = '';
  let lib = '';
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ptesim-sset-'));
    lib = join(dir, 'sharedSet.mjs');
    await build({
      input: join(
        import.meta.dirname,
        '..',
        '..',
        '..',
        'src',
        'explore',
        'parallel',
        'sharedSet.ts',
      ),
      platform: 'node',
      output: { file: lib, format: 'esm' },
      logLevel: 'silent',
    });
    writeFileSync(
      join(dir, 'inserter.mjs'),
      `import { parentPort, workerData } from 'node:worker_threads';
import { SharedFingerprintSet, ADDED } from ${JSON.stringify(pathToFileURL(lib).href)};
const { buffers, pairs, from, step, start, threads } = workerData;
const set = new SharedFingerprintSet(buffers);
// Start together: every thread spins until all are here.
const gate = new Int32Array(start);
Atomics.add(gate, 0, 1);
while (Atomics.load(gate, 0) < threads);
const p = new Int32Array(pairs);
const n = p.length / 2;
const mine = new Int8Array(n);
for (let k = 0; k < n; k++) {
  const i = (from + k * step) % n;
  if (set.add(p[2 * i], p[2 * i + 1]) === ADDED) mine[i] = 1;
}
parentPort.postMessage(mine);
`,
    );
  }, 60_000);
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('gives each fingerprint to exactly one of four threads inserting the same ones', async () => {
    const n = 300_000;
    // Every thread inserts all n fingerprints, each in its own order (n is coprime to 7, 11, 13).
    const shared = new SharedArrayBuffer(8 * n);
    new Int32Array(shared).set(pairs(n, 99));
    const set = SharedFingerprintSet.create(64 << 20);
    const start = new SharedArrayBuffer(4);
    const runs = [1, 7, 11, 13].map(
      (step, w) =>
        new Promise<Int8Array>((resolve, reject) => {
          const worker = new Worker(join(dir, 'inserter.mjs'), {
            workerData: {
              buffers: set.buffers,
              pairs: shared,
              from: w * 1013,
              step,
              start,
              threads: 4,
            },
          });
          worker.once('message', (m: Int8Array) => {
            resolve(m);
            void worker.terminate();
          });
          worker.once('error', reject);
        }),
    );
    const results = await Promise.all(runs);
    const owners = new Int32Array(n);
    for (const r of results)
      for (let i = 0; i < n; i++) owners[i] = (owners[i] as number) + (r[i] as number);
    expect(Array.from(owners).every((c) => c === 1)).toBe(true);
    expect(set.size).toBe(n);
    // Each thread won some: the inserts really raced.
    for (const r of results) expect(r.reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
  }, 60_000);
});
