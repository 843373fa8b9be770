import { parentPort } from 'node:worker_threads';
import { runJob, type ExploreJob } from './exploreJob.js';

/**
 * Worker side of the explorer pool: runs one job per message. `stop` is a shared flag the
 * main thread raises on Ctrl-C (the search is synchronous, so it polls the flag).
 */
parentPort?.on('message', (msg: { job: ExploreJob; stop: SharedArrayBuffer }) => {
  const flag = new Int32Array(msg.stop);
  try {
    const r = runJob(msg.job, {
      progress: (p) => parentPort?.postMessage({ kind: 'progress', p }),
      stop: () => (Atomics.load(flag, 0) !== 0 ? 'interrupted (Ctrl-C)' : null),
    });
    parentPort?.postMessage({ kind: 'done', r });
  } catch (e) {
    parentPort?.postMessage({
      kind: 'error',
      message: (e as Error).message,
      code: (e as { code?: string }).code ?? null,
    });
  }
});
