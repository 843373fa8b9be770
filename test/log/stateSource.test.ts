// The streaming LogReader is a `StateSource` for bisect (src/analysis/bisect.ts): same answers
// as the in-memory source, states from the file's checkpoints.
import { describe, expect, it } from 'vitest';
import {
  bisectStates,
  LogReader,
  memorySource,
  memoryStates,
  parseLog,
  type StateSource,
} from '../../src/index.js';
import { recordBytes } from './helpers.js';

describe('LogReader as a bisect StateSource', () => {
  it('bisectStates over the reader agrees with the in-memory source', () => {
    const { bytes } = recordBytes('seed-concurrent-wrprotect', 12, {
      chunkEvents: 8,
      checkpointEvery: 16,
    });
    const reader: StateSource = LogReader.open(memorySource(bytes));
    const log = parseLog(bytes);
    const mem = memoryStates(log.header.scenario, log.events, 16);
    for (let target = 0; target <= 6; target++) {
      const q = (s: { pages: readonly { version: number }[] }): boolean =>
        s.pages.reduce((a, p) => a + p.version, 0) >= target;
      const a = bisectStates(reader, q);
      const b = bisectStates(mem, q);
      expect(a.verdict).toBe(b.verdict);
      expect(a.firstBad).toBe(b.firstBad);
      expect(a.event).toEqual(b.event);
    }
  });
});
