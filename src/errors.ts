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
  if (found === undefined) {
    const names = items.map(nameOf);
    const near = didYouMean(name, names);
    throw new SimError(
      code,
      `unknown ${what} '${name}'${near ? ` (did you mean '${near}'?)` : ''}; expected one of: ${names.join(', ')}`,
    );
  }
  return found;
}

/**
 * The known name closest to `name` (case, `_` for `-`, or at most a third of its letters
 * edited), or null when none is near enough to suggest.
 */
export function didYouMean(name: string, names: readonly string[]): string | null {
  const norm = (x: string): string => x.toLowerCase().replaceAll('_', '-');
  let best: string | null = null;
  let bestD = Math.max(1, Math.floor(name.length / 3)) + 1;
  for (const n of names) {
    const d = norm(n) === norm(name) ? 0 : editDistance(norm(name), norm(n));
    if (d < bestD) {
      best = n;
      bestD = d;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 8 || a.length > 64 || b.length > 64) return 99;
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++)
      cur[j] = Math.min(
        (prev[j] as number) + 1,
        (cur[j - 1] as number) + 1,
        (prev[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    prev = cur;
  }
  return prev[b.length] as number;
}
