import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { SimError, type ExploreProgress, type SimErrorCode } from '../../src/index.js';
import { runJob, type ExploreJob, type ExploreJobResult } from './exploreJob.js';

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
): Promise<ExploreJobResult[]> {
  const stop = new SharedArrayBuffer(4);
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
    const worker = async (): Promise<void> => {
      while (next < jobs.length) {
        const i = next++;
        const job = jobs[i] as ExploreJob;
        results[i] = await oneJob(job, stop, (p) => onProgress?.(i, p));
        onDone?.(i, results[i] as ExploreJobResult);
      }
    };
    await Promise.all(Array.from({ length: Math.min(workers, jobs.length) }, worker));
    return results;
  } finally {
    process.off('SIGINT', onSigint);
  }
}

function oneJob(job: ExploreJob, stop: SharedArrayBuffer, progress: (p: ExploreProgress) => void): Promise<ExploreJobResult> {
  return new Promise((resolve, reject) => {
    const w = new Worker(workerUrl, {
      ...(job.maxMemoryMb !== undefined && { resourceLimits: { maxOldGenerationSizeMb: Math.max(64, Math.round(job.maxMemoryMb * 1.5)) } }),
    });
    let settled = false;
    w.on('message', (m: { kind: string; p?: ExploreProgress; r?: ExploreJobResult; message?: string; code?: string | null }) => {
      if (m.kind === 'progress' && m.p) progress(m.p);
      else if (m.kind === 'done' && m.r) {
        settled = true;
        resolve(m.r);
        void w.terminate();
      } else if (m.kind === 'error') {
        settled = true;
        reject(m.code ? new SimError(m.code as SimErrorCode, m.message ?? 'error') : new Error(m.message));
        void w.terminate();
      }
    });
    w.on('error', (e: Error & { code?: string }) => {
      if (settled) return;
      settled = true;
      if (e.code === 'ERR_WORKER_OUT_OF_MEMORY')
        reject(new SimError('BAD_ARGUMENT', `the search exceeded --max-memory ${job.maxMemoryMb} MB before it could stop cleanly`));
      else reject(e);
    });
    w.postMessage({ job, stop });
  });
}
