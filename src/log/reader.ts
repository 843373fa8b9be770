import type { SimEvent } from '../events/index.js';
import type { LogFooter, LogHeader } from './format.js';
import { LogReader, type OpenOptions, type Truncation } from './logReader.js';
import { memorySource } from './source.js';

export interface ParsedLog {
  readonly header: LogHeader;
  readonly events: readonly SimEvent[];
  /** null when the run did not finish writing (killed): see `truncated`. */
  readonly footer: LogFooter | null;
  /** Where the valid prefix ends, if the file is cut short. */
  readonly truncated: Truncation | null;
}

/** Materialise every event of an open log (small logs; big ones use the reader's methods). */
export function readAll(reader: LogReader): ParsedLog {
  return {
    header: reader.header,
    events: reader.events(),
    footer: reader.footer,
    truncated: reader.truncated,
  };
}

/**
 * Decode a whole log from bytes, any format version (older ones are upgraded). Untrusted
 * input: every event is validated against the field table and rebuilt as a fresh object; the
 * scenario is re-validated; errors name the record or chunk and byte offset. With `salvage`,
 * a file cut short or damaged returns its valid prefix and says where it ends.
 */
export function parseLog(bytes: Uint8Array, where = 'log', opts: OpenOptions = {}): ParsedLog {
  return readAll(LogReader.open(memorySource(bytes), where, opts));
}
