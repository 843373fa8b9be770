import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { ChunkEncoder, checkChunk, decodeChunk, visitChunk } from '../../src/log/chunkCodec.js';
import { compileVisitor } from '../../src/log/compiledChunk.js';
import { currentTypeTable, decoderFor, encoderFor } from '../../src/log/eventTable.js';
import { decode, encode } from '../../src/log/codec.js';
import { inflateRawSync } from 'node:zlib';
import {
  applyEvent,
  EVENT_SCHEMA_VERSION,
  initialMutableState,
  makeModel,
  runModel,
  stateHash,
  type SimEvent,
} from '../../src/index.js';
import { builtin } from '../helpers/scenarios.js';
import { anyEvents } from './arbitraries.js';

const table = currentTypeTable();
const enc = encoderFor(table);
const dec = decoderFor(table, 'test', true);

function roundTrip(events: readonly SimEvent[], compress: boolean): ReturnType<typeof checkChunk> {
  const ce = new ChunkEncoder(enc, compress);
  for (const e of events) ce.add(e);
  // Through MessagePack, as on disk: any MessagePack reader sees plain maps and bins.
  return checkChunk(decode(encode(ce.finish(7))), 'test');
}

function compiled(
  c: ReturnType<typeof checkChunk>,
  reuse: boolean,
  visit: (e: SimEvent) => void,
): void {
  const v = compileVisitor(dec, 'test');
  expect(v).not.toBeNull();
  const unz = (b: Uint8Array): Uint8Array => (c.z ? inflateRawSync(b) : b);
  v?.(
    unz(c.types),
    unz(c.data),
    c.n,
    c.first,
    c.strs,
    reuse ? [] : null,
    visit,
    c.first,
    c.first + c.n,
  );
}

describe('the columnar chunk codec', () => {
  test.prop([anyEvents(200).filter((a) => a.length > 0), fc.boolean()])(
    'decode(encode(events)) deep-equals the events, every numeric field included (STYLE §7 round-trip law)',
    (events, compress) => {
      const c = roundTrip(events, compress);
      expect(c.n).toBe(events.length);
      const out = decodeChunk(c, dec, EVENT_SCHEMA_VERSION, 'test');
      expect(out).toEqual(events);
      // Same key order as the producer, so JSON (and resimulate's comparison) agree too.
      expect(out.map((e) => JSON.stringify(e))).toEqual(events.map((e) => JSON.stringify(e)));
    },
  );

  test.prop([anyEvents(200).filter((a) => a.length > 0)])(
    'the compiled visitor yields exactly what the generic one does',
    (events) => {
      const c = roundTrip(events, true);
      const generic: SimEvent[] = [];
      visitChunk(c, dec, EVENT_SCHEMA_VERSION, 'test', false, (e) => generic.push(e));
      const fast: SimEvent[] = [];
      compiled(c, false, (e) => fast.push(e));
      expect(fast).toEqual(generic);
    },
  );

  it('folding scratch (reused) event objects reaches the same stateHash as fresh ones, on random runs', () => {
    for (const name of ['seed-clean', 'seed-wrprotect-mkwrite', 'seed-concurrent-wrprotect']) {
      const s = builtin(name);
      for (let seed = 1; seed <= 15; seed++) {
        const events: SimEvent[] = [];
        runModel(makeModel(s), { seed }, (e) => events.push(e));
        const c = roundTrip(events, true);
        const fresh = initialMutableState(s);
        for (const e of events) applyEvent(fresh, e);
        const reusedGeneric = initialMutableState(s);
        visitChunk(c, dec, EVENT_SCHEMA_VERSION, 'test', true, (e) => applyEvent(reusedGeneric, e));
        const reusedFast = initialMutableState(s);
        compiled(c, true, (e) => applyEvent(reusedFast, e));
        expect(stateHash(reusedGeneric)).toBe(stateHash(fresh));
        expect(stateHash(reusedFast)).toBe(stateHash(fresh));
      }
    }
  });

  it('a table row the reader does not know decodes through validation and fails with the type named', () => {
    const foreign = decoderFor([['vendor/frob', [['x', 'int']]], ...table], 'test', true);
    const ce = new ChunkEncoder(encoderFor([['vendor/frob', [['x', 'int']]], ...table]), false);
    ce.add({ type: 'vendor/frob', x: 1 } as unknown as SimEvent);
    const c = checkChunk(decode(encode(ce.finish(0))), 'test');
    expect(compileVisitor(foreign, 'x')).toBeNull();
    expect(() => decodeChunk(c, foreign, EVENT_SCHEMA_VERSION, 'log chunk 0')).toThrow(
      /unknown event type "vendor\/frob".*unknown to this ptesim/,
    );
  });

  it('rejects a chunk whose columns hold fewer or more events than n', () => {
    const events: SimEvent[] = [
      { type: '@sim/sched', tid: 1 },
      { type: '@sim/sched', tid: 2 },
    ];
    const ce = new ChunkEncoder(enc, false);
    for (const e of events) ce.add(e);
    const p = ce.finish(0);
    expect(() => decodeChunk({ ...p, n: 3 }, dec, EVENT_SCHEMA_VERSION, 'c')).toThrow(
      /LOG_CORRUPT|middle of an event/,
    );
    expect(() => decodeChunk({ ...p, n: 1 }, dec, EVENT_SCHEMA_VERSION, 'c')).toThrow(
      /more than n = 1/,
    );
    expect(() => compiled({ ...p, n: 1 }, false, () => undefined)).toThrow(/more than n = 1/);
  });
});
