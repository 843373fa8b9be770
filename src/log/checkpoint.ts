import type { MutableSimState } from '../state/types.js';
import { stateHash } from '../state/hash.js';
import { SimError } from '../errors.js';
import type { Scenario } from '../scenario/types.js';
import { checkState } from './stateCheck.js';

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

/**
 * Check a decoded checkpoint (untrusted): `at`, a 16-hex-digit hash, and a state of the
 * scenario's shape (`checkState` against the log's initial state: same parts, keys and array
 * lengths; TLBs, stacks and locals within their bounds) that hashes to the recorded hash.
 * Returns the state, which the caller owns.
 */
export function checkCheckpoint(
  raw: unknown,
  shape: MutableSimState,
  scenario: Scenario,
  where: string,
): CheckpointPayload {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    throw new SimError('LOG_CORRUPT', 'checkpoint is not a map', where);
  const r = raw as Record<string, unknown>;
  const { at, hash, state } = r;
  if (typeof at !== 'number' || !Number.isSafeInteger(at) || at < 0)
    throw new SimError('LOG_CORRUPT', 'checkpoint.at must be a non-negative integer', where);
  if (typeof hash !== 'string' || !/^[0-9a-f]{16}$/.test(hash))
    throw new SimError('LOG_CORRUPT', 'checkpoint.hash must be 16 hex digits', where);
  const s = checkState(state, shape, scenario, where, 'checkpoint state');
  const actual = stateHash(s);
  if (actual !== hash)
    throw new SimError(
      'LOG_CORRUPT',
      `checkpoint at event ${at}: state hashes to ${actual}, recorded ${hash}`,
      where,
    );
  return { at, hash, state: s };
}
