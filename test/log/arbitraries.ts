// Event arbitraries for the log tests, generated from EVENT_FIELDS so new rows are covered
// without edits. (They live here rather than test/arbitraries/ because the log area owns
// only test/log/; move them when another area needs them.)
import fc from 'fast-check';
import { EVENT_FIELDS, type SimEvent } from '../../src/index.js';
import type { FieldKind } from '../../src/events/schema.js';

const int = fc.oneof(
  { weight: 8, arbitrary: fc.integer({ min: -70, max: 300 }) },
  { weight: 2, arbitrary: fc.integer() },
  { weight: 1, arbitrary: fc.maxSafeInteger() },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      Number.MAX_SAFE_INTEGER,
      -Number.MAX_SAFE_INTEGER,
      2 ** 31,
      -(2 ** 31),
      63,
      64,
      -64,
    ),
  },
);

function fieldArb(kind: FieldKind): fc.Arbitrary<unknown> {
  if (kind === 'int') return int;
  if (kind === 'str')
    return fc.oneof(
      fc.constantFrom('X86-W3', 'ptep_modify_prot_start', '__proto__', ''),
      fc.string({ maxLength: 30 }),
    );
  if (kind === 'ints') return fc.array(int, { maxLength: 20 });
  return fc.constantFrom(...kind);
}

/** Any well-formed event of any type in EVENT_FIELDS, fields in table order. */
export const anyEvent: fc.Arbitrary<SimEvent> = fc.oneof(
  ...Object.entries(EVENT_FIELDS).map(([type, fields]) =>
    fc.tuple(...Object.values(fields).map(fieldArb)).map((vals) => {
      const e: Record<string, unknown> = { type };
      Object.keys(fields).forEach((n, i) => {
        e[n] = vals[i];
      });
      return e as unknown as SimEvent;
    }),
  ),
);

export const anyEvents = (maxLength = 300): fc.Arbitrary<SimEvent[]> =>
  fc.array(anyEvent, { maxLength });
