import { deflateRawSync, inflateRawSync } from 'node:zlib';
import type { SimEvent } from '../events/index.js';
import { validateEvent } from '../events/schema.js';
import { SimError } from '../errors.js';
import { ByteReader, ByteWriter } from './bytes.js';
import { KIND_ENUM, KIND_INT, KIND_STR, type Decoder, type Encoder } from './eventTable.js';
import { compileEncoder, type CompiledEncoder } from './compiledChunk.js';
import { migrateRawEvent } from './migrate.js';

/**
 * One chunk of events in the columnar layout of format 2 (docs/log-format.md §Chunk):
 *
 *   { first, n, z, types: bin, data: bin, strs: [string] }
 *
 * `types` holds one uvarint per event: its code in the header's type table. `data` holds the
 * fields of every event in event order and table field order: 'int' as an svarint delta from
 * the previous value of the same (type, field) in this chunk (deltas start from 0), or the
 * escape byte 0x01 and the absolute value when the delta is not a safe integer; 'str' as a
 * uvarint index into `strs` (this chunk's dictionary); an enum as a uvarint index into the
 * enum's list in the header; 'ints' as a uvarint count then svarints. With `z: 1`, `types`
 * and `data` are each raw-DEFLATE compressed (RFC 1951). Chunks are self-contained: a reader
 * can start at any chunk.
 */
export interface ChunkPayload {
  readonly first: number;
  readonly n: number;
  readonly z: 0 | 1;
  readonly types: Uint8Array;
  readonly data: Uint8Array;
  readonly strs: readonly string[];
}

/** Max events in one chunk a reader accepts (bounds allocation from a hostile `n`). */
export const MAX_CHUNK_EVENTS = 1 << 20;
/** Max decompressed bytes of one column. */
const MAX_COLUMN_BYTES = 64 * 1024 * 1024;

export class ChunkEncoder {
  private readonly types = new ByteWriter(1 << 14);
  private readonly data = new ByteWriter(1 << 16);
  private strs: string[] = [];
  private strIndex = new Map<string, number>();
  private readonly prev: Float64Array;
  private readonly compiled: CompiledEncoder;
  n = 0;
  constructor(
    enc: Encoder,
    private readonly compress: boolean,
  ) {
    this.prev = new Float64Array(enc.slots);
    this.compiled = compileEncoder(enc);
  }
  add(e: SimEvent): void {
    this.compiled(e, this.types, this.data, this.prev, this.str);
    this.n++;
  }
  private readonly str = (s: string): number => {
    let i = this.strIndex.get(s);
    if (i === undefined) {
      i = this.strs.length;
      this.strs.push(s);
      this.strIndex.set(s, i);
    }
    return i;
  };
  /** The chunk's payload; the encoder starts a fresh chunk. */
  finish(first: number): ChunkPayload {
    const types = this.types.bytes();
    const data = this.data.bytes();
    const out: ChunkPayload = {
      first,
      n: this.n,
      z: this.compress ? 1 : 0,
      types: this.compress ? deflateRawSync(types, { level: 1 }) : types,
      data: this.compress ? deflateRawSync(data, { level: 1 }) : data,
      strs: this.strs,
    };
    this.types.reset();
    this.data.reset();
    this.strs = [];
    this.strIndex = new Map();
    this.prev.fill(0);
    this.n = 0;
    return out;
  }
}

const isBytes = (x: unknown): x is Uint8Array => x instanceof Uint8Array;

/** Check the shape of a decoded chunk map (untrusted). */
export function checkChunk(p: unknown, where: string): ChunkPayload {
  if (typeof p !== 'object' || p === null || Array.isArray(p))
    throw new SimError('LOG_CORRUPT', 'chunk is not a map', where);
  const r = p as Record<string, unknown>;
  const { first, n, z, types, data, strs } = r;
  if (typeof first !== 'number' || !Number.isSafeInteger(first) || first < 0)
    throw new SimError('LOG_CORRUPT', 'chunk.first must be a non-negative integer', where);
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 1 || n > MAX_CHUNK_EVENTS)
    throw new SimError('LOG_CORRUPT', `chunk.n must be 1..${MAX_CHUNK_EVENTS}`, where);
  if (z !== 0 && z !== 1) throw new SimError('LOG_CORRUPT', 'chunk.z must be 0 or 1', where);
  if (!isBytes(types) || !isBytes(data))
    throw new SimError('LOG_CORRUPT', 'chunk.types and chunk.data must be bin', where);
  if (
    !Array.isArray(strs) ||
    strs.length > n ||
    !strs.every((s) => typeof s === 'string' && s.length <= 200)
  )
    throw new SimError(
      'LOG_CORRUPT',
      'chunk.strs must be at most n strings of at most 200 characters',
      where,
    );
  return { first, n, z, types, data, strs: strs as string[] };
}

function inflate(b: Uint8Array, where: string, column: string): Uint8Array {
  try {
    return inflateRawSync(b, { maxOutputLength: MAX_COLUMN_BYTES });
  } catch (e) {
    throw new SimError(
      'LOG_CORRUPT',
      `chunk.${column} does not inflate: ${(e as Error).message}`,
      where,
    );
  }
}

/**
 * Decode a checked chunk into fresh event objects, validated as `validateEvent` would (the
 * fast path builds objects only from today's field names, so no key from the log survives).
 * `schema` is the header's event schema; older ones go through the migrations.
 */
export function decodeChunk(
  c: ChunkPayload,
  dec: Decoder,
  schema: number,
  where: string,
): SimEvent[] {
  const out: SimEvent[] = [];
  visitChunk(c, dec, schema, where, false, (e) => out.push(e));
  return out;
}

/**
 * Call `visit` with every event of the chunk, in order. With `reuse`, events of the fast path
 * are one scratch object per type, overwritten by the next event of that type: `visit` must
 * not keep them, nor their arrays (the compiled visitor refills `thread/call`'s `l` in place;
 * the recipes of src/evolve copy what they store; the bulk fold relies on it and a test checks
 * it against fresh objects).
 */
export function visitChunk(
  c: ChunkPayload,
  dec: Decoder,
  schema: number,
  where: string,
  reuse: boolean,
  visit: (e: SimEvent, i: number) => void,
): void {
  const types = new ByteReader(
    c.z ? inflate(c.types, where, 'types') : c.types,
    `${where} chunk.types`,
  );
  const data = new ByteReader(c.z ? inflate(c.data, where, 'data') : c.data, `${where} chunk.data`);
  const prev = new Float64Array(dec.slots);
  const v: unknown[] = new Array<unknown>(dec.maxFields).fill(0);
  const plans = dec.plans;
  const scratch: (SimEvent | undefined)[] = reuse
    ? new Array<SimEvent | undefined>(plans.length).fill(undefined)
    : [];
  const strs = c.strs;
  for (let i = 0; i < c.n; i++) {
    const code = types.uvarint();
    const plan =
      plans[code] ??
      types.fail(`event ${c.first + i}: type code ${code} is not in the header's table`);
    const kinds = plan.kinds;
    for (let f = 0; f < kinds.length; f++) {
      switch (kinds[f]) {
        case KIND_INT: {
          const s = plan.slot + f;
          let x = data.svarint();
          x = x !== x ? data.svarint() : x + (prev[s] as number);
          if (!Number.isSafeInteger(x))
            data.fail(`event ${c.first + i}: ${plan.type}.${plan.names[f]} is not a safe integer`);
          prev[s] = x;
          v[f] = x;
          break;
        }
        case KIND_STR: {
          const k = data.uvarint();
          if (k >= strs.length)
            data.fail(`event ${c.first + i}: string index ${k} beyond chunk.strs (${strs.length})`);
          v[f] = strs[k];
          break;
        }
        case KIND_ENUM: {
          const k = data.uvarint();
          const s = (plan.enums[f] as readonly (string | null)[])[k];
          if (s === undefined || s === null)
            data.fail(
              `event ${c.first + i}: ${plan.type}.${plan.names[f]} has no value ${k} known to this ptesim`,
            );
          v[f] = s;
          break;
        }
        default: {
          const len = data.uvarint();
          if (len > 64)
            data.fail(
              `event ${c.first + i}: ${plan.type}.${plan.names[f]} has ${len} integers (limit 64)`,
            );
          const a = new Array<number>(len);
          for (let j = 0; j < len; j++) {
            const x = data.svarint();
            if (x !== x) data.fail(`event ${c.first + i}: escape byte inside an integer array`);
            a[j] = x;
          }
          v[f] = a;
        }
      }
    }
    let e: SimEvent;
    if (plan.make === null)
      e = slowEvent(
        plan.type,
        plan.names,
        v,
        schema,
        `${where} event ${c.first + i}`,
        plan.slowReason,
      );
    else if (!reuse) e = plan.make(plan.type, v);
    else {
      const o = scratch[code];
      if (o === undefined) e = scratch[code] = plan.make(plan.type, v);
      else {
        (plan.fill as (o: SimEvent, v: unknown[]) => void)(o, v);
        e = o;
      }
    }
    visit(e, c.first + i);
  }
  if (!types.done) types.fail(`chunk.types holds more than n = ${c.n} events`);
  if (!data.done) data.fail(`chunk.data has bytes left after ${c.n} events`);
}

function slowEvent(
  type: string,
  names: readonly string[],
  v: readonly unknown[],
  schema: number,
  where: string,
  why: string | null,
): SimEvent {
  const raw: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
  raw['type'] = type;
  names.forEach((n, i) => {
    if (n !== 'type') raw[n] = v[i];
  });
  const r = validateEvent(migrateRawEvent(schema, raw, where));
  if (!r.ok) throw new SimError('LOG_CORRUPT', `${r.message}${why ? ` (${why})` : ''}`, where);
  return r.event;
}
