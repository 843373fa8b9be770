import { SimError } from '../errors.js';
import type { Scenario, UserOp } from '../scenario/types.js';

/** Prefix of every trace_marker line the conformance program writes. */
export const MARK = 'ptesim-conform';

/** One user operation of a conformance run: global index `g`, thread `tid`, op index `k`. */
export interface ConformOp {
  readonly g: number;
  readonly tid: number;
  readonly k: number;
  readonly op: UserOp;
}

/** A short text of one op, as the per-op table prints it. */
export function opText(op: UserOp): string {
  if ('vpn' in op) return `${op.op} vpn ${op.vpn}`;
  if (op.op === 'mprotect') return `mprotect vma ${op.vma} ${op.prot === 'read' ? 'RO' : 'RW'}`;
  return `${op.op} vma ${op.vma}`;
}

/**
 * The operations a conformance run executes, in their one global order: round-robin over the
 * user threads (op 0 of every thread in thread order, then op 1, ...), each op running alone.
 * Only what has a user-space equivalent is accepted: user threads of mm 0 with scripted ops.
 * Anything else is bad input naming the thread (SCENARIO_INVALID → exit 2).
 */
export function conformOps(scenario: Scenario): ConformOp[] {
  const where = scenario.name;
  if (scenario.mms.length !== 1)
    throw new SimError(
      'SCENARIO_INVALID',
      `conform runs one address space (mms: ${scenario.mms.length})`,
      where,
    );
  scenario.mms[0]?.vmas.forEach((v, i) => {
    if (
      v.flags.includes('pfnmap') ||
      v.flags.includes('io') ||
      v.flags.includes('mixedmap') ||
      v.flags.includes('hugetlb')
    )
      throw new SimError(
        'SCENARIO_INVALID',
        `mms[0].vmas[${i}]: conform maps a regular file (page-backed, no pfnmap/io/mixedmap/hugetlb)`,
        where,
      );
    if (!v.flags.includes('shared'))
      throw new SimError(
        'SCENARIO_INVALID',
        `mms[0].vmas[${i}]: conform maps MAP_SHARED only`,
        where,
      );
  });
  if (scenario.secondaryMmus.length > 0)
    throw new SimError('SCENARIO_INVALID', 'secondaryMmus: no user-space equivalent', where);
  const ops: ConformOp[] = [];
  const threads = scenario.threads;
  threads.forEach((t, tid) => {
    if (t.kind !== 'user')
      throw new SimError(
        'SCENARIO_INVALID',
        `threads[${tid}] (${t.name}): kind ${t.kind} has no user-space equivalent`,
        where,
      );
    if (t.writes > 0)
      throw new SimError(
        'SCENARIO_INVALID',
        `threads[${tid}] (${t.name}): writes to a page chosen by the model have no fixed user-space equivalent; script them as ops`,
        where,
      );
  });
  if (threads.length === 0) throw new SimError('SCENARIO_INVALID', 'no user thread', where);
  const longest = Math.max(...threads.map((t) => (t.kind === 'user' ? t.ops.length : 0)));
  for (let k = 0; k < longest; k++)
    threads.forEach((t, tid) => {
      if (t.kind !== 'user') return;
      const op = t.ops[k];
      if (op) ops.push({ g: ops.length, tid, k, op });
    });
  return ops;
}
