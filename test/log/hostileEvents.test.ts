// Events whose fields are integers the decoder accepts but the log's scenario cannot have
// (issue: a 2.9 KB log with one pte/set at vpn 2^32-2 hung replay and verify; unbounded
// thread/call frames; fills past tlbCapacity; loops from a huge negative range start). Each is
// refused with a LOG_CORRUPT naming the chunk, its byte offset, the event and the field.
import { describe, expect, it } from 'vitest';
import {
  firstStateWhere,
  isSimError,
  LogReader,
  makeModel,
  memorySource,
  MemorySink,
  parseLog,
  readJsonl,
  recordRun,
  replayLog,
  verifyLog,
  writeJsonl,
  type Scenario,
  type SimEvent,
} from '../../src/index.js';
import { builtin } from '../helpers/scenarios.js';
import { eventBoundsOf, foldProblem } from '../../src/log/eventGuard.js';
import { recordBytes } from './helpers.js';
import { mutateChunk } from './mutate.js';

const base = recordBytes('seed-concurrent-wrprotect', 3, { chunkEvents: 16, checkpointEvery: 32 });

/** Replace event `i` of chunk 1 by `make(original)`. */
const withEvent = (bytes: Uint8Array, i: number, make: (e: SimEvent) => SimEvent): Uint8Array =>
  mutateChunk(bytes, 1, (evs) => evs.map((e, j) => (j === i ? make(e) : e)));

function refusal(bytes: Uint8Array, how: (r: LogReader) => unknown): string {
  try {
    how(LogReader.open(memorySource(bytes), 'evil.ptesim'));
  } catch (e) {
    if (!isSimError(e)) throw e;
    expect(e.code).toBe('LOG_CORRUPT');
    return e.message;
  }
  throw new Error('accepted');
}

const fold = (r: LogReader): unknown => r.foldInto(r.initialState(), 0, r.length);

describe('event fields are checked against the log’s own scenario', () => {
  it('the mutator alone changes nothing: an unchanged chunk re-framed still reads and replays', () => {
    const same = mutateChunk(base.bytes, 1, (evs) => evs);
    expect(parseLog(same).events).toEqual(base.events);
    expect(replayLog(parseLog(same)).matches).toBe(true);
  });

  const cases: [string, (e: SimEvent) => SimEvent, RegExp][] = [
    [
      'pte/set at vpn 2^32-2',
      () => ({ type: 'pte/set', tid: 0, mm: 0, vpn: 2 ** 32 - 2, pte: 1, src: 'sw', fn: 'x' }),
      /pte\/set\.vpn is 4294967294, expected 0\.\.\d+/,
    ],
    [
      'a thread id beyond the threads',
      () => ({ type: 'thread/goto', tid: 9999, pc: 1 }),
      /thread\/goto\.tid is 9999/,
    ],
    [
      'a frame slot at 2^40',
      () => ({ type: 'thread/set', tid: 0, slot: 2 ** 40, value: 1 }),
      /thread\/set\.slot is 1099511627776, expected 0\.\.63/,
    ],
    [
      'a bitmap bit beyond the pages',
      () => ({ type: 'bitmap/set', tid: 0, bm: 0, bit: 1e9 }),
      /bitmap\/set\.bit is 1000000000/,
    ],
    [
      'a CPU beyond the CPUs',
      () => ({ type: 'tlb/fill', cpu: 77, mm: 0, vpn: 0, pfn: 0, w: 1, d: 0 }),
      /tlb\/fill\.cpu is 77/,
    ],
    [
      'a page beyond the pages',
      () => ({ type: 'dev/copy', tid: 0, page: -5 }),
      /dev\/copy\.page is -5/,
    ],
    [
      'a flush range starting at -2^53',
      () => ({ type: 'tlb/flush', tid: 0, cpu: 0, mm: 0, from: -(2 ** 53) + 1, to: 2 }),
      /tlb\/flush: range -9007199254740991\.\.2 is not within 0\.\.\d+/,
    ],
    [
      'a lock beyond the lock table',
      () => ({ type: 'lock/acquire', tid: 0, lock: 123456, mode: 'w' }),
      /lock\/acquire\.lock is 123456/,
    ],
  ];
  for (const [name, make, msg] of cases) {
    it(`refuses ${name}, naming chunk, byte offset, event and field (read, fold, verify)`, () => {
      const bad = withEvent(base.bytes, 3, make);
      for (const how of [(r: LogReader) => r.events(), fold]) {
        const m = refusal(bad, how);
        expect(m).toMatch(/^evil\.ptesim chunk 1 at byte \d+: event 19: /);
        expect(m).toMatch(msg);
      }
      const v = verifyLog(LogReader.open(memorySource(bad), 'evil.ptesim'));
      expect(v.ok).toBe(false);
      expect(v.problem).toMatch(msg);
    });
  }

  // Rare types in the middle of a chunk, word for word: the compiled chunk visitor checks each
  // type's own fields inline and leaves the message to eventProblem (compiledChunk.ts). (Some
  // values are outside the field's type: a log can hold them.)
  const rare: [object, string][] = [
    [
      { type: 'decide/skip-vma', tid: 1, mm: 0, vma: 7, why: 'x', stop: 0 },
      'decide/skip-vma.vma is 7, expected 0..0',
    ],
    [
      { type: 'decide/skip-vma', tid: 1, mm: 0, vma: 0, why: 'x', stop: 2 },
      'decide/skip-vma.stop is 2, expected 0..1',
    ],
    [
      { type: 'vmw/set', tid: 0, method: 'mkwrite', count: 64, res: 0 },
      'vmw/set.count is 64, expected 0..63',
    ],
    [
      { type: 'smmu/install', tid: 0, sub: 0, vpn: 0, w: 0, seq: 1 },
      'smmu/install.sub is 0, expected 0..-1 (secondary MMUs)',
    ],
    [
      { type: 'tlb/fill', cpu: 1, mm: 0, vpn: 1, pfn: 5, w: 1, d: 2 },
      'tlb/fill: w and d must be 0 or 1',
    ],
    [
      { type: 'fault/enter', tid: 0, cpu: -2, mm: 0, vpn: 0, write: 1 },
      'fault/enter.cpu is -2, expected -1..1 (CPUs)',
    ],
    [
      { type: 'bounds/set', tid: 2, start: 0, end: 3 },
      'bounds/set: 0..3 is not within 0..2 (pages)',
    ],
    [{ type: 'page/dirty', tid: 2, page: 1, value: 2 }, 'page/dirty.value is 2, expected 0..1'],
    [
      { type: 'notifier/end', tid: 2, mm: 0, from: 1, to: 0 },
      'notifier/end: range 1..0 is not within 0..2 (pages of the mm)',
    ],
    [
      { type: 'ghost/wp-seen', tid: 2, mm: 1, vpn: 0 },
      'ghost/wp-seen.mm is 1, expected 0..0 (mms)',
    ],
  ];
  for (const [e, message] of rare)
    it(`refuses ${message} in the middle of a chunk with exactly that message (read, fold)`, () => {
      const bad = withEvent(base.bytes, 7, () => e as SimEvent);
      for (const how of [(r: LogReader) => r.events(), fold]) {
        const m = refusal(bad, how);
        expect(m.replace(/byte \d+/, 'byte N')).toBe(
          `evil.ptesim chunk 1 at byte N: event 23: ${message}`,
        );
      }
    });

  it('accepts the edges: a device store and fault on no CPU (-1), the last page, an empty range', () => {
    const ok: SimEvent[] = [
      { type: 'mem/store', tid: 2, cpu: -1, page: 1 },
      { type: 'fault/enter', tid: 2, cpu: -1, mm: 0, vpn: 1, write: 1 },
      { type: 'bounds/set', tid: 2, start: 2, end: 2 },
      { type: 'notifier/start', tid: 2, mm: 0, from: 2, to: 2 },
    ];
    for (const e of ok) {
      const r = LogReader.open(memorySource(withEvent(base.bytes, 7, () => e)), 'edge.ptesim');
      expect(r.events()[23]).toEqual(e);
    }
  });

  it('refuses calls nested deeper than 32 frames (unbounded frames drove replay to 1.9 GB)', () => {
    const deep = mutateChunk(base.bytes, 1, (evs) =>
      evs.map(() => ({ type: 'thread/call', tid: 0, fn: 'helper', l: new Array(64).fill(7) })),
    );
    const more = mutateChunk(deep, 2, (evs) =>
      evs.map(() => ({ type: 'thread/call', tid: 0, fn: 'helper', l: [1] })),
    );
    expect(refusal(more, (r) => r.events())).toMatch(
      /thread\/call: thread 0 would be 33 frames deep/,
    );
    expect(refusal(more, fold)).toMatch(/thread 0 would be 33 frames deep/);
    // Folding from a checkpoint (no stream from the start), the state tells the depth.
    const r = LogReader.open(memorySource(base.bytes));
    const s = r.initialState();
    const frame = s.threads[0]?.stack[0];
    for (let d = 1; d < 32; d++) s.threads[0]?.stack.push(structuredClone(frame as never));
    const call: SimEvent = { type: 'thread/call', tid: 0, fn: 'helper', l: [] };
    expect(foldProblem(call, s, eventBoundsOf(r.header.scenario))).toMatch(
      /thread 0 is already 32 frames deep \(limit 32\)/,
    );
    s.threads[0]?.stack.pop();
    expect(foldProblem(call, s, eventBoundsOf(r.header.scenario))).toBeNull();
  });

  /** A log of a one-entry-TLB run; `overfill(k)`: its chunk k starts with fills of two vpns. */
  const oneEntryTlb = (() => {
    const s0 = builtin('seed-concurrent-wrprotect');
    const scenario: Scenario = { ...s0, options: { ...s0.options, tlbCapacity: 1 } };
    const sink = new MemorySink();
    recordRun(makeModel(scenario), { seed: 3 }, sink, { chunkEvents: 16, checkpointEvery: 32 });
    const bytes = sink.bytes();
    const overfill = (k: number): Uint8Array =>
      mutateChunk(bytes, k, (evs) =>
        evs.map((e, j) =>
          j < 2 ? { type: 'tlb/fill', cpu: 0, mm: 0, vpn: j, pfn: j, w: 0, d: 0 } : e,
        ),
      );
    return { bytes, overfill };
  })();
  const overfull = /tlb\/fill: CPU 0's TLB already holds 1 entries \(tlbCapacity 1\)/;

  it('refuses a TLB fill of a new entry into a full TLB (tlbCapacity; the model evicts first)', () => {
    expect(refusal(oneEntryTlb.overfill(1), fold)).toMatch(overfull);
  });

  it('a search folding from a checkpoint (firstStateWhere) refuses the overfull TLB too', () => {
    const r0 = LogReader.open(memorySource(oneEntryTlb.bytes), 'ok.ptesim');
    const lastCp = (r0.checkpoints.at(-1) as { at: number }).at;
    // The first chunk after the last checkpoint: a search whose predicate never holds folds it.
    const k = r0.chunks.findIndex((c) => c.first >= lastCp && c.n >= 2);
    expect(k).toBeGreaterThan(0);
    expect(refusal(oneEntryTlb.overfill(k), (r) => firstStateWhere(r, () => false))).toMatch(
      overfull,
    );
  });

  it('JSON-lines conversion refuses the same events', () => {
    const lines: string[] = [];
    writeJsonl(LogReader.open(memorySource(base.bytes)), (l) => lines.push(l));
    lines[6] = JSON.stringify({
      type: 'pte/set',
      tid: 0,
      mm: 0,
      vpn: 2 ** 32 - 2,
      pte: 1,
      src: 'sw',
      fn: 'x',
    });
    expect(() => readJsonl(lines, new MemorySink(), 'evil.jsonl')).toThrow(
      /evil\.jsonl line 7: event 5: pte\/set\.vpn is 4294967294/,
    );
  });
});
