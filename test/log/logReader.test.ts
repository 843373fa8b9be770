import { describe, expect, it } from 'vitest';
import {
  firstStateWhere,
  foldEvents,
  isSimError,
  LogReader,
  memorySource,
  parseLog,
  replayLog,
  replayStream,
  stateHash,
  verifyLog,
  TRAILER_BYTES,
  frameRecord,
  RECORD_FOOTER,
} from '../../src/index.js';
import { decode } from '../../src/log/codec.js';
import { recordBytes, SEEDS } from './helpers.js';

const codeOf = (f: () => unknown): string => {
  try {
    f();
    return 'ok';
  } catch (e) {
    if (!isSimError(e)) throw e;
    return e.code;
  }
};

describe('format 2: chunked, checkpointed logs', () => {
  it('reads back exactly the events, header and footer that were recorded', () => {
    for (const name of SEEDS) {
      const { bytes, events, result } = recordBytes(name, 5);
      const log = parseLog(bytes, 'mem');
      expect(log.events).toEqual(events);
      expect(log.header.format).toBe(3);
      expect(log.footer?.finalStateHash).toBe(result.finalStateHash);
      expect(log.footer?.verdicts).toEqual(result.verdicts);
      expect(log.truncated).toBeNull();
      expect(replayLog(log).matches).toBe(true);
    }
  });

  it('has a chunk every chunkEvents events and a checkpoint every checkpointEvery, listed by the footer index', () => {
    const { bytes, events } = recordBytes('seed-concurrent-wrprotect', 25);
    const r = LogReader.open(memorySource(bytes));
    expect(r.chunks.length).toBe(Math.ceil(events.length / 16));
    expect(r.checkpoints.map((c) => c.at)).toEqual(
      Array.from({ length: Math.floor(events.length / 48) }, (_, k) => 48 * (k + 1)),
    );
    expect(r.chunks.every((c, k) => c.first === 16 * k)).toBe(true);
  });

  it('without the trailer, scanning the records finds the same index', () => {
    const { bytes } = recordBytes('seed-clean', 2);
    const a = LogReader.open(memorySource(bytes));
    const b = LogReader.open(memorySource(bytes.subarray(0, bytes.length - TRAILER_BYTES)));
    expect(b.chunks).toEqual(a.chunks);
    expect(b.checkpoints).toEqual(a.checkpoints);
    expect(b.footer).toEqual(a.footer);
    expect(b.truncated).toBeNull();
  });

  it('stateAt(i) seeks from a checkpoint and equals folding from event 0, for every i', () => {
    const { bytes, events } = recordBytes('seed-wrprotect-mkwrite', 9);
    const r = LogReader.open(memorySource(bytes));
    const scenario = r.header.scenario;
    expect(r.checkpoints.length).toBeGreaterThan(1);
    for (let i = -1; i < events.length; i++)
      expect(stateHash(r.stateAt(i)), `event ${i}`).toBe(
        stateHash(foldEvents(scenario, events, i)),
      );
    const u = replayStream(r, 100);
    expect(u.seekedFrom).toBe(96);
    expect(u.folded).toBe(5);
    expect(u.finalStateHash).toBe(replayLog(parseLog(bytes), 100).finalStateHash);
    expect(replayStream(r).matches).toBe(true);
  });

  it('a log cut at any byte reads as truncated: complete chunks survive, salvage returns them', () => {
    const { bytes, events } = recordBytes('seed-concurrent-wrprotect', 3);
    const full = LogReader.open(memorySource(bytes));
    let lastSurvived = 0;
    // Every byte around each record boundary, and a stride in between (parsing is not free).
    const bounds = [
      ...full.chunks.map((c) => c.offset),
      ...full.checkpoints.map((c) => c.offset),
      bytes.length - TRAILER_BYTES,
    ];
    const cuts = new Set<number>();
    for (let c = 0; c < bytes.length - TRAILER_BYTES; c += 31) cuts.add(c);
    for (const b of bounds)
      for (let d = -2; d <= 2; d++)
        if (b + d >= 0 && b + d < bytes.length - TRAILER_BYTES) cuts.add(b + d);
    for (const cut of [...cuts].sort((a, b) => a - b)) {
      const prefix = bytes.subarray(0, cut);
      const code = codeOf(() => parseLog(prefix, 'cut'));
      expect(['LOG_BAD_MAGIC', 'LOG_TRUNCATED']).toContain(code);
      if (cut < 8) continue;
      if (codeOf(() => parseLog(prefix, 'cut', { salvage: true })) !== 'ok') {
        // Only a cut inside the header record leaves nothing to salvage.
        expect(cut).toBeLessThan(full.chunks[0]?.offset ?? 0);
        continue;
      }
      const s = parseLog(prefix, 'cut', { salvage: true });
      expect(s.truncated).not.toBeNull();
      expect(s.events).toEqual(events.slice(0, s.events.length));
      expect(s.truncated?.eventsSurvived).toBe(s.events.length);
      // Every chunk that ends before the cut survives.
      const complete = full.chunks.filter(
        (_c, k) => (full.chunks[k + 1]?.offset ?? Infinity) <= cut,
      ).length;
      expect(s.events.length).toBeGreaterThanOrEqual(Math.min(events.length, complete * 16));
      expect(s.events.length).toBeGreaterThanOrEqual(lastSurvived);
      lastSurvived = s.events.length;
    }
  });

  it('verify re-folds and checks every checkpoint and the final hash', () => {
    const { bytes } = recordBytes('seed-clean', 4);
    const v = verifyLog(LogReader.open(memorySource(bytes)));
    expect(v.ok).toBe(true);
    expect(v.checkpointsChecked).toBeGreaterThan(0);
    expect(v.problem).toBeNull();
  });

  it('firstStateWhere (bisect over checkpoints) finds the same event as a linear scan, in few probes', () => {
    const { bytes, events } = recordBytes('seed-concurrent-wrprotect', 7, {
      chunkEvents: 8,
      checkpointEvery: 16,
    });
    const r = LogReader.open(memorySource(bytes));
    const scenario = r.header.scenario;
    const final = foldEvents(scenario, events);
    const total = final.pages.reduce((s, p) => s + p.version, 0);
    for (let target = 0; target <= total + 1; target++) {
      const pred = (s: typeof final): boolean =>
        s.pages.reduce((a, p) => a + p.version, 0) >= target;
      let linear: number | null = null;
      for (let i = -1; i < events.length && linear === null; i++)
        if (pred(foldEvents(scenario, events, i))) linear = i;
      const b = firstStateWhere(r, pred);
      expect(b.index, `target ${target}`).toBe(linear);
      expect(b.probes).toBeLessThanOrEqual(2 + Math.ceil(Math.log2(r.checkpoints.length + 1)));
      expect(b.folded).toBeLessThanOrEqual(16);
    }
  });

  it('verify finds records the footer index does not list', () => {
    const { bytes } = recordBytes('seed-clean', 4);
    const r = LogReader.open(memorySource(bytes));
    const t = bytes.subarray(bytes.length - TRAILER_BYTES);
    const footerAt = new DataView(t.buffer, t.byteOffset + 8, 4).getUint32(0, true);
    const len = new DataView(bytes.buffer, bytes.byteOffset + footerAt, 4).getUint32(0, true);
    const footer = decode(bytes.subarray(footerAt + 5, footerAt + 5 + len)) as {
      index: { checkpointOffsets: number[]; checkpointAt: number[] };
    };
    footer.index.checkpointOffsets.pop();
    footer.index.checkpointAt.pop();
    const out = new Uint8Array([
      ...bytes.subarray(0, footerAt),
      ...frameRecord(RECORD_FOOTER, footer),
      ...t,
    ]);
    const lying = LogReader.open(memorySource(out));
    expect(lying.checkpoints.length).toBe(r.checkpoints.length - 1);
    const v = verifyLog(lying);
    expect(v.ok).toBe(false);
    expect(v.problem).toMatch(/the records hold \d+ checkpoints, the index lists \d+/);
  });

  it("refuses a log of a newer event schema with LOG_SCHEMA_TOO_NEW, and reads one written with today's", () => {
    const { bytes } = recordBytes('seed-clean', 4);
    const len = new DataView(bytes.buffer, bytes.byteOffset + 8, 4).getUint32(0, true);
    const header = decode(bytes.subarray(13, 13 + len)) as { schema: number };
    expect(codeOf(() => parseLog(bytes))).toBe('ok');
    header.schema = 999;
    const rec = frameRecord(1, header);
    const out = new Uint8Array([...bytes.subarray(0, 8), ...rec, ...bytes.subarray(8 + 9 + len)]);
    expect(codeOf(() => parseLog(out, 'new', { salvage: true }))).toBe('LOG_SCHEMA_TOO_NEW');
    expect(() => parseLog(out, 'new')).toThrow(
      /new: expected event schema ≤ \d+, found 999; upgrade ptesim/,
    );
  });
});

describe('reading one chunk or checkpoint record', () => {
  const { bytes } = recordBytes(SEEDS[0] as string, 5);
  const open = () => LogReader.open(memorySource(bytes), 'mem');
  const message = (f: () => unknown): string => {
    try {
      f();
      return 'ok';
    } catch (e) {
      return isSimError(e) ? `${e.code}: ${e.message}` : String(e);
    }
  };

  it('names a chunk or checkpoint the log does not have', () => {
    const r = open();
    expect(r.checkpoints.length).toBeGreaterThan(0);
    expect(message(() => r.readChunk(r.chunks.length))).toBe(
      `BAD_ARGUMENT: mem: no chunk ${r.chunks.length} (the log has ${r.chunks.length})`,
    );
    expect(message(() => r.checkpointState(99))).toBe(
      `BAD_ARGUMENT: mem: no checkpoint 99 (the log has ${r.checkpoints.length})`,
    );
  });

  it('rejects a record of the other kind where the index points', () => {
    const r = open();
    const chunks = r.chunks as { first: number; n: number; offset: number }[];
    const checkpoints = r.checkpoints as { at: number; offset: number }[];
    const chunk0 = chunks[0]?.offset as number;
    const cp0 = checkpoints[0]?.offset as number;
    checkpoints[0] = { at: checkpoints[0]?.at as number, offset: chunk0 };
    expect(message(() => r.checkpointState(0))).toMatch(
      /^LOG_CORRUPT: mem checkpoint 0 at byte \d+: expected a checkpoint record, found kind \d+$/,
    );
    chunks[0] = { ...(chunks[0] as { first: number; n: number }), offset: cp0 };
    expect(message(() => r.readChunk(0))).toMatch(
      /^LOG_CORRUPT: mem chunk 0 at byte \d+: expected a chunk record, found kind \d+$/,
    );
  });
});
