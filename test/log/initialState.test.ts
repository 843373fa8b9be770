// The log header carries the initial state (format 3): replay folds with the recipes alone, a
// log outlives a change of its architecture's encoding, and format-2 logs (no initial state)
// are upgraded on read by deriving it from the scenario.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  initialState,
  isSimError,
  LogReader,
  LogWriter,
  memorySource,
  MemorySink,
  parseLog,
  readAll,
  replayLog,
  resimulate,
  rewriteLog,
  stateHash,
  verifyLog,
  type LogHeader,
  type MutableSimState,
  type SimState,
} from '../../src/index.js';
import { decode } from '../../src/log/codec.js';
import { frameRecord } from '../../src/log/format.js';
import { recordBytes } from './helpers.js';

const fixture = join(
  import.meta.dirname,
  '..',
  'fixtures',
  'format2-s15-helper-reclaim.upstream.x86-64.ptesim',
);

/** Re-write a recorded log under another header (same events), folding from its initial state. */
function rewriteWith(bytes: Uint8Array, edit: (h: LogHeader) => LogHeader): Uint8Array {
  const r = LogReader.open(memorySource(bytes));
  const sink = new MemorySink();
  const w = new LogWriter(sink, edit(r.header), { chunkEvents: 16, checkpointEvery: 32 });
  r.forEach((e) => w.append(e));
  w.finish({ ...(r.footer as NonNullable<typeof r.footer>), finalStateHash: w.currentHash() });
  return sink.bytes();
}

describe('format 3: the header stores the initial state', () => {
  it("stores the model's initial state, and replay folds onto it", () => {
    const { bytes, result } = recordBytes('seed-concurrent-wrprotect', 7);
    const log = parseLog(bytes);
    expect(log.header.format).toBe(3);
    expect(stateHash(log.header.initial)).toBe(stateHash(initialState(log.header.scenario)));
    expect(replayLog(log).finalStateHash).toBe(result.finalStateHash);
    expect(resimulate(log)).toMatchObject({ identical: true, initialDiffers: false });
  });

  it('replays a log whose architecture this build does not know (evolve alone)', () => {
    const { bytes, result } = recordBytes('seed-concurrent-wrprotect', 7);
    const retired = rewriteWith(bytes, (h) => ({
      ...h,
      arch: 'retired-arch',
      scenario: { ...h.scenario, arch: 'retired-arch' },
    }));
    const log = parseLog(retired);
    expect(log.header.arch).toBe('retired-arch');
    // Deriving the initial state would need the arch, which is gone ...
    expect(() => initialState(log.header.scenario)).toThrow(/retired-arch/);
    // ... but the header has it: fold, seek and verify all work.
    expect(replayLog(log)).toMatchObject({ matches: true, finalStateHash: result.finalStateHash });
    const reader = LogReader.open(memorySource(retired));
    expect(stateHash(reader.stateAt(reader.length - 1))).toBe(result.finalStateHash);
    expect(verifyLog(reader).ok).toBe(true);
  });

  it('keeps folding from the recorded initial state when the encoding changed; re-simulation says so', () => {
    const { bytes } = recordBytes('seed-concurrent-wrprotect', 7);
    // As if the arch had encoded PTEs differently when this log was written.
    const changed = rewriteWith(bytes, (h) => {
      const initial = structuredClone(h.initial) as MutableSimState;
      const mm0 = initial.mms[0] as MutableSimState['mms'][number];
      mm0.ptes = mm0.ptes.map((p) => p ^ (1 << 20));
      return { ...h, initial: initial as SimState };
    });
    const log = parseLog(changed);
    expect(replayLog(log).matches).toBe(true);
    const r = resimulate(log);
    expect(r.initialDiffers).toBe(true);
    expect(r.identical).toBe(false);
  });

  it('rejects a header whose initial state does not fit the scenario, naming the field', () => {
    const { bytes } = recordBytes('seed-concurrent-wrprotect', 7);
    const bad = rewriteWith(bytes, (h) => {
      const initial = structuredClone(h.initial) as MutableSimState;
      (initial.mms[0] as { ptes: number[] }).ptes.push(0);
      return { ...h, initial: initial as SimState };
    });
    expect(() => parseLog(bad, 'bad.ptesim')).toThrow(
      /bad\.ptesim at byte 8: header\.initial\.mms\[0\]\.ptes: expected \d+ elements/,
    );
    // CRC-valid hostile header: null where the TLB lists belong.
    const len = new DataView(bytes.buffer, bytes.byteOffset).getUint32(8, true);
    const payload = decode(bytes.subarray(13, 13 + len)) as Record<string, unknown>;
    const hostile = frameRecord(1, {
      ...payload,
      initial: { ...(payload['initial'] as object), tlbs: null },
    });
    const nulls = new Uint8Array([
      ...bytes.subarray(0, 8),
      ...hostile,
      ...bytes.subarray(17 + len),
    ]);
    try {
      parseLog(nulls);
      expect.unreachable();
    } catch (e) {
      expect(isSimError(e) && e.code).toBe('LOG_CORRUPT');
      expect((e as Error).message).toMatch(/header\.initial\.tlbs: expected \d+ lists/);
    }
  });
});

describe('format 2 (committed fixture, written before the header held the initial state)', () => {
  const bytes = new Uint8Array(readFileSync(fixture));

  it('reads with the initial state derived from its scenario, and replays to its recorded hash', () => {
    expect(bytes[7]).toBe(2);
    const log = parseLog(bytes, 'fixture');
    expect(log.header.format).toBe(2);
    expect(stateHash(log.header.initial)).toBe(stateHash(initialState(log.header.scenario)));
    expect(log.events.length).toBeGreaterThan(0);
    expect(replayLog(log).matches).toBe(true);
    // Written with model layout 1, whose caller machine numbered its pcs otherwise: folding and
    // verifying need no layout, re-simulation refuses it in one line.
    expect(log.header.layout).toBe(1);
    expect(() => resimulate(log)).toThrow(/model layout 1 .* caller step machine changed/);
    const reader = LogReader.open(memorySource(bytes));
    expect(verifyLog(reader).ok).toBe(true);
  });

  it('upgrades to format 3 with the same events, footer and hashes', () => {
    const old = parseLog(bytes);
    const sink = new MemorySink();
    rewriteLog(LogReader.open(memorySource(bytes)), sink);
    const up = readAll(LogReader.open(memorySource(sink.bytes())));
    expect(sink.bytes()[7]).toBe(3);
    expect(up.header.format).toBe(3);
    expect(stateHash(up.header.initial)).toBe(stateHash(old.header.initial));
    expect(up.events).toEqual(old.events);
    expect(up.footer).toEqual(old.footer);
  });
});
