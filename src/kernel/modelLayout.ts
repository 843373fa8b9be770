import { STEP_MACHINES } from './programs.js';

/**
 * The model layout version: which numbers the step machines' declared locals and labels
 * (src/kernel/machine.ts) have. Logs record pcs and slots as numbers (`thread/goto`,
 * `thread/set`, `thread/call` locals), so the log header records this version and a reader
 * refuses a log of another layout in one line instead of misreplaying it.
 *
 * Bump it whenever {@link modelLayoutSignature} changes (a test holds the signature of the
 * current version), and re-record logs/. Logs written before the header had the field were
 * written with layout 1.
 */
export const MODEL_LAYOUT_VERSION = 1;

/**
 * Every machine's name, locals and labels with their numbers, in one line each: the thing the
 * layout version stands for.
 */
export function modelLayoutSignature(): string {
  return [...STEP_MACHINES]
    .map((m) => m.layout)
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .map(
      (l) =>
        `${l.name}(${l.locals.join(',')}) ${l.labelAt
          .map((label, pc) => (label === undefined ? null : `${pc}:${label}`))
          .filter((x) => x !== null)
          .join(' ')}`,
    )
    .join('\n');
}
