import { randomUUID } from 'node:crypto';
import { Queue, QueueEvents, Worker, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import { readVerdict, SimError } from '../../src/index.js';
import type { ExploreJob, ExploreJobResult } from '../commands/exploreJob.js';
import { runJobs } from '../commands/explorePool.js';
import { Sharing } from './share.js';

/** The BullMQ queue every submitter and worker of one Redis shares. */
export const QUEUE = 'ptesim';
const cancelKey = (batch: string): string => `ptesim:cancel:${batch}`;

interface QueuedJob {
  readonly batch: string;
  readonly job: ExploreJob;
}

/** BullMQ connection options for a `redis://host:port` URL (bad URLs are bad input). */
export function connectionOf(url: string): { url: string; maxRetriesPerRequest: null } {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new SimError(
      'BAD_ARGUMENT',
      `--queue expects redis://host:port, got '${url}'`,
      '--queue',
    );
  }
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:')
    throw new SimError(
      'BAD_ARGUMENT',
      `--queue expects redis://host:port, got '${url}'`,
      '--queue',
    );
  return { url, maxRetriesPerRequest: null };
}

/** A job's result when it could not finish: inconclusive, never "holds". */
export function inconclusive(job: ExploreJob, reason: string): ExploreJobResult {
  return {
    scenario: job.scenario.name,
    arch: job.arch ?? job.scenario.arch,
    variant: job.variant ?? job.scenario.variant,
    result: {
      verdict: 'inconclusive',
      exhaustive: false,
      reason,
      strategy: job.options.strategy ?? 'dfs',
      properties: job.properties ?? [],
      property: null,
      message: null,
      schedule: null,
      stats: {
        states: 0,
        transitions: 0,
        maxDepth: 0,
        ampleStates: 0,
        sleepPruned: 0,
        symmetryHits: 0,
        deadlocks: 0,
        runs: 0,
        visitedBytes: 0,
      },
    },
    minimised: null,
    schedule: null,
    length: null,
    seconds: 0,
    minimiseSeconds: 0,
    peakRssMb: 0,
    replay: null,
  };
}

/**
 * Run jobs on whatever `ptesim worker` processes serve the queue at `url`; results come back
 * in job order, as from the embedded pool. Each job is tried again when its worker dies
 * (BullMQ's stalled-job check) or fails (2 attempts); a job that still cannot finish comes back
 * inconclusive. Ctrl-C cancels this submitter's jobs: waiting ones are removed, running ones
 * are told to stop, and every unfinished one comes back inconclusive.
 */
export async function runOnQueue(
  url: string,
  jobs: readonly ExploreJob[],
  onDone?: (i: number, r: ExploreJobResult) => void,
): Promise<ExploreJobResult[]> {
  const connection = connectionOf(url);
  const queue = new Queue(QUEUE, { connection });
  const events = new QueueEvents(QUEUE, { connection });
  const redis = new Redis(url, { maxRetriesPerRequest: 3 });
  // One completion listener per job.
  queue.setMaxListeners(jobs.length + 16);
  events.setMaxListeners(jobs.length + 16);
  const batch = randomUUID();
  let cancelled: ((r: null) => void) | null = null;
  const cancel = new Promise<null>((resolve) => (cancelled = resolve));
  const onSigint = (): void => {
    cancelled?.(null);
  };
  process.on('SIGINT', onSigint);
  try {
    await events.waitUntilReady();
    const added = await queue.addBulk(
      jobs.map((job, i) => ({
        name: 'explore',
        data: { batch, job } satisfies QueuedJob,
        opts: {
          jobId: `${batch}-${i}`,
          attempts: 2,
          removeOnComplete: { age: 3600 },
          removeOnFail: { age: 3600 },
        },
      })),
    );
    const results = new Array<ExploreJobResult | null>(jobs.length).fill(null);
    const all = Promise.all(
      added.map(async (j: Job, i) => {
        const job = jobs[i] as ExploreJob;
        let r: ExploreJobResult;
        try {
          r = (await j.waitUntilFinished(events)) as ExploreJobResult;
          // A worker of an older build says 'unknown' for inconclusive.
          r = { ...r, result: { ...r.result, verdict: readVerdict(r.result.verdict) } };
        } catch (e) {
          r = inconclusive(job, `queued job failed: ${(e as Error).message}`);
        }
        results[i] = r;
        onDone?.(i, r);
      }),
    );
    const interrupted = (await Promise.race([all, cancel])) === null;
    if (interrupted) {
      await redis.set(cancelKey(batch), '1', 'EX', 3600);
      await Promise.all(added.map((j) => j.remove().catch(() => undefined)));
    }
    return results.map((r, i) => r ?? inconclusive(jobs[i] as ExploreJob, 'interrupted (Ctrl-C)'));
  } finally {
    process.off('SIGINT', onSigint);
    await Promise.allSettled([queue.close(), events.close(), redis.quit()]);
  }
}

/**
 * `ptesim worker`: take jobs from the queue and run each on a worker thread of this process
 * (so BullMQ keeps renewing the job's lock while it runs), `concurrency` at a time. A job
 * whose submitter cancelled it is told to stop (polled every 500 ms). Resolves when `until`
 * does, after the running jobs end.
 */
export async function serveQueue(
  url: string,
  o: { concurrency: number; lockMs: number; log: (line: string) => void },
  until: Promise<void>,
): Promise<void> {
  const connection = connectionOf(url);
  const redis = new Redis(url, { maxRetriesPerRequest: 3 });
  const worker = new Worker(
    QUEUE,
    async (j: Job<QueuedJob>) => {
      const { batch, job } = j.data;
      const stop = new SharedArrayBuffer(4);
      const poll = setInterval(() => {
        redis
          .get(cancelKey(batch))
          .then((v) => {
            if (v !== null) Atomics.store(new Int32Array(stop), 0, 1);
          })
          .catch(() => undefined);
      }, 500);
      // A job run again (its worker died or it failed) takes in nothing: see share.ts.
      const retried = j.attemptsMade > 0 || j.stalledCounter > 0 || j.attemptsStarted > 1;
      const share =
        job.subtree && job.share !== undefined ? new Sharing(redis, job.share, !retried) : null;
      try {
        await share?.start();
        o.log(
          `job ${j.id}: ${job.scenario.name} ${job.arch ?? ''} ${job.variant ?? ''}` +
            (share ? (retried ? ' (run again: sharing no states in)' : ' (sharing states)') : ''),
        );
        const [r] = await runJobs([job], 1, undefined, undefined, stop, share?.rings);
        await share?.stop();
        o.log(
          `job ${j.id}: ${r?.result.verdict}` +
            (share ? ` (states sent ${share.sent}, received ${share.received})` : ''),
        );
        return r;
      } finally {
        clearInterval(poll);
        await share?.stop();
      }
    },
    {
      connection,
      concurrency: o.concurrency,
      lockDuration: o.lockMs,
      stalledInterval: o.lockMs,
      maxStalledCount: 2,
    },
  );
  await worker.waitUntilReady();
  o.log(`worker ready on ${url} (concurrency ${o.concurrency})`);
  await until;
  await worker.close();
  await redis.quit();
}
