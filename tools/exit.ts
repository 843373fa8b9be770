import { isSimError } from '../src/index.js';

/**
 * Exit codes, one table for every command (README "Exit codes"):
 * - 0 ok: the run finished, the property holds, the logs agree, the log verifies;
 * - 1 violated or differs: a property failed, a difference or mismatch was found;
 * - 2 bad input: usage, scenario, log, output path (one line naming what and where);
 * - 3 inconclusive: a search or check stopped before it could decide (state or time budget,
 *   Ctrl-C, random search finding nothing, bisect cannot tell);
 * - 4 internal error: a bug in ptesim (a model invariant broke, an unexpected exception).
 */
export const EXIT = { ok: 0, violated: 1, badInput: 2, inconclusive: 3, internal: 4 } as const;

/**
 * The exit code for an error that ended a command: a SimError is the input's fault (2);
 * anything else, a ModelInvariantError included, is a bug in ptesim (4).
 */
export function exitCodeOf(e: unknown): number {
  return isSimError(e) ? EXIT.badInput : EXIT.internal;
}
