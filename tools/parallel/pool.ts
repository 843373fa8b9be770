import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { ExploreOptions, ExploreProgress, ExploreResult, Scenario } from '../../src/index.js';
import { mergeParts, type PartOutcome } from '../../src/explore/parallel/merge.js';
import type { WorkItem } from '../../src/explore/parallel/searchPart.js';
import { SharedFingerprintSet } from '../../src/explore/parallel/sharedSet.js';
import { CONTROL_WORDS, HUNGRY, STOP, type FromPart, type ToPart } from './protocol.js';

const defaultEntry = new URL('./partWorker.js', import.meta.url);

/** The built search-thread entry exists (from TypeScript sources it does not). */
export function partWorkerAvailable(entry: URL = defaultEntry): boolean {
  return existsSync(fileURLToPath(entry));
}

export interface ThreadedSearch {
  readonly scenario: Scenario;
  readonly arch: string;
  readonly variant: string;
  readonly properties: readonly string[];
  readonly options: Omit<ExploreOptions, 'properties' | 'onProgress' | 'shouldStop'>;
  readonly workers: number;
  /** Most bytes the shared visited set may take (its arena is committed as it fills). */
  readonly visitedBytes: number;
  /** The search-thread entry (tests pass a bundled one). */
  readonly entry?: URL;
  readonly onProgress?: (p: ExploreProgress) => void;
  /** Polled every `pollMs`: a reason to stop (Ctrl-C, memory), or null. */
  readonly shouldStop?: () => string | null;
  readonly pollMs?: number;
}

/**
 * One exhaustive DFS on `workers` threads sharing one visited set (see SearchPart): thread 0
 * starts from the initial state, idle threads are sent work that busy ones split off, and the
 * search ends when every thread is idle with no work in flight, or when one finds a
 * violation, a limit is reached, or `shouldStop` says so.
 */
export function exploreThreads(s: ThreadedSearch): Promise<ExploreResult> {
  const set = SharedFingerprintSet.create(s.visitedBytes);
  const controlBuf = new SharedArrayBuffer(CONTROL_WORDS * 4);
  const control = new Int32Array(controlBuf);
  const n = Math.max(1, s.workers);
  const threads: Worker[] = [];
  const transitions = new Array<number>(n).fill(0);
  const depth = new Array<number>(n).fill(0);
  const idle = new Set<number>();
  const queue: WorkItem[] = [];
  const outcomes: (PartOutcome | null)[] = new Array<PartOutcome | null>(n).fill(null);
  let stopped: string | null = null;
  let finishing = false;
  let failed: Error | null = null;

  return new Promise<ExploreResult>((resolve, reject) => {
    const send = (i: number, m: ToPart): void => (threads[i] as Worker).postMessage(m);
    const stop = (why: string | null): void => {
      if (why !== null) stopped ??= why;
      Atomics.store(control, STOP, 1);
    };
    const timer = setInterval(() => {
      const why = s.shouldStop?.() ?? null;
      if (why !== null) stop(why);
      s.onProgress?.({
        states: set.size,
        transitions: transitions.reduce((a, b) => a + b, 0),
        depth: Math.max(...depth),
        queue: queue.length,
        runs: 0,
      });
    }, s.pollMs ?? 100);
    const end = (): void => {
      clearInterval(timer);
      for (const w of threads) void w.terminate();
      if (failed) return reject(failed);
      resolve(mergeParts(outcomes as PartOutcome[], s.properties, set.size, set.bytes, stopped));
    };
    const maybeFinish = (): void => {
      if (finishing || idle.size < n || (queue.length > 0 && Atomics.load(control, STOP) === 0))
        return;
      finishing = true;
      for (let i = 0; i < n; i++) send(i, { kind: 'finish' });
    };
    const onMessage = (i: number, m: FromPart): void => {
      switch (m.kind) {
        case 'progress':
          transitions[i] = m.transitions;
          depth[i] = m.depth;
          return;
        case 'work': {
          const [j] = idle;
          if (j !== undefined && Atomics.load(control, STOP) === 0) {
            idle.delete(j);
            send(j, { kind: 'work', item: m.item });
          } else queue.push(m.item);
          return;
        }
        case 'stopped':
          stop(null);
          idle.add(i);
          return maybeFinish();
        case 'idle': {
          const item = Atomics.load(control, STOP) === 0 ? queue.shift() : undefined;
          if (item) return send(i, { kind: 'work', item });
          idle.add(i);
          Atomics.add(control, HUNGRY, 1);
          return maybeFinish();
        }
        case 'done':
          outcomes[i] = m.outcome;
          transitions[i] = m.outcome.stats.transitions;
          if (outcomes.every((o) => o !== null)) end();
          return;
        case 'error':
          failed ??= new Error(`search thread ${i}: ${m.message}`);
          stop('a search thread failed');
          clearInterval(timer);
          for (const w of threads) void w.terminate();
          return reject(failed);
      }
    };
    for (let i = 0; i < n; i++) {
      const w = new Worker(s.entry ?? defaultEntry);
      threads.push(w);
      w.on('message', (m: FromPart) => onMessage(i, m));
      w.on('error', (e) => {
        failed ??= e;
        stop('a search thread failed');
        clearInterval(timer);
        for (const t of threads) void t.terminate();
        reject(e);
      });
      send(i, {
        kind: 'init',
        scenario: s.scenario,
        arch: s.arch,
        variant: s.variant,
        properties: s.properties,
        options: s.options,
        set: set.buffers,
        control: controlBuf,
        first: i === 0,
      });
    }
  });
}
