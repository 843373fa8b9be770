import {
  makeModel,
  MemorySink,
  recordRun,
  runModel,
  type LogWriterOptions,
  type RunResult,
  type SimEvent,
} from '../../src/index.js';
import { builtin } from '../helpers/scenarios.js';

export const SEEDS = ['seed-clean', 'seed-wrprotect-mkwrite', 'seed-concurrent-wrprotect'] as const;

/** Record a built-in scenario into memory; small chunks so even short runs have several. */
export function recordBytes(
  name: string,
  seed: number,
  opts: LogWriterOptions = { chunkEvents: 16, checkpointEvery: 48 },
): { bytes: Uint8Array; events: SimEvent[]; result: RunResult } {
  const model = makeModel(builtin(name));
  const events: SimEvent[] = [];
  runModel(model, { seed }, (e) => events.push(e));
  const sink = new MemorySink();
  const result = recordRun(model, { seed }, sink, opts);
  return { bytes: sink.bytes(), events, result };
}
