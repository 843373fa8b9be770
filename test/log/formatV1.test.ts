import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  LogReader,
  memorySource,
  MemorySink,
  parseLog,
  readLogFile,
  replayLog,
  rewriteLog,
  stateHash,
  verifyLog,
} from '../../src/index.js';

const fixtures = join(import.meta.dirname, '..', 'fixtures');
const FORMAT1 = ['format1-seed-concurrent-wrprotect-s25.ptesim', 'format1-seed-clean-s3.ptesim'];

describe('format-1 logs (fixtures written by ptesim 0.1.0 before format 2) are upgraded on read', () => {
  for (const name of FORMAT1) {
    it(`${name} reads, replays to its recorded final hash, and upgrades to an equal log of today's format`, () => {
      const log = readLogFile(join(fixtures, name));
      expect(log.header.format).toBe(1);
      expect(log.events.length).toBe(log.footer?.events);
      expect(replayLog(log).matches).toBe(true);
      // Upgrade: rewrite in today's format and read back the same events, footer and hash.
      const sink = new MemorySink();
      rewriteLog(LogReader.open(memorySource(readFileSync(join(fixtures, name)))), sink, {
        chunkEvents: 32,
        checkpointEvery: 64,
      });
      const v2 = parseLog(sink.bytes());
      expect(v2.header.format).toBe(3);
      expect(stateHash(v2.header.initial)).toBe(stateHash(log.header.initial));
      expect(v2.events).toEqual(log.events);
      expect(v2.footer).toEqual(log.footer);
      expect(verifyLog(LogReader.open(memorySource(sink.bytes()))).ok).toBe(true);
    });
  }

  it('a format-1 log cut short is reported as truncated and salvaged like format 2', () => {
    const bytes = readFileSync(join(fixtures, FORMAT1[0] as string));
    const cut = bytes.subarray(0, bytes.length - 20);
    expect(() => parseLog(cut, 'old')).toThrow(/old: the log ends without a footer.*--salvage/);
    const s = parseLog(cut, 'old', { salvage: true });
    expect(s.truncated?.eventsSurvived).toBe(s.events.length);
    expect(s.events).toEqual(parseLog(bytes).events.slice(0, s.events.length));
  });
});
