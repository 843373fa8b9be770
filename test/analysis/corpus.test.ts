// The committed logs/ corpus (DESIGN §5): every log replays to the final hash in its footer,
// verifies, and re-simulates to the same initial state and events with today's model.
import { basename } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  openLogFile,
  readAll,
  readLogFile,
  replayLog,
  resimulate,
  verifyLog,
  type SimEvent,
} from '../../src/index.js';
import { corpusLogs } from '../helpers/logs.js';

const logs = corpusLogs();

describe('the logs/ corpus replays and re-simulates', () => {
  it('is not empty', () => expect(logs.length).toBeGreaterThan(10));
  for (const path of logs) {
    it(`${basename(path)}: replays to its footer's hash, verifies and re-simulates identically`, () => {
      const log = readLogFile(path);
      expect(replayLog(log).matches).toBe(true);
      expect(resimulate(log)).toMatchObject({ identical: true, firstDifference: null });
      const reader = openLogFile(path);
      try {
        expect(verifyLog(reader).ok).toBe(true);
      } finally {
        reader.close();
      }
    });
  }

  it('the checks can fail: one changed event breaks both replay and re-simulation', () => {
    const reader = openLogFile(logs[0] as string);
    const log = readAll(reader);
    reader.close();
    // The last PTE write: nothing overwrites it, so the final state must differ.
    const i = log.events.findLastIndex((e) => e.type === 'pte/set');
    const events = log.events.slice();
    const e = events[i] as Extract<SimEvent, { type: 'pte/set' }>;
    events[i] = { ...e, pte: e.pte ^ 1 };
    const bad = { ...log, events };
    expect(replayLog(bad).matches).toBe(false);
    expect(resimulate(bad)).toMatchObject({ identical: false, firstDifference: i });
  });
});
