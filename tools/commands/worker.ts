import { availableParallelism } from 'node:os';
import type { CommandModule } from './types.js';
import { intArg } from '../args.js';
import { serveQueue } from '../queue/queue.js';

export const workerCommand: CommandModule = {
  register(program, io) {
    program
      .command('worker')
      .description(
        'run search jobs from a Redis queue (BullMQ) that `matrix --queue` and `explore --queue` fill',
      )
      .requiredOption('--queue <url>', 'the queue, redis://host:port')
      .option(
        '--concurrency <n>',
        'jobs at a time, each on its own thread (default: the cores)',
        intArg('--concurrency', 1024),
      )
      .option(
        '--lock-ms <ms>',
        'job lock time: a job whose worker died is run again after about this long',
        intArg('--lock-ms', 3_600_000),
        30_000,
      )
      .action(async (o: { queue: string; concurrency?: number; lockMs: number }) => {
        // Runs until SIGINT or SIGTERM, then lets the running jobs finish.
        const until = new Promise<void>((resolve) => {
          process.once('SIGINT', () => resolve());
          process.once('SIGTERM', () => resolve());
        });
        await serveQueue(
          o.queue,
          {
            concurrency: Math.max(1, o.concurrency ?? availableParallelism()),
            lockMs: Math.max(1000, o.lockMs),
            log: (line) => io.err(line),
          },
          until,
        );
      });
  },
};
