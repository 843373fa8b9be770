import type { Model } from '../sim/model.js';
import { runModel, type RunOptions, type RunResult } from '../sim/run.js';
import { formatSchedule } from '../sim/schedule.js';
import { TOOL_VERSION } from '../version.js';
import { makeHeader } from './format.js';
import { LogWriter, type ByteSink, type LogWriterOptions } from './writer.js';

/** Run and stream the log into `sink` (header, chunks and checkpoints, footer, trailer). */
export function recordRun(
  model: Model,
  options: RunOptions,
  sink: ByteSink,
  writerOptions: LogWriterOptions = {},
): RunResult {
  const writer = new LogWriter(
    sink,
    makeHeader(
      {
        scenario: model.scenario,
        arch: model.arch.name,
        variant: model.variant.name,
        seed: options.seed ?? 1,
        schedule: options.schedule ? formatSchedule(options.schedule) : '',
      },
      TOOL_VERSION,
    ),
    writerOptions,
  );
  const result = runModel(model, options, (e) => writer.append(e));
  writer.finish({
    events: result.events,
    steps: result.steps,
    end: result.end,
    finalStateHash: result.finalStateHash,
    verdicts: result.verdicts,
  });
  return result;
}
