import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { SimError, type ExploreProgress, type SimErrorCode } from '../../src/index.js';
import { runJob, type ExploreJob, type ExploreJobResult } from './exploreJob.js';
import type { Rings } from './exploreWorker.js';

const workerUrl = new URL('./exploreWorker.js', import.meta.url);

/** Workers need the built JavaScript; from TypeScript sources (tests) jobs run in-process. */
export function workersAvailable(): boolean {
  return existsSync(fileURLToPath(workerUrl));
}

/**
 * Run jobs on up to `workers` worker threads (each job is one synchronous search), in order of
 * submission; results come back in job order. Ctrl-C raises the shared stop flag: running
 * searches end with what they covered. Without built workers, jobs run in this thread.
 */
export async function runJobs(
  jobs: readonly ExploreJob[],
  workers: number,
  onProgress?: (jobIndex: number, p: ExploreProgress) => void,
  onDone?: (jobIndex: number, r: ExploreJobResult) => void,
  /** A stop flag the caller may raise (word 0 ≠ 0) to end the searches as on Ctrl-C. */
  stop: SharedArrayBuffer = new SharedArrayBuffer(4),
  /** A queued subtree job's exchange rings (one job; tools/queue/share.ts). */
  exchange?: Rings,
): Promise<ExploreJobResult[]> {
  const flag = new Int32Array(stop);
  const onSigint = (): void => {
    Atomics.store(flag, 0, 1);
  };
  process.on('SIGINT', onSigint);
  try {
    const results: ExploreJobResult[] = new Array<ExploreJobResult>(jobs.length);
    if (!workersAvailable() || workers < 1) {
      jobs.forEach((job, i) => {
        const r = runJob(job, {
          progress: (p) => onProgress?.(i, p),
          stop: () => (Atomics.load(flag, 0) !== 0 ? 'interrupted (Ctrl-C)' : null),
        });
        results[i] = r;
        onDone?.(i, r);
      });
      return results;
    }
    let next = 0;
    const maxMem = Math.max(0, ...jobs.map((j) => j.maxMemoryMb ?? 0));
    const lane = async (): Promise<void> => {
      let w: Worker | null = null;
      try {
        while (next < jobs.length) {
          const i = next++;
          const job = jobs[i] as ExploreJob;
          w ??= new Worker(
            workerUrl,
            maxMem > 0
              ? {
                  resourceLimits: {
                    maxOldGenerationSizeMb: Math.max(64, Math.round(maxMem * 1.5)),
                  },
                }
              : {},
          );
          try {
            results[i] = await oneJob(w, job, stop, (p) => onProgress?.(i, p), exchange);
          } catch (e) {
            void w.terminate();
            w = null;
            throw e;
          }
          onDone?.(i, results[i] as ExploreJobResult);
        }
      } finally {
        if (w) void w.terminate();
      }
    };
    await Promise.all(Array.from({ length: Math.min(workers, jobs.length) }, lane));
    return results;
  } finally {
    process.off('SIGINT', onSigint);
  }
}

/** One job on a (reused) worker; a worker crash or out-of-memory rejects. */
function oneJob(
  w: Worker,
  job: ExploreJob,
  stop: SharedArrayBuffer,
  progress: (p: ExploreProgress) => void,
  exchange: Rings | undefined,
): Promise<ExploreJobResult> {
  return new Promise((resolve, reject) => {
    const onMessage = (m: {
      kind: string;
      p?: ExploreProgress;
      r?: ExploreJobResult;
      message?: string;
      code?: string | null;
    }): void => {
      if (m.kind === 'progress' && m.p) progress(m.p);
      else if (m.kind === 'done' && m.r) {
        cleanup();
        resolve(m.r);
      } else if (m.kind === 'error') {
        cleanup();
        reject(
          m.code
            ? new SimError(m.code as SimErrorCode, m.message ?? 'error')
            : new Error(m.message),
        );
      }
    };
    const onError = (e: Error & { code?: string }): void => {
      cleanup();
      if (e.code === 'ERR_WORKER_OUT_OF_MEMORY')
        reject(
          new SimError(
            'BAD_ARGUMENT',
            `the search exceeded --max-memory ${job.maxMemoryMb} MB before it could stop cleanly`,
          ),
        );
      else reject(e);
    };
    const cleanup = (): void => {
      w.off('message', onMessage);
      w.off('error', onError);
    };
    w.on('message', onMessage);
    w.on('error', onError);
    w.postMessage({ job, stop, ...(exchange && { exchange }) });
  });
}
