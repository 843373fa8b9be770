import type { UserOp } from '../scenario/types.js';
import { opText, type ConformOp } from './ops.js';
import type { ObservedFault, OpSide } from './observe.js';

/** One row of the per-op table. */
export interface ConformRow {
  readonly g: number;
  readonly thread: number;
  readonly op: UserOp;
  readonly text: string;
  readonly ptesim: string;
  readonly kernel: string;
  readonly agree: boolean;
}

/** x86 error-code style: `W|P` bits of a fault at `vpn`. */
function faultText(f: ObservedFault): string {
  return `fault vpn ${f.vpn} ${f.write ? 'W' : 'R'}${f.present ? '|P' : ''}`;
}

/** What an op did in one line: its faults, then `flush` when it flushed. */
export function sideText(s: OpSide): string {
  const parts = s.faults.map(faultText);
  if (s.flushes > 0) parts.push(s.flushes > 1 ? `flush x${s.flushes}` : 'flush');
  return parts.length > 0 ? parts.join(', ') : '-';
}

/**
 * C-2 (docs/rules/conformance.md): an op agrees when both sides saw the same faults in the same
 * order — page, write bit, present bit — and both flushed or neither did (the number of flushes
 * is printed, not compared: the kernel may batch or split what the model does as one).
 */
export function agreeOp(model: OpSide, kernel: OpSide): boolean {
  if (model.faults.length !== kernel.faults.length) return false;
  for (let i = 0; i < model.faults.length; i++) {
    const a = model.faults[i] as ObservedFault;
    const b = kernel.faults[i] as ObservedFault;
    if (a.vpn !== b.vpn || a.write !== b.write || a.present !== b.present) return false;
  }
  return model.flushes > 0 === kernel.flushes > 0;
}

export function compareSides(
  ops: readonly ConformOp[],
  model: readonly OpSide[],
  kernel: readonly OpSide[],
): ConformRow[] {
  return ops.map((op, i) => {
    const m = model[i] as OpSide;
    const k = kernel[i] as OpSide;
    return {
      g: op.g,
      thread: op.tid,
      op: op.op,
      text: opText(op.op),
      ptesim: sideText(m),
      kernel: sideText(k),
      agree: agreeOp(m, k),
    };
  });
}
