import {
  makeModel,
  MemorySink,
  parseLog,
  parseSchedule,
  recordRun,
  type ParsedLog,
  type Scenario,
} from '../../src/index.js';

/** Record a run into memory and read it back the way a log file is read. */
export function recordedLog(
  scenario: Scenario,
  opts: { arch?: string; variant?: string; seed?: number; schedule?: string } = {},
): ParsedLog {
  const model = makeModel(scenario, {
    ...(opts.arch !== undefined && { arch: opts.arch }),
    ...(opts.variant !== undefined && { variant: opts.variant }),
  });
  const sink = new MemorySink();
  recordRun(
    model,
    {
      seed: opts.seed ?? 1,
      ...(opts.schedule !== undefined && { schedule: parseSchedule(opts.schedule) }),
    },
    sink,
  );
  return parseLog(sink.bytes(), 'memory');
}

/** The seed's race: two concurrent write-protect callers under seed-v4, seed 25 violates wrprotect-post. */
export const RACE = {
  scenario: 'seed-concurrent-wrprotect',
  variant: 'seed-v4',
  seed: 25,
} as const;
