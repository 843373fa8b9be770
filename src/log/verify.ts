import { stateHash } from '../state/hash.js';
import { isSimError } from '../errors.js';
import type { LogReader } from './logReader.js';

export interface VerifyReport {
  /** True when every record, checkpoint and the final hash check out. */
  readonly ok: boolean;
  readonly events: number;
  readonly chunks: number;
  /** Checkpoints whose hash was compared with the re-folded state. */
  readonly checkpointsChecked: number;
  /** The hash of the re-folded state after the last readable event. */
  readonly finalStateHash: string;
  /** The footer's final hash, or null (log cut short). */
  readonly recordedHash: string | null;
  /** First problem found (verification stops there), with its location. */
  readonly problem: string | null;
}

/**
 * `ptesim log verify`: walk every record and compare with the footer's index, decode every chunk (which checks every CRC and every event against the
 * field table), fold from the initial state with the recipes, and at each checkpoint compare
 * the fold's hash with the recorded one (and the recorded state with its own hash); at the end
 * compare with the footer's final hash. Streams: memory is one chunk plus one state.
 */
export function verifyLog(reader: LogReader): VerifyReport {
  const state = reader.initialState();
  let done = 0;
  let checked = 0;
  let problem: string | null = null;
  try {
    problem = reader.structureProblem();
    let from = 0;
    for (let k = 0; k <= reader.checkpoints.length && problem === null; k++) {
      const cp = reader.checkpoints[k];
      const to = cp ? cp.at : reader.length;
      reader.foldInto(state, from, to);
      done = to;
      from = to;
      if (cp) {
        const recorded = reader.checkpointState(k);
        const mine = stateHash(state);
        const theirs = stateHash(recorded);
        if (mine !== theirs)
          problem = `checkpoint ${k} at event ${cp.at} (byte ${cp.offset}): recorded state hash ${theirs}, re-folded ${mine}`;
        checked++;
      }
    }
  } catch (e) {
    if (!isSimError(e)) throw e;
    problem = e.message;
  }
  const finalStateHash = stateHash(state);
  const recordedHash = reader.footer ? reader.footer.finalStateHash : null;
  if (problem === null && recordedHash !== null && recordedHash !== finalStateHash)
    problem = `footer records final state hash ${recordedHash}, re-folded ${finalStateHash}`;
  if (problem === null && reader.truncated)
    problem = `log cut short: ${reader.truncated.eventsSurvived} events survived${reader.truncated.atByte !== null ? ` (valid prefix ends at byte ${reader.truncated.atByte})` : ''}`;
  return {
    ok: problem === null,
    events: done,
    chunks: reader.chunks.length,
    checkpointsChecked: checked,
    finalStateHash,
    recordedHash,
    problem,
  };
}
