import type { MutableSimState } from '../state/types.js';
import { stateHash } from '../state/hash.js';
import { SimError } from '../errors.js';

/**
 * A state checkpoint record (kind 4): `{ at, hash, state }` = the state after the first `at`
 * events, as plain MessagePack maps and arrays in the state's own key order, and its
 * `stateHash`. Readers seek from the nearest checkpoint instead of folding from event 0.
 */
export interface CheckpointPayload {
  readonly at: number;
  readonly hash: string;
  readonly state: MutableSimState;
}

const MAX_DEPTH = 24;
const MAX_NODES = 4_000_000;

/**
 * Check a decoded checkpoint (untrusted): plain data only, within depth and size bounds, with
 * the shape of `template` (today's initial state of the log's scenario: same keys in the same
 * order; array elements shaped like the template's first element where it has one), and a
 * hash that matches the state. Returns the state, which the caller owns.
 */
export function checkCheckpoint(raw: unknown, template: unknown, where: string): CheckpointPayload {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    throw new SimError('LOG_CORRUPT', 'checkpoint is not a map', where);
  const r = raw as Record<string, unknown>;
  const { at, hash, state } = r;
  if (typeof at !== 'number' || !Number.isSafeInteger(at) || at < 0)
    throw new SimError('LOG_CORRUPT', 'checkpoint.at must be a non-negative integer', where);
  if (typeof hash !== 'string' || !/^[0-9a-f]{16}$/.test(hash))
    throw new SimError('LOG_CORRUPT', 'checkpoint.hash must be 16 hex digits', where);
  let nodes = 0;
  const walk = (v: unknown, t: unknown, path: string, depth: number): void => {
    if (++nodes > MAX_NODES)
      throw new SimError('LOG_CORRUPT', 'checkpoint state is too large', where);
    if (depth > MAX_DEPTH)
      throw new SimError(
        'LOG_CORRUPT',
        `checkpoint state nests deeper than ${MAX_DEPTH}`,
        `${where} state${path}`,
      );
    const bad = (what: string): never => {
      throw new SimError('LOG_CORRUPT', `checkpoint state${path}: ${what}`, where);
    };
    if (typeof v === 'number') {
      if (!Number.isFinite(v)) bad('expected a finite number');
      if (t !== undefined && typeof t !== 'number') bad(`expected ${typeof t}, found a number`);
    } else if (typeof v === 'string') {
      if (v.length > 200) bad('string longer than 200');
      if (t !== undefined && typeof t !== 'string') bad(`expected ${typeof t}, found a string`);
    } else if (typeof v === 'boolean' || v === null) {
      if (t !== undefined && typeof t !== typeof v) bad(`expected ${typeof t}, found ${String(v)}`);
    } else if (Array.isArray(v)) {
      if (t !== undefined && !Array.isArray(t)) bad('unexpected array');
      const et = Array.isArray(t) ? (t[0] as unknown) : undefined;
      for (let i = 0; i < v.length; i++) walk(v[i], et, `${path}[${i}]`, depth + 1);
    } else if (typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype) {
      if (t !== undefined && (typeof t !== 'object' || t === null || Array.isArray(t)))
        bad('unexpected map');
      const keys = Object.keys(v);
      if (t !== undefined) {
        const tk = Object.keys(t as object);
        if (keys.length !== tk.length || keys.some((k, i) => k !== tk[i]))
          bad(`expected keys ${tk.join(',')}, found ${keys.join(',').slice(0, 80)}`);
      }
      for (const k of keys)
        walk(
          (v as Record<string, unknown>)[k],
          t === undefined ? undefined : (t as Record<string, unknown>)[k],
          `${path}.${k}`,
          depth + 1,
        );
    } else bad(`unexpected ${typeof v}`);
  };
  walk(state, template, '', 0);
  const s = state as MutableSimState;
  const actual = stateHash(s);
  if (actual !== hash)
    throw new SimError(
      'LOG_CORRUPT',
      `checkpoint at event ${at}: state hashes to ${actual}, recorded ${hash}`,
      where,
    );
  return { at, hash, state: s };
}
