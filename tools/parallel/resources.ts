import { availableParallelism, totalmem } from 'node:os';
import { SimError } from '../../src/index.js';

/** Resident memory a search thread costs before it stores anything (its isolate and code). */
export const THREAD_MB = 60;

/** The machine's memory in MB: physical memory, or the container's limit when lower. */
export function machineMemoryMb(): number {
  const total = totalmem();
  const limit = process.constrainedMemory?.() ?? 0;
  return Math.floor((limit > 0 && limit < total ? limit : total) / 1e6);
}

/**
 * The memory limit of a search when `--max-memory` is not given: half the machine's memory (a
 * search stops there cleanly, inconclusive, instead of growing until the system kills it).
 */
export function defaultMaxMemoryMb(): number {
  return Math.floor(machineMemoryMb() / 2);
}

/**
 * Check `--workers` against the cores and the memory limit; errors name the limit. More
 * threads than cores only slow a CPU-bound search down, and every thread costs
 * {@link THREAD_MB} before it does any work.
 */
export function checkWorkers(workers: number, maxMemoryMb: number, flag = '--workers'): void {
  const cores = availableParallelism();
  if (workers > cores)
    throw new SimError(
      'BAD_ARGUMENT',
      `${flag} ${workers} exceeds the ${cores} cores of this machine (at most ${cores})`,
      flag,
    );
  if (workers * THREAD_MB > maxMemoryMb)
    throw new SimError(
      'BAD_ARGUMENT',
      `${flag} ${workers} needs about ${workers * THREAD_MB} MB, over the memory limit of ` +
        `${maxMemoryMb} MB (--max-memory; at most ${Math.max(1, Math.floor(maxMemoryMb / THREAD_MB))} workers)`,
      flag,
    );
}

/**
 * Whether a search using `rssBytes` now should stop for the limit: already over it, or about to
 * pass it when its fingerprint table doubles (the one-thread visited set grows by doubling at
 * half load: at `states` it holds at least 2·states slots of 8 bytes, and its next growth
 * briefly holds the old table and a new one twice as large).
 */
export function overMemory(rssBytes: number, states: number, limitMb: number): boolean {
  const limit = limitMb * 1e6;
  if (rssBytes > limit) return true;
  let cap = 1 << 16;
  while (states * 2 > cap - 1) cap *= 2;
  const nearGrowth = states * 2 > (cap - 1) * 0.9;
  return nearGrowth && rssBytes + cap * 2 * 8 > limit;
}
