/**
 * One error type for everything a user can get wrong: bad scenarios, bad flags, bad logs.
 * The message says what was expected, what was found and where; `code` lets callers tell
 * them apart without parsing text. Anything that is not a SimError is a bug in ptesim.
 */
export type SimErrorCode =
  | 'SCENARIO_INVALID'
  | 'SCENARIO_NOT_FOUND'
  | 'ARCH_UNKNOWN'
  | 'VARIANT_UNKNOWN'
  | 'BAD_ARGUMENT'
  | 'SCHEDULE_INVALID'
  | 'LOG_BAD_MAGIC'
  | 'LOG_TRUNCATED'
  | 'LOG_CORRUPT'
  | 'LOG_SCHEMA_TOO_NEW'
  | 'LOG_IO'
  | 'REPLAY_DIVERGED'
  | 'MODEL_INVARIANT';

export class SimError extends Error {
  override readonly name = 'SimError';
  constructor(
    readonly code: SimErrorCode,
    message: string,
    /** Where: a file, an event index, a dotted field path. */
    readonly where?: string,
  ) {
    super(where === undefined ? message : `${where}: ${message}`);
  }
}

export function isSimError(e: unknown): e is SimError {
  return e instanceof SimError;
}

/** `value!` with the reason spelled out; throws a MODEL_INVARIANT error when it is wrong. */
export function nullThrows<T>(value: T | null | undefined, reason: string): T {
  if (value === null || value === undefined) throw new SimError('MODEL_INVARIANT', reason);
  return value;
}

/** Index an array where the index is known to be in range (the proof is the caller's). */
export function at<T>(arr: readonly T[], i: number): T {
  const v = arr[i];
  if (v === undefined)
    throw new SimError('MODEL_INVARIANT', `index ${i} out of range (length ${arr.length})`);
  return v;
}

export function assertNever(x: never): never {
  throw new SimError('MODEL_INVARIANT', `unexpected value ${JSON.stringify(x)}`);
}
