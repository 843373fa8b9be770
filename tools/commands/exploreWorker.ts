import { parentPort } from 'node:worker_threads';
import { FingerprintRing } from '../../src/explore/parallel/fingerprintRing.js';
import { runJob, type ExploreJob } from './exploreJob.js';

/** The buffers of a subtree job's exchange rings (tools/queue/share.ts). */
export interface Rings {
  readonly inbox: SharedArrayBuffer;
  readonly outbox: SharedArrayBuffer;
  /** What the list held when the job started (int32 pairs), taken in before it explores. */
  readonly initial: SharedArrayBuffer;
}

/** Least time between two progress messages (ms). */
const PROGRESS_MS = 100;

/**
 * Worker side of the explorer pool: runs one job per message. `stop` is a shared flag the
 * main thread raises on Ctrl-C (the search is synchronous, so it polls the flag); `exchange`
 * the rings of a queued subtree job.
 */
parentPort?.on('message', (msg: { job: ExploreJob; stop: SharedArrayBuffer; exchange?: Rings }) => {
  const flag = new Int32Array(msg.stop);
  let lastProgress = -Infinity;
  const ex = msg.exchange;
  try {
    const r = runJob(msg.job, {
      ...(ex && {
        exchange: {
          inbox: new FingerprintRing(ex.inbox),
          outbox: new FingerprintRing(ex.outbox),
          initial: new Int32Array(ex.initial),
        },
      }),
      progress: (p) => {
        // The meter redraws a few times a second; a message per 2000 transitions (under a
        // memory limit) would cost the search about 2% of its time.
        const now = performance.now();
        if (now - lastProgress < PROGRESS_MS) return;
        lastProgress = now;
        parentPort?.postMessage({ kind: 'progress', p });
      },
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
