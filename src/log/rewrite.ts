import { EVENT_SCHEMA_VERSION } from '../events/version.js';
import { LOG_FORMAT_VERSION, type LogFooter } from './format.js';
import type { LogReader } from './logReader.js';
import { LogWriter, type ByteSink, type LogWriterOptions } from './writer.js';

/**
 * Re-encode an open log in today's format: upgrades format-1 and 2 logs (the header gains
 * the initial state the reader derived), and turns the valid
 * prefix of a salvaged log into a complete file (footer end 'truncated', no verdicts, the hash
 * of the fold). Streams one chunk at a time.
 */
export function rewriteLog(
  reader: LogReader,
  sink: ByteSink,
  opts: LogWriterOptions = {},
): LogFooter {
  const w = new LogWriter(
    sink,
    { ...reader.header, format: LOG_FORMAT_VERSION, schema: EVENT_SCHEMA_VERSION },
    opts,
  );
  reader.forEach((e) => w.append(e));
  const footer: LogFooter = reader.footer ?? {
    events: reader.length,
    steps: 0,
    end: 'truncated',
    finalStateHash: w.currentHash(),
    verdicts: [],
  };
  w.finish(footer);
  return footer;
}
