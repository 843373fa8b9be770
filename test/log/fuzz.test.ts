// Fuzz: mutated and hostile logs. Every input yields either a correct decode or a typed
// SimError, never another exception, a hang, prototype pollution or a huge allocation.
// Mutators: bit flips, truncation, splices, CRC-valid hostile records (huge lengths, deep
// nesting, __proto__ keys, random columns) and CRC-valid chunks of hostile events (out-of-range
// indices, floods). `npm test` runs a bounded, seeded few hundred cases per property;
// `npm run fuzz` runs long campaigns (FUZZ_RUNS cases per property).
import { crc32 } from 'node:zlib';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  EVENT_FIELDS,
  isSimError,
  LogReader,
  memorySource,
  parseLog,
  verifyLog,
  type SimEvent,
} from '../../src/index.js';
import { encode } from '../../src/log/codec.js';
import { recordBytes } from './helpers.js';
import { mutateChunk } from './mutate.js';

const RUNS = Number(process.env['FUZZ_RUNS'] ?? 400);
// Seeded: the bounded run in `npm test` is the same every time; campaigns pick their own seed.
const SEED = Number(process.env['FUZZ_SEED'] ?? 13);

const base = recordBytes('seed-concurrent-wrprotect', 25, { chunkEvents: 24, checkpointEvery: 48 });
const v1 = new Uint8Array(
  readFileSync(join(import.meta.dirname, '..', 'fixtures', 'format1-seed-clean-s3.ptesim')),
);
const v1Events = parseLog(v1).events;

/** Record boundaries of the base log: header at 8, then chunks/checkpoints, then the footer. */
const reader = LogReader.open(memorySource(base.bytes));
const offsets = [
  8,
  ...[...reader.chunks.map((c) => c.offset), ...reader.checkpoints.map((c) => c.offset)].sort(
    (a, b) => a - b,
  ),
];
const footerAt = (() => {
  const t = base.bytes.subarray(base.bytes.length - 16);
  return new DataView(t.buffer, t.byteOffset + 8, 4).getUint32(0, true);
})();
offsets.push(footerAt);

/** Everything a tool might do with an untrusted log; returns the events when the strict read succeeds. */
function exercise(bytes: Uint8Array, seekTo: number): SimEvent[] | null {
  let strict: SimEvent[] | null = null;
  for (const salvage of [false, true]) {
    try {
      const r = LogReader.open(memorySource(bytes), 'fuzz', { salvage });
      const events = r.events();
      if (!salvage) strict = events;
      if (r.length > 0) r.stateAt(seekTo % r.length);
      verifyLog(r);
    } catch (e) {
      if (!isSimError(e)) throw e;
    }
  }
  return strict;
}

const isPrefix = (a: readonly SimEvent[], b: readonly SimEvent[]): boolean =>
  a.length <= b.length && JSON.stringify(a) === JSON.stringify(b.slice(0, a.length));

function frameRaw(kind: number, payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(9 + payload.length);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, payload.length, true);
  out[4] = kind;
  out.set(payload, 5);
  dv.setUint32(5 + payload.length, crc32(out.subarray(4, 5 + payload.length)), true);
  return out;
}

/** Replace record `r` of the base log by `rec`, keeping every other byte. */
function replaceRecord(r: number, rec: Uint8Array, dropTrailer: boolean): Uint8Array {
  const start = offsets[r] as number;
  const end = offsets[r + 1] ?? base.bytes.length - 16;
  const tail = base.bytes.subarray(end, dropTrailer ? base.bytes.length - 16 : base.bytes.length);
  const out = new Uint8Array(start + rec.length + tail.length);
  out.set(base.bytes.subarray(0, start), 0);
  out.set(rec, start);
  out.set(tail, start + rec.length);
  return out;
}

const cat = (...parts: (number[] | Uint8Array)[]): Uint8Array =>
  Uint8Array.from(parts.flatMap((p) => Array.from(p)));

/** Hostile MessagePack: lengths that claim gigabytes, deep nesting, prototype keys. */
const hostileMsgpack: fc.Arbitrary<Uint8Array> = fc.oneof(
  fc.constantFrom(
    cat([0xdd, 0xff, 0xff, 0xff, 0xff]),
    cat([0xdf, 0xff, 0xff, 0xff, 0xff]),
    cat([0xc6, 0xff, 0xff, 0xff, 0xff]),
    cat([0xdb, 0x7f, 0xff, 0xff, 0xff]),
    cat(
      [0x85],
      [0xa5],
      Buffer.from('first'),
      [0x00],
      [0xa1, 0x6e],
      [0xce, 0xff, 0xff, 0xff, 0xff],
      [0xa1, 0x7a, 0x00],
      [0xa5],
      Buffer.from('types'),
      [0xc6, 0x7f, 0xff, 0xff, 0xff],
    ),
  ),
  fc
    .oneof(
      { weight: 9, arbitrary: fc.integer({ min: 1, max: 3000 }) },
      { weight: 1, arbitrary: fc.constant(200_000) },
    )
    .map((depth) => {
      const b = new Uint8Array(depth + 1).fill(0x91);
      b[depth] = 0xc0;
      return b;
    }),
  fc
    .oneof(
      { weight: 9, arbitrary: fc.integer({ min: 1, max: 3000 }) },
      { weight: 1, arbitrary: fc.constant(100_000) },
    )
    .map((depth) => {
      const b = new Uint8Array(3 * depth + 1);
      for (let i = 0; i < depth; i++) b.set([0x81, 0xa1, 0x61], 3 * i);
      b[3 * depth] = 0xc0;
      return b;
    }),
  fc.constantFrom('header', 'chunk', 'checkpoint', 'footer').map((where) => {
    const proto = JSON.parse(
      '{"__proto__": {"polluted": 1}, "constructor": {"prototype": {"polluted": 1}}}',
    ) as object;
    if (where === 'chunk')
      return encode({
        first: 0,
        n: 1,
        z: 0,
        types: Uint8Array.of(0),
        data: Uint8Array.of(0),
        strs: [],
        ...proto,
      });
    if (where === 'checkpoint') return encode({ at: 48, hash: '0000000000000000', state: proto });
    if (where === 'footer')
      return encode({ events: 0, finalStateHash: 'x', verdicts: [proto], index: proto });
    return encode({
      format: 2,
      schema: 1,
      scenario: proto,
      arch: 'x86-64',
      variant: 'seed-v4',
      seed: 1,
      types: [['__proto__', [['__proto__', 'int']]]],
    });
  }),
  // Well-shaped chunks with random columns: exercises the decoder, not just the framing.
  fc
    .record({
      first: fc.oneof(fc.constant(0), fc.constant(24), fc.nat()),
      n: fc.oneof(fc.integer({ min: 1, max: 64 }), fc.constant(1 << 20), fc.constant(2 ** 40)),
      z: fc.constantFrom(0, 1),
      types: fc.uint8Array({ maxLength: 80 }),
      data: fc.uint8Array({ maxLength: 300 }),
      strs: fc.array(fc.string({ maxLength: 300 }), { maxLength: 5 }),
    })
    .map((c) => encode(c)),
  fc.anything().map((v) => encode(v)),
);

/** An integer for an event field: small, at the edges of the scenario, or far outside it. */
const fieldInt = fc.oneof(
  { weight: 4, arbitrary: fc.integer({ min: -2, max: 12 }) },
  {
    weight: 2,
    arbitrary: fc.constantFrom(2 ** 32 - 2, -(2 ** 53) + 1, 2 ** 53 - 1, 2 ** 31, -1, 63, 64),
  },
  { weight: 1, arbitrary: fc.maxSafeInteger() },
);

/** Any event type with any values its field kinds allow (the decoder accepts all of them). */
const hostileEvent: fc.Arbitrary<SimEvent> = fc
  .constantFrom(...(Object.keys(EVENT_FIELDS) as (keyof typeof EVENT_FIELDS)[]))
  .chain((type) =>
    fc
      .record(
        Object.fromEntries(
          Object.entries(EVENT_FIELDS[type]).map(([name, kind]) => [
            name,
            kind === 'int'
              ? fieldInt
              : kind === 'str'
                ? fc.string({ maxLength: 12 })
                : kind === 'ints'
                  ? fc.array(fieldInt, { maxLength: 64 })
                  : fc.constantFrom(...(kind as readonly string[])),
          ]),
        ) as Record<string, fc.Arbitrary<unknown>>,
      )
      .map((fields) => ({ type, ...fields }) as unknown as SimEvent),
  );

describe('fuzzing the log reader', () => {
  it('bit flips: a strict read either fails with a SimError or returns exactly the recorded events', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('v2', 'v1'),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 7 })), {
          minLength: 1,
          maxLength: 8,
        }),
        fc.nat(),
        (which, flips, seek) => {
          const src = which === 'v2' ? base.bytes : v1;
          const want = which === 'v2' ? base.events : v1Events;
          const bytes = src.slice();
          for (const [pos, bit] of flips)
            bytes[pos % bytes.length] = (bytes[pos % bytes.length] as number) ^ (1 << bit);
          const got = exercise(bytes, seek);
          if (got !== null) expect(got).toEqual(want);
        },
      ),
      { numRuns: RUNS, seed: SEED },
    );
  });

  it('truncation and splicing: salvage returns a prefix of the recorded events or a SimError', () => {
    fc.assert(
      fc.property(
        fc.nat(),
        fc.nat(),
        fc.uint8Array({ maxLength: 40 }),
        fc.nat(),
        (cut, at, junk, seek) => {
          const n = cut % (base.bytes.length + 1);
          const prefix = base.bytes.subarray(0, n);
          const spliced = cat(
            base.bytes.subarray(0, at % base.bytes.length),
            junk,
            base.bytes.subarray(at % base.bytes.length),
          );
          for (const bytes of [prefix, spliced]) {
            exercise(bytes, seek);
            try {
              const s = parseLog(bytes, 'fuzz', { salvage: true });
              expect(isPrefix(s.events, base.events)).toBe(true);
            } catch (e) {
              if (!isSimError(e)) throw e;
            }
          }
        },
      ),
      { numRuns: RUNS, seed: SEED },
    );
  });

  it('hostile records with valid CRCs (huge lengths, deep nesting, __proto__ keys, random columns) give SimErrors', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: offsets.length - 1 }),
        fc.constantFrom(1, 2, 3, 4, 9),
        hostileMsgpack,
        fc.boolean(),
        fc.nat(),
        (r, kind, payload, dropTrailer, seek) => {
          exercise(replaceRecord(r, frameRaw(kind, payload), dropTrailer), seek);
          expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
          expect(Object.prototype).not.toHaveProperty('polluted');
        },
      ),
      { numRuns: RUNS, seed: SEED },
    );
  });

  it('CRC-valid chunks of hostile events (out-of-range indices, floods of calls and fills) read, fold and verify or give SimErrors', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: reader.chunks.length - 1 }),
        fc.array(fc.tuple(fc.nat(), hostileEvent), { minLength: 1, maxLength: 6 }),
        fc.option(hostileEvent, { nil: undefined }),
        fc.nat(),
        (k, edits, flood, seek) => {
          const bytes = mutateChunk(base.bytes, k, (evs) => {
            const out = flood ? evs.map(() => flood) : evs.slice();
            for (const [j, e] of edits) out[j % out.length] = e;
            return out;
          });
          exercise(bytes, seek);
          expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
        },
      ),
      { numRuns: RUNS, seed: SEED },
    );
  });

  it('the properties above can fail: an unmutated strict read does return the events', () => {
    expect(exercise(base.bytes, 3)).toEqual(base.events);
    expect(exercise(v1, 3)).toEqual(v1Events);
  });
});
