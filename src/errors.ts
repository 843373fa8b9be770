/**
 * One error type for everything a user can get wrong: bad scenarios, bad flags, bad logs.
 * The message says what was expected, what was found and where; `code` lets callers tell
 * them apart without parsing text. A broken model invariant is not the user's fault: it is a
 * {@link ModelInvariantError}, reported as an internal error, never as bad input.
 */
export type SimErrorCode =
  | 'SCENARIO_INVALID'
  | 'SCENARIO_NOT_FOUND'
  | 'ARCH_UNKNOWN'
  | 'VARIANT_UNKNOWN'
  | 'BAD_ARGUMENT'
  | 'SCHEDULE_INVALID'
  | 'TRACE_INVALID'
  | 'LOG_BAD_MAGIC'
  | 'LOG_TRUNCATED'
  | 'LOG_CORRUPT'
  | 'LOG_SCHEMA_TOO_NEW'
  | 'LOG_IO'
  | 'REPLAY_DIVERGED'
  | 'LOG_LAYOUT';

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

/**
 * A model invariant does not hold: a step machine at a pc it does not have, a thread of the
 * wrong kind, an index out of range, a state part the explorer does not know. Always a bug in
 * ptesim (or in a change to it), never bad input: the CLI reports it as an internal error with
 * its own exit code, and the stack only with `--debug`.
 */
export class ModelInvariantError extends Error {
  override readonly name = 'ModelInvariantError';
}

export function isModelInvariantError(e: unknown): e is ModelInvariantError {
  return e instanceof ModelInvariantError;
}

/** Throw a {@link ModelInvariantError} with `message` unless `cond` holds. */
export function invariant(cond: unknown, message: string): asserts cond {
  if (!cond) throw new ModelInvariantError(message);
}

/** `value!` with the reason spelled out; throws a {@link ModelInvariantError} when it is wrong. */
export function nullThrows<T>(value: T | null | undefined, reason: string): T {
  if (value === null || value === undefined) throw new ModelInvariantError(reason);
  return value;
}

/** Index an array where the index is known to be in range (the proof is the caller's). */
export function at<T>(arr: readonly T[], i: number): T {
  const v = arr[i];
  if (v === undefined)
    throw new ModelInvariantError(`index ${i} out of range (length ${arr.length})`);
  return v;
}

export function assertNever(x: never): never {
  throw new ModelInvariantError(`unexpected value ${JSON.stringify(x)}`);
}

/** The element of `items` named `name` (by `nameOf`), or a `code` error listing the names. */
export function findNamed<T>(
  items: readonly T[],
  nameOf: (x: T) => string,
  name: string,
  code: SimErrorCode,
  what: string,
): T {
  const found = items.find((x) => nameOf(x) === name);
  if (found === undefined)
    throw new SimError(
      code,
      `unknown ${what} '${name}'; expected one of: ${items.map(nameOf).join(', ')}`,
    );
  return found;
}
