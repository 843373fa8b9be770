import type { SimEvent, SimEventType } from '../events/index.js';
import { EVENT_FIELDS, type FieldKind } from '../events/schema.js';
import { ModelInvariantError, SimError } from '../errors.js';

/**
 * The event type table a log carries in its header: `[[type, [[field, kind], ...]], ...]`, in
 * type-code order. Written from EVENT_FIELDS at record time, so a new row of EVENT_FIELDS just
 * works, and a reader decodes a chunk with the table the writer used, not with its own.
 */
export type TypeTable = readonly (readonly [string, readonly (readonly [string, FieldKind])[]])[];

export const KIND_INT = 0;
export const KIND_STR = 1;
export const KIND_INTS = 2;
export const KIND_ENUM = 3;

/** The table of today's EVENT_FIELDS. */
export function currentTypeTable(): TypeTable {
  return Object.entries(EVENT_FIELDS).map(
    ([type, fields]) => [type, Object.entries(fields)] as const,
  );
}

const kindCode = (k: FieldKind): number =>
  k === 'int' ? KIND_INT : k === 'str' ? KIND_STR : k === 'ints' ? KIND_INTS : KIND_ENUM;

/** Per type code: its fields in table order, for the encoder. */
export interface EncodePlan {
  readonly code: number;
  readonly names: readonly string[];
  readonly kinds: readonly number[];
  /** Enum value → index, per field (undefined for non-enums). */
  readonly enums: readonly (ReadonlyMap<string, number> | undefined)[];
  /** First delta slot of this type (one slot per field). */
  readonly slot: number;
}

export interface Encoder {
  readonly byType: ReadonlyMap<string, EncodePlan>;
  readonly slots: number;
}

export function encoderFor(table: TypeTable): Encoder {
  const byType = new Map<string, EncodePlan>();
  let slot = 0;
  table.forEach(([type, fields], code) => {
    byType.set(type, {
      code,
      names: fields.map(([n]) => n),
      kinds: fields.map(([, k]) => kindCode(k)),
      enums: fields.map(([, k]) =>
        typeof k === 'string' ? undefined : new Map(k.map((v, i) => [v, i])),
      ),
      slot,
    });
    slot += fields.length;
  });
  return { byType, slots: slot };
}

/** Per type code of a log: how to read its fields and build today's event object. */
export interface DecodePlan {
  readonly type: string;
  readonly kinds: Uint8Array;
  /** Per field: enum index → value, or null where today's enum lacks that value. */
  readonly enums: readonly (readonly (string | null)[] | undefined)[];
  readonly slot: number;
  /** Builds today's event from the values in log field order (fast path), or null. */
  readonly make: ((type: string, v: unknown[]) => SimEvent) | null;
  /** Overwrites the fields of an event made by `make` (scratch objects of the bulk fold). */
  readonly fill: ((o: SimEvent, v: unknown[]) => void) | null;
  readonly names: readonly string[];
  /** Why the fast path is off for this type (e.g. unknown type, different fields). */
  readonly slowReason: string | null;
}

export interface Decoder {
  readonly plans: readonly DecodePlan[];
  readonly slots: number;
  readonly maxFields: number;
}

const IDENT = /^[A-Za-z_$][A-Za-z0-9_$]*$/;
const compiled = new Map<string, unknown>();

/**
 * A function generated once per (event type, field order) from EVENT_FIELDS (our source, never
 * from log bytes): `body` gets the type's field names (checked to be identifiers, and
 * JSON-quoted by the bodies) and `order` (where each field sits in the decoded values `v`).
 */
function generated<F>(
  kind: string,
  type: SimEventType,
  order: readonly number[],
  params: readonly string[],
  body: (names: readonly string[], order: readonly number[]) => string,
): F {
  const key = `${kind}|${type}|${order.join(',')}`;
  const hit = compiled.get(key);
  if (hit) return hit as F;
  const names = Object.keys(EVENT_FIELDS[type]);
  for (const n of names)
    if (!IDENT.test(n))
      throw new ModelInvariantError(`EVENT_FIELDS ${type}.${n} is not an identifier`);
  const fn = new Function(...params, body(names, order)) as F;
  compiled.set(key, fn);
  return fn;
}

/**
 * An object-literal builder for one event type, so every decoded event of a type shares one
 * hidden class with its fields in EVENT_FIELDS order (the order the kernel step machines use,
 * so JSON of a decoded event equals JSON of the recorded one).
 */
function makerFor(
  type: SimEventType,
  order: readonly number[],
): (type: string, v: unknown[]) => SimEvent {
  return generated('make', type, order, ['t', 'v'], (names, at) => {
    const fields = names.map((n, i) => `${JSON.stringify(n)}: v[${at[i] as number}]`);
    return `return { type: t, ${fields.join(', ')} };`;
  });
}

function sameKind(a: FieldKind, b: FieldKind): boolean {
  return typeof a === 'string' || typeof b === 'string' ? a === b : true;
}

/** The `fill` twin of `makerFor`: assigns the fields of an existing object in place. */
function fillerFor(
  type: SimEventType,
  order: readonly number[],
): (o: SimEvent, v: unknown[]) => void {
  return generated('fill', type, order, ['o', 'v'], (names, at) =>
    names.map((n, i) => `o[${JSON.stringify(n)}] = v[${at[i] as number}];`).join(' '),
  );
}

/**
 * Check a log's table (untrusted) and plan its decoding against today's EVENT_FIELDS. A type
 * unknown today, or with other fields, decodes to a raw object that goes through migration
 * and validation (slow path); `fast` is false when the schema differs, which forces that path.
 */
export function decoderFor(raw: unknown, where: string, fast: boolean): Decoder {
  if (!Array.isArray(raw) || raw.length > 4096)
    throw new SimError('LOG_CORRUPT', 'header.types must be an array of at most 4096 types', where);
  const plans: DecodePlan[] = [];
  let slot = 0;
  let maxFields = 0;
  raw.forEach((row: unknown, code) => {
    const at = `${where} header.types[${code}]`;
    if (
      !Array.isArray(row) ||
      row.length !== 2 ||
      typeof row[0] !== 'string' ||
      !Array.isArray(row[1]) ||
      row[1].length > 64
    )
      throw new SimError(
        'LOG_CORRUPT',
        'expected [type, [[field, kind], ...]] with at most 64 fields',
        at,
      );
    const type = row[0];
    const fields = row[1] as unknown[];
    const names: string[] = [];
    const kinds = new Uint8Array(fields.length);
    const enums: ((string | null)[] | undefined)[] = [];
    fields.forEach((f, i) => {
      if (!Array.isArray(f) || f.length !== 2 || typeof f[0] !== 'string' || f[0].length > 64)
        throw new SimError('LOG_CORRUPT', `field ${i}: expected [name, kind]`, at);
      const k: unknown = f[1];
      names.push(f[0]);
      if (k === 'int' || k === 'str' || k === 'ints') {
        kinds[i] = kindCode(k);
        enums.push(undefined);
      } else if (
        Array.isArray(k) &&
        k.length <= 256 &&
        k.every((s) => typeof s === 'string' && s.length <= 64)
      ) {
        kinds[i] = KIND_ENUM;
        const today = Object.hasOwn(EVENT_FIELDS, type)
          ? EVENT_FIELDS[type as SimEventType][f[0]]
          : undefined;
        enums.push(
          (k as string[]).map((s) =>
            fast && Array.isArray(today) && !today.includes(s) ? null : s,
          ),
        );
      } else
        throw new SimError(
          'LOG_CORRUPT',
          `field ${i}: unknown kind ${JSON.stringify(k)?.slice(0, 40)}`,
          at,
        );
    });
    let make: DecodePlan['make'] = null;
    let fill: DecodePlan['fill'] = null;
    let slowReason: string | null = fast ? null : 'older event schema';
    if (fast) {
      if (!Object.hasOwn(EVENT_FIELDS, type))
        slowReason = `event type ${JSON.stringify(type).slice(0, 40)} is unknown to this ptesim`;
      else {
        const today = Object.entries(EVENT_FIELDS[type as SimEventType]);
        const order = today.map(([n]) => names.indexOf(n));
        const logKinds = fields.map((f) => (f as [string, FieldKind])[1]);
        const match =
          today.length === names.length &&
          today.every(([, k], i) => {
            const j = order[i] as number;
            return (
              j >= 0 &&
              sameKind(k, logKinds[j] as FieldKind) &&
              kindCode(k) === kindCode(logKinds[j] as FieldKind)
            );
          });
        if (match) {
          make = makerFor(type as SimEventType, order);
          fill = fillerFor(type as SimEventType, order);
        } else slowReason = `fields of ${type} differ from this ptesim's`;
      }
    }
    plans.push({ type, kinds, enums, slot, make, fill, names, slowReason });
    slot += fields.length;
    maxFields = Math.max(maxFields, fields.length);
  });
  return { plans, slots: slot, maxFields };
}
