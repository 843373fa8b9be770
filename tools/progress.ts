import { SingleBar } from 'cli-progress';
import type { ExploreProgress } from '../src/index.js';

/** What a progress meter needs of its stream (stderr in the CLI). */
export interface ProgressStream extends NodeJS.WritableStream {
  readonly isTTY?: boolean;
}

export interface ProgressMeter {
  update(p: ExploreProgress): void;
  done(): void;
}

/**
 * Progress of a search through cli-progress, on `stream` only when that stream is a terminal:
 * states, rate, depth, memory, and the percentage of the budget when there is one (`--max-states`
 * for exhaustive search, `--runs` for random/PCT, cells for the matrix, whose `runs` count the
 * cells done). Nothing is written anywhere else.
 */
export function progressMeter(
  label: string,
  budget: { readonly states?: number; readonly runs?: number; readonly cells?: number },
  stream: ProgressStream = process.stderr,
): ProgressMeter {
  if (stream.isTTY !== true) return { update: () => undefined, done: () => undefined };
  const total = budget.cells ?? budget.runs ?? budget.states;
  const unit =
    budget.cells !== undefined ? 'cells' : budget.runs !== undefined ? 'runs' : 'state budget';
  const bar = new SingleBar({
    stream,
    format:
      budget.cells !== undefined
        ? `${label} [{bar}] {percentage}% | {value}/{total} cells, {mem} MB`
        : total === undefined
          ? `${label} {states} states ({rate}/s), depth {depth}, {mem} MB`
          : `${label} [{bar}] {percentage}% of ${unit} | {states} states ({rate}/s), depth {depth}, {mem} MB`,
    barsize: 20,
    hideCursor: true,
    clearOnComplete: false,
    etaBuffer: 50,
  });
  const t0 = performance.now();
  let started = false;
  return {
    update(p) {
      const s = (performance.now() - t0) / 1000;
      const payload = {
        states: p.states.toLocaleString('en'),
        rate: (s > 0 ? Math.round(p.states / s) : 0).toLocaleString('en'),
        depth: p.depth,
        mem: Math.round(process.memoryUsage().rss / 1e6),
      };
      const value = budget.runs !== undefined || budget.cells !== undefined ? p.runs : p.states;
      if (!started) {
        bar.start(total ?? 0, value, payload);
        started = true;
      } else bar.update(Math.min(value, total ?? value), payload);
    },
    done() {
      if (started) bar.stop();
    },
  };
}
