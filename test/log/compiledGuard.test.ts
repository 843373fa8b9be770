// The chunk visitor compiled from a log's type table checks every event against the log's own
// scenario inline (eventGuard.ts boundsCheckSource, compiledChunk.ts), and hands only refused
// events, and those foldProblem must see, back to the reader. These tests hold the inline
// checks equal to eventProblem, and a reader that uses them equal to a plain reference that
// runs eventProblem, the call-depth rule and foldProblem on every event in order (what the
// reader did per event before): same events refused, same messages, same places. (Both
// checks are generated from one table, eventGuard.ts `checksOf`: these tests hold its two
// renderings equal, the visitor's over its decoded variables and prelude constants and
// eventProblem's over the event's and the bounds' properties.)
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  applyEvent,
  EVENT_FIELDS,
  isSimError,
  LogReader,
  memorySource,
  type MutableSimState,
  type SimEvent,
  type SimEventType,
} from '../../src/index.js';
import {
  boundsCheckSource,
  boundsPrelude,
  eventBoundsOf,
  eventProblem,
  FOLD_CHECKED,
  foldProblem,
  type EventBounds,
} from '../../src/log/eventGuard.js';
import { compileVisitor } from '../../src/log/compiledChunk.js';
import { ChunkEncoder } from '../../src/log/chunkCodec.js';
import {
  currentTypeTable,
  decoderFor,
  encoderFor,
  type TypeTable,
} from '../../src/log/eventTable.js';
import { MAX_CALL_DEPTH } from '../../src/log/stateCheck.js';
import { recordBytes } from './helpers.js';
import { mutateChunk } from './mutate.js';

const TYPES = Object.keys(EVENT_FIELDS) as SimEventType[];

const base = recordBytes('seed-concurrent-wrprotect', 25, { chunkEvents: 24, checkpointEvery: 48 });
const reader0 = LogReader.open(memorySource(base.bytes));

/** The inline check of `type` as a function of (bounds, event), as the visitor runs it. */
function inlineCheck(
  type: SimEventType,
  weaken: (src: string) => string = (s) => s,
): (b: EventBounds, e: SimEvent) => boolean {
  const src = weaken(boundsCheckSource(type, (f) => `e[${JSON.stringify(f)}]`));
  return new Function('BD', 'e', `${boundsPrelude('BD')}\nreturn ${src};`) as (
    b: EventBounds,
    e: SimEvent,
  ) => boolean;
}

/** Bounds of a small made-up scenario (the checks read nothing else). */
const anyBounds: fc.Arbitrary<EventBounds> = fc
  .record({
    threads: fc.integer({ min: 1, max: 4 }),
    cpus: fc.integer({ min: 1, max: 4 }),
    pages: fc.integer({ min: 1, max: 6 }),
    nBitmaps: fc.integer({ min: 0, max: 2 }),
    locks: fc.integer({ min: 1, max: 6 }),
    mms: fc.array(fc.record({ size: fc.integer({ min: 0, max: 6 }), vmas: fc.nat(3) }), {
      minLength: 1,
      maxLength: 3,
    }),
    smmus: fc.array(fc.nat(2), { maxLength: 2 }),
  })
  .map((r) => ({
    threads: r.threads,
    cpus: r.cpus,
    pages: r.pages,
    nBitmaps: r.nBitmaps,
    locks: r.locks,
    mmSize: r.mms.map((m) => m.size),
    vmas: r.mms.map((m) => m.vmas),
    smmuSize: r.smmus.map((mm) => r.mms[mm]?.size ?? 0),
    tlbCapacity: 4,
  }));

/**
 * Integers at and around every bound of `anyBounds`, and far outside; 0 and 1 (valid for
 * almost every field) often enough that events with six checked fields still pass at times.
 */
const nearBound = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: 0, max: 1 }) },
  { weight: 4, arbitrary: fc.integer({ min: -2, max: 8 }) },
  { weight: 1, arbitrary: fc.constantFrom(63, 64, 65, 2 ** 32 - 2, 2 ** 53 - 1, -(2 ** 53) + 1) },
);

/** An event of `type` with every int field near a bound (other kinds: any valid value). */
const eventOf = (type: SimEventType): fc.Arbitrary<SimEvent> =>
  fc
    .record(
      Object.fromEntries(
        Object.entries(EVENT_FIELDS[type]).map(([name, kind]) => [
          name,
          kind === 'int'
            ? nearBound
            : kind === 'str'
              ? fc.constant('x')
              : kind === 'ints'
                ? fc.array(nearBound, { maxLength: 3 })
                : fc.constantFrom(...(kind as readonly string[])),
        ]),
      ) as Record<string, fc.Arbitrary<unknown>>,
    )
    .map((fields) => ({ type, ...fields }) as unknown as SimEvent);

/** Over `runs` random (bounds, event) pairs per type: where `check` and eventProblem disagree. */
function disagreements(
  check: (type: SimEventType) => (b: EventBounds, e: SimEvent) => boolean,
  runs: number,
): { type: string; refused: number; passed: number; differ: string[] }[] {
  return TYPES.map((type) => {
    const ok = check(type);
    let refused = 0;
    let passed = 0;
    const differ: string[] = [];
    fc.assert(
      fc.property(anyBounds, eventOf(type), (b, e) => {
        const inline = ok(b, e);
        const problem = eventProblem(e, b);
        if (inline) passed++;
        else refused++;
        if (inline !== (problem === null))
          differ.push(`${JSON.stringify(e)} under ${JSON.stringify(b)}: ${problem}`);
      }),
      { numRuns: runs, seed: 10 },
    );
    return { type, refused, passed, differ };
  });
}

describe('inline bounds checks of the compiled chunk visitor', () => {
  it('accept exactly the events eventProblem accepts, for every event type, at and around every bound', () => {
    const r = disagreements((t) => inlineCheck(t), 400);
    expect(r.filter((x) => x.differ.length > 0).map((x) => x.differ.slice(0, 3))).toEqual([]);
    // Not vacuous: every type with a checked field has both refused and accepted events.
    const checked = r.filter((x) => boundsCheckSource(x.type as SimEventType, (f) => f) !== 'true');
    expect(checked.length).toBeGreaterThan(40);
    for (const x of checked) {
      expect(x.refused, x.type).toBeGreaterThan(0);
      expect(x.passed, x.type).toBeGreaterThan(0);
    }
  });

  it('the comparison catches a check that is off by one, or one that misses a field', () => {
    const looser = disagreements((t) => inlineCheck(t, (s) => s.replaceAll('< BT', '<= BT')), 200);
    expect(looser.find((x) => x.type === 'thread/goto')?.differ.length).toBeGreaterThan(0);
    const noPage = disagreements(
      (t) => inlineCheck(t, (s) => (t === 'dev/copy' ? 'true' : s)),
      200,
    );
    expect(noPage.find((x) => x.type === 'dev/copy')?.differ.length).toBeGreaterThan(0);
  });

  it('eventProblem refuses an event of a type outside EVENT_FIELDS (it has no checks for it)', () => {
    // Readers and the JSON-lines import validate the type first; this is the guard's own answer.
    const b = eventBoundsOf(reader0.header.scenario);
    const e = { type: 'tlb/fil', cpu: 0, mm: 0, vpn: 0 } as unknown as SimEvent;
    expect(eventProblem(e, b)).toBe('unknown event type "tlb/fil"');
    expect(eventProblem({ ...e, type: 'tlb/dirty' } as SimEvent, b)).toBeNull();
  });

  it('foldProblem finds nothing wrong with events of the types outside FOLD_CHECKED', () => {
    // The visitor hands only FOLD_CHECKED events to a fold's check; here the full state of a
    // real log and events of every other type with any field values.
    const { bytes } = recordBytes('seed-concurrent-wrprotect', 3);
    const r = LogReader.open(memorySource(bytes));
    const b = eventBoundsOf(r.header.scenario);
    const states = [r.initialState(), r.stateAfter(r.length) as unknown as MutableSimState];
    const others = TYPES.filter((t) => !FOLD_CHECKED.has(t));
    fc.assert(
      fc.property(fc.constantFrom(...others).chain(eventOf), fc.nat(1), (e, s) => {
        expect(foldProblem(e, states[s] as MutableSimState, b)).toBeNull();
      }),
      { numRuns: 2000, seed: 11 },
    );
    // It does find something for the two types it checks (a full TLB; see hostileEvents).
    expect([...FOLD_CHECKED].sort()).toEqual(['thread/call', 'tlb/fill']);
  });
});

describe('the compiled visitor with a log’s bounds', () => {
  /** Today's table with every type's fields in reverse order (an older writer's order). */
  const reversed: TypeTable = currentTypeTable().map(([t, f]) => [t, [...f].reverse()] as const);

  for (const [name, table] of [
    ['today’s field order', currentTypeTable()],
    ['a table with the fields in another order', reversed],
  ] as const)
    it(`hands exactly the events eventProblem refuses to refuse, and visits every event (${name})`, () => {
      fc.assert(
        fc.property(
          anyBounds,
          fc.array(fc.constantFrom(...TYPES).chain(eventOf), { minLength: 1, maxLength: 300 }),
          (b, events) => {
            const ce = new ChunkEncoder(encoderFor(table), false);
            for (const e of events) ce.add(e);
            const c = ce.finish(0);
            const v = compileVisitor(decoderFor(table, 't', true), 't', b);
            expect(v).not.toBeNull();
            const refused: number[] = [];
            const visited: SimEvent[] = [];
            v?.(
              c.types,
              c.data,
              c.n,
              0,
              c.strs,
              [],
              (e) => visited.push(structuredClone(e)),
              0,
              c.n,
              null,
              false,
              (e, i, why) => {
                expect(why).toBe(1);
                expect(e).toEqual(events[i]);
                refused.push(i);
              },
            );
            expect(refused).toEqual(
              events.flatMap((e, i) => (eventProblem(e, b) === null ? [] : [i])),
            );
            expect(visited).toEqual(events);
          },
        ),
        { numRuns: 150, seed: 13 },
      );
    });

  it('counts call depth only when given a depth array, and flags the call past MAX_CALL_DEPTH', () => {
    const table = currentTypeTable();
    const b: EventBounds = eventBoundsOf(reader0.header.scenario);
    const call: SimEvent = { type: 'thread/call', tid: 1, fn: 'f', l: [] };
    const ret: SimEvent = { type: 'thread/return', tid: 1 };
    const events = [call, ret, ...new Array<SimEvent>(MAX_CALL_DEPTH).fill(call)];
    const ce = new ChunkEncoder(encoderFor(table), false);
    for (const e of events) ce.add(e);
    const c = ce.finish(0);
    const v = compileVisitor(decoderFor(table, 't', true), 't', b);
    const run = (depth: number[] | null, fold: boolean): [number, number][] => {
      const out: [number, number][] = [];
      v?.(
        c.types,
        c.data,
        c.n,
        0,
        c.strs,
        [],
        () => undefined,
        0,
        c.n,
        depth,
        fold,
        (_e, i, why) => out.push([i, why]),
      );
      return out;
    };
    const depth = [0, 1];
    // Thread 1 starts 1 deep: call (2), return (1), then calls to 2, 3, ... 33 deep (event 33).
    expect(run(depth, false)).toEqual([[MAX_CALL_DEPTH + 1, 2]]);
    expect(depth).toEqual([0, MAX_CALL_DEPTH + 1]);
    expect(run(null, false)).toEqual([]);
    // With `fold`, every call that passed goes to the fold's check too (why 3).
    expect(run(null, true)).toEqual(events.flatMap((e, i) => (e === call ? [[i, 3]] : [])));
  });
});

// A reader against the reference: hostile events of any type at any place of a chunk.

/**
 * The reference: events [from, to) of `events` checked one by one, in order, before each is
 * folded into `state` (null: not folded, as `events()`): eventProblem, then (read from event 0)
 * the call depth, then foldProblem. The first problem, as the reader words it, or null.
 */
function reference(
  r: LogReader,
  events: readonly SimEvent[],
  from: number,
  to: number,
  state: MutableSimState | null,
): string | null {
  const b = eventBoundsOf(r.header.scenario);
  const depth = from === 0 ? r.header.initial.threads.map((t) => t.stack.length) : null;
  for (let i = from; i < to; i++) {
    const e = events[i] as SimEvent;
    let p = eventProblem(e, b);
    if (p === null && depth && e.type === 'thread/call') {
      const d = (depth[e.tid] ?? 0) + 1;
      depth[e.tid] = d;
      if (d > MAX_CALL_DEPTH)
        p = `thread/call: thread ${e.tid} would be ${d} frames deep (limit ${MAX_CALL_DEPTH})`;
    } else if (p === null && depth && e.type === 'thread/return')
      depth[e.tid] = Math.max(0, (depth[e.tid] ?? 0) - 1);
    if (p === null && state) p = foldProblem(e, state, b);
    if (p !== null) {
      const k = r.chunkOf(i);
      return `evil chunk ${k} at byte ${r.chunks[k]?.offset}: event ${i}: ${p}`;
    }
    if (state) applyEvent(state, e);
  }
  return null;
}

/** The reader's refusal (its message), or null when it reads everything. */
function refusal(how: () => unknown): string | null {
  try {
    how();
    return null;
  } catch (e) {
    if (!isSimError(e)) throw e;
    expect(e.code).toBe('LOG_CORRUPT');
    return e.message;
  }
}

/** Any event type (rare ones as often as common ones), fields near this log's bounds. */
const hostile: fc.Arbitrary<SimEvent> = fc.constantFrom(...TYPES).chain(eventOf);

describe('a reader with the compiled checks refuses what the reference refuses, with its words', () => {
  it('the base log goes through the compiled visitor (with the checks)', () => {
    const dec = decoderFor(currentTypeTable(), 'evil', true);
    expect(compileVisitor(dec, 'evil', eventBoundsOf(reader0.header.scenario))).not.toBeNull();
    expect(reference(reader0, reader0.events(), 0, reader0.length, reader0.initialState())).toBe(
      null,
    );
  });

  it('hostile events of any type anywhere in a chunk: read, fold from the start, seek from a checkpoint', () => {
    const seen = { refused: 0, accepted: 0 };
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: reader0.chunks.length - 1 }),
        fc.array(fc.tuple(fc.nat(23), hostile), { minLength: 1, maxLength: 4 }),
        fc.nat(),
        (k, edits, seekSeed) => {
          const info = reader0.chunks[k] as { first: number; n: number };
          const mine = base.events
            .slice(info.first, info.first + info.n)
            .map((e, j) => edits.find(([at]) => at % info.n === j)?.[1] ?? e);
          const bytes = mutateChunk(base.bytes, k, () => mine);
          const r = LogReader.open(memorySource(bytes), 'evil');
          // The events as written (the reference reads them unchecked).
          const events = base.events.slice();
          events.splice(info.first, info.n, ...mine);
          let got: SimEvent[] = [];
          const read = refusal(() => (got = r.events()));
          expect(read).toBe(reference(r, events, 0, r.length, null));
          if (read === null) expect(got).toEqual(events);
          // From the middle of the chunk: events before `from` are not checked (nor seen).
          const mid = info.first + (seekSeed % info.n);
          const tail = refusal(() => r.forEach(() => undefined, mid, r.length));
          expect(tail).toBe(reference(r, events, mid, r.length, null));
          const fold = refusal(() => r.foldInto(r.initialState(), 0, r.length));
          expect(fold).toBe(reference(r, events, 0, r.length, r.initialState()));
          // stateAfter(n): from the last checkpoint at or before n (or event 0), to n.
          const n = info.first + (seekSeed % (info.n + 1));
          const cps = r.checkpoints.filter((c) => c.at <= n);
          const cp = cps.length - 1;
          const from = cp >= 0 ? (r.checkpoints[cp] as { at: number }).at : 0;
          const start = cp >= 0 ? r.checkpointState(cp) : r.initialState();
          const seek = refusal(() => r.stateAfter(n));
          expect(seek).toBe(reference(r, events, from, n, start));
          for (const m of [read, tail, fold, seek]) seen[m === null ? 'accepted' : 'refused']++;
        },
      ),
      { numRuns: 150, seed: 12 },
    );
    // Both outcomes occur (the comparison is not between two empty answers).
    expect(seen.refused).toBeGreaterThan(100);
    expect(seen.accepted).toBeGreaterThan(100);
  });
});
