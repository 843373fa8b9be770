import { SimError } from '../errors.js';
import type { ObservedEvent } from '../events/observed.js';
import { faultOf, flushOf, type TraceRecord } from './trace.js';
import type { Scenario } from '../scenario/types.js';
import { makeModel } from '../sim/model.js';
import { listProperties } from '../check/registry.js';
import { makeHeader } from '../log/format.js';
import { LogWriter, type ByteSink } from '../log/writer.js';
import { TOOL_VERSION } from '../version.js';

/** The longest trace line an observed event keeps (the log's string fields are short). */
export const MAX_LINE = 200;

/**
 * Recorded trace records as observed events (`obs/fault`, `obs/flush`, `obs/mark`), in trace
 * order, each with its raw line. Other events are left out and counted. A line longer than a
 * log string may be is bad input naming it (it would not be kept whole).
 */
export function observedEvents(
  records: readonly TraceRecord[],
  where = 'trace',
): { events: ObservedEvent[]; skipped: number } {
  const events: ObservedEvent[] = [];
  let skipped = 0;
  for (const r of records) {
    const base = { pid: r.pid, cpu: r.cpu, us: r.us, line: r.raw.trim() };
    if (base.line.length > MAX_LINE)
      throw new SimError(
        'TRACE_INVALID',
        `line longer than ${MAX_LINE} characters cannot be kept whole`,
        `${where}:${r.line}`,
      );
    if (r.event === 'page_fault_user') {
      const f = faultOf(r, where);
      if (f.address > BigInt(Number.MAX_SAFE_INTEGER))
        throw new SimError('TRACE_INVALID', 'fault address out of range', `${where}:${r.line}`);
      events.push({ type: 'obs/fault', ...base, addr: Number(f.address), error: f.errorCode });
    } else if (r.event === 'tlb_flush') {
      const f = flushOf(r, where);
      events.push({ type: 'obs/flush', ...base, pages: f.pages, reason: f.reason });
    } else if (r.event === 'tracing_mark_write') {
      events.push({ type: 'obs/mark', ...base });
    } else skipped++;
  }
  return { events, skipped };
}

/**
 * A scenario for a trace that names none: one page-backed shared VMA of one page and one user
 * thread without ops per CPU seen — enough for a log header; observed events refer to none of it.
 */
export function observedScenarioText(cpus: number): string {
  const n = Math.max(1, cpus);
  const threads = Array.from(
    { length: n },
    (_, c) => `  - { kind: user, name: cpu${c}, cpu: ${c} }`,
  ).join('\n');
  return [
    'name: imported-trace',
    'description: "observed events of a recorded kernel trace (ptesim import)"',
    'arch: x86-64',
    'variant: upstream',
    'pages: 1',
    `cpus: ${n}`,
    'mms:',
    '  - vmas:',
    '      - { start: 0, pgoff: 0, npages: 1, flags: [shared, mayshare, write, maywrite] }',
    'initialPte: none',
    'threads:',
    threads,
    '',
  ].join('\n');
}

/**
 * Write observed events as a log into `sink`: the header names `scenario` (the conformance
 * case the trace came from, or observedScenarioText's), `arch` and the `upstream` variant; the
 * footer's verdicts are all undecided (ok: null), each saying why — no model rule applies to
 * observed events (docs/rules/conformance.md).
 */
export function recordObserved(
  scenario: Scenario,
  arch: string,
  events: readonly ObservedEvent[],
  sink: ByteSink,
): { events: number } {
  const model = makeModel(scenario, { arch, variant: 'upstream' });
  const writer = new LogWriter(
    sink,
    makeHeader(
      {
        scenario: model.scenario,
        arch: model.arch.name,
        variant: 'upstream',
        seed: 0,
        schedule: '',
      },
      TOOL_VERSION,
    ),
  );
  for (const e of events) writer.append(e);
  writer.append({ type: '@sim/end', reason: 'done' });
  writer.finish({
    events: events.length + 1,
    steps: 0,
    end: 'done',
    finalStateHash: writer.currentHash(),
    verdicts: listProperties().map((p) => ({
      id: p.id,
      severity: p.severity,
      ok: null,
      firstViolationEvent: null,
      message: NOT_APPLICABLE,
    })),
  });
  return { events: events.length + 1 };
}

/** Why a model rule has no verdict on observed events. */
export const NOT_APPLICABLE =
  'not applicable: observed events (a kernel trace) carry no PTE, TLB, lock or notifier facts';
