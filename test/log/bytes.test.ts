import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { ByteReader, ByteWriter } from '../../src/log/bytes.js';
import { isSimError } from '../../src/index.js';

describe('varints (docs/log-format.md §Varints)', () => {
  test.prop([fc.array(fc.maxSafeInteger().map(Math.abs))])(
    'uvarint round-trips every non-negative safe integer',
    (xs) => {
      const w = new ByteWriter(4);
      for (const x of xs) w.uvarint(x);
      const r = new ByteReader(w.bytes(), 't');
      expect(xs.map(() => r.uvarint())).toEqual(xs);
      expect(r.done).toBe(true);
    },
  );

  test.prop([fc.array(fc.oneof(fc.integer({ min: -200, max: 200 }), fc.maxSafeInteger()))])(
    'svarint round-trips every safe integer',
    (xs) => {
      const w = new ByteWriter(4);
      for (const x of xs) w.svarint(x);
      const r = new ByteReader(w.bytes(), 't');
      expect(xs.map(() => r.svarint())).toEqual(xs.map((x) => (Object.is(x, -0) ? 0 : x)));
    },
  );

  it('uses one byte for small values and never encodes a number as the escape byte', () => {
    const w = new ByteWriter();
    for (let x = -63; x <= 63; x++) w.svarint(x);
    const b = w.bytes();
    expect(b.length).toBe(127);
    expect(Array.from(b)).not.toContain(0x01);
  });

  it('rejects a varint running off the end or longer than 8 bytes with LOG_CORRUPT and the offset', () => {
    const cut = new ByteReader(Uint8Array.from([0x80, 0x80]), 'chunk 3');
    expect(() => cut.uvarint()).toThrow(/chunk 3 byte 0.*middle of a varint/);
    const long = new ByteReader(new Uint8Array(12).fill(0xff), 'c');
    try {
      long.svarint();
      expect.unreachable();
    } catch (e) {
      expect(isSimError(e) && e.code).toBe('LOG_CORRUPT');
    }
  });
});

describe('a bad multi-byte varint, read by either kind', () => {
  const problem = (bytes: number[], kind: 'uvarint' | 'svarint'): string => {
    const r = new ByteReader(Uint8Array.from([0x02, ...bytes]), 'col');
    r[kind]();
    try {
      r[kind]();
      return 'ok';
    } catch (e) {
      return isSimError(e) ? `${e.code} ${e.message}` : String(e);
    }
  };
  it.each(['uvarint', 'svarint'] as const)(
    '%s: cut, over-long and beyond 2^53, named at the varint’s first byte',
    (kind) => {
      expect(problem([0x81, 0x80], kind)).toBe(
        'LOG_CORRUPT col byte 1: column ends in the middle of a varint',
      );
      expect(problem(new Array<number>(9).fill(0x81), kind)).toBe(
        'LOG_CORRUPT col byte 1: varint longer than 8 bytes',
      );
      expect(problem([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f], kind)).toBe(
        'LOG_CORRUPT col byte 1: integer beyond 2^53',
      );
      expect(problem([0x80 | 0x04, 0x01], kind)).toBe('ok');
    },
  );
});
