import { SimError } from '../errors.js';
import type { Scenario } from '../scenario/types.js';
import { MARK, type ConformOp } from './ops.js';
import { faultOf, flushOf, type TraceRecord } from './trace.js';

/** One fault as both sides report it: the page (vpn) and the x86 error-code bits W and P. */
export interface ObservedFault {
  readonly vpn: number;
  readonly write: boolean;
  /** The PTE was present (a protection fault, error_code bit 0). */
  readonly present: boolean;
}

/** What one op did, as the comparison sees it. */
export interface OpSide {
  readonly faults: readonly ObservedFault[];
  /** TLB flushes the op's thread initiated (kernel: local shootdowns; model: flush/start). */
  readonly flushes: number;
}

/** Where the program mapped the scenario's vpn 0, and which tids ran which thread. */
export interface TraceMap {
  readonly base: bigint;
  readonly pages: number;
  readonly pageSize: number;
  readonly pid: number;
  /** Kernel tid of scenario thread i. */
  readonly tids: readonly number[];
}

/** The kernel's side of a recorded conformance trace, op by op. */
export interface KernelSide {
  readonly map: TraceMap;
  readonly ops: readonly OpSide[];
  /** Records kept: the program's own, in its range or its markers (for import/show). */
  readonly kept: readonly TraceRecord[];
}

// tlb_flush reasons (trace.ts TLB_FLUSH_REASONS): initiated by the running task.
const LOCAL = new Set([2, 3]);

/**
 * Cut a recorded trace into the ops of `ops` by the program's trace_marker lines, keep only
 * the program's own tids and the mapping's address range (C-1 in docs/rules/conformance.md),
 * and count faults and flushes per op. A trace without the markers an op needs (cut short,
 * another program's) is bad input (TRACE_INVALID) naming what is missing.
 */
export function kernelSide(
  records: readonly TraceRecord[],
  scenario: Scenario,
  ops: readonly ConformOp[],
  where = 'trace',
): KernelSide {
  const marks = records.filter(
    (r) => r.event === 'tracing_mark_write' && r.body.startsWith(`${MARK} `),
  );
  const bad = (msg: string): never => {
    throw new SimError('TRACE_INVALID', msg, where);
  };
  const mapMark = marks.find((r) => r.body.startsWith(`${MARK} map `));
  if (!mapMark) bad(`no '${MARK} map' marker: not a trace of a conformance program`);
  const mm = /base=(0x[0-9a-f]+) pages=(\d+) pagesize=(\d+) pid=(\d+)/.exec(mapMark!.body);
  if (!mm) bad(`line ${mapMark!.line}: malformed '${MARK} map' marker`);
  const map0 = {
    base: BigInt(mm![1] as string),
    pages: Number(mm![2]),
    pageSize: Number(mm![3]),
    pid: Number(mm![4]),
  };
  const tids: number[] = [];
  scenario.threads.forEach((_, i) => {
    const t = marks.find((r) => r.body.startsWith(`${MARK} thread ${i} `));
    const m = t ? /tid=(\d+)/.exec(t.body) : null;
    if (!m) bad(`no '${MARK} thread ${i}' marker: the trace is cut short or from another scenario`);
    tids.push(Number(m![1]));
  });
  if (!marks.some((r) => r.body === `${MARK} done`))
    bad(`no '${MARK} done' marker: the trace is cut short (the program did not finish)`);
  const map: TraceMap = { ...map0, tids };
  const ours = new Set([map.pid, ...tids]);
  const end = map.base + BigInt(map.pages * map.pageSize);
  const inRange = (r: TraceRecord): boolean => {
    if (r.event !== 'page_fault_user') return false;
    const f = faultOf(r, where);
    return f.address >= map.base && f.address < end;
  };
  const kept = records.filter(
    (r) =>
      ours.has(r.pid) &&
      ((r.event === 'tracing_mark_write' && r.body.startsWith(MARK)) ||
        r.event === 'tlb_flush' ||
        inRange(r)),
  );
  const index = (g: number, what: 'begin' | 'end'): number => {
    const i = kept.findIndex(
      (r) => r.event === 'tracing_mark_write' && r.body === `${MARK} op ${g} ${what}`,
    );
    if (i < 0) bad(`no '${MARK} op ${g} ${what}' marker: the trace is cut short`);
    return i;
  };
  const sides = ops.map((op): OpSide => {
    const tid = tids[op.tid] as number;
    const from = index(op.g, 'begin');
    const to = index(op.g, 'end');
    if (to < from) bad(`op ${op.g}: its end marker precedes its begin marker`);
    const faults: ObservedFault[] = [];
    let flushes = 0;
    for (const r of kept.slice(from + 1, to)) {
      if (r.event === 'page_fault_user') {
        const f = faultOf(r, where);
        faults.push({
          vpn: Number((f.address - map.base) / BigInt(map.pageSize)),
          write: (f.errorCode & 2) !== 0,
          present: (f.errorCode & 1) !== 0,
        });
      } else if (r.event === 'tlb_flush' && r.pid === tid && LOCAL.has(flushOf(r, where).reason))
        flushes++;
    }
    return { faults, flushes };
  });
  return { map, ops: sides, kept };
}
