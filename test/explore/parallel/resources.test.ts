import { availableParallelism } from 'node:os';
import { describe, expect, it } from 'vitest';
import { main } from '../../../tools/main.js';
import type { Io } from '../../../tools/io.js';
import {
  checkWorkers,
  defaultMaxMemoryMb,
  machineMemoryMb,
  overMemory,
  THREAD_MB,
} from '../../../tools/parallel/resources.js';

async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io: Io = {
    out: (s) => (out += `${s}\n`),
    err: (s) => (err += `${s}\n`),
    isTty: false,
  } as Io;
  const code = await main(argv, io);
  return { code, out, err };
}

describe('explore resources', () => {
  it('caps --workers by the cores, naming the limit', async () => {
    const n = availableParallelism() + 1;
    const r = await cli('explore', 'seed-clean', '--workers', String(n));
    expect(r.code).toBe(2);
    expect(r.err).toContain(`--workers ${n} exceeds the ${availableParallelism()} cores`);
    expect(() => checkWorkers(availableParallelism(), 10_000)).not.toThrow();
  });

  it('caps --workers by the memory limit, naming it', async () => {
    const r = await cli('explore', 'seed-clean', '--workers', '1', '--max-memory', '30');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--workers 1 needs about 60 MB, over the memory limit of 30 MB/);
    expect(() => checkWorkers(1, THREAD_MB)).not.toThrow();
  });

  it('has a default memory limit derived from the machine', () => {
    expect(defaultMaxMemoryMb()).toBeGreaterThan(0);
    expect(defaultMaxMemoryMb()).toBe(Math.floor(machineMemoryMb() / 2));
  });

  it('stops before the one-thread fingerprint table doubles past the limit', () => {
    // 2 M states: a table of 4 M slots (32 MB), near its doubling, which allocates 64 MB more.
    expect(overMemory(100e6, 1_000_000, 150)).toBe(false);
    expect(overMemory(100e6, 2_000_000, 150)).toBe(true);
    expect(overMemory(100e6, 2_000_000, 200)).toBe(false);
    expect(overMemory(151e6, 10, 150)).toBe(true);
  });
});
