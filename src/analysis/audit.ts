import { isObservedEvent, type SimEvent } from '../events/index.js';
import { applyEvent } from '../evolve/index.js';
import { initialMutableState } from '../sim/init.js';
import type { SimState } from '../state/types.js';
import { makeModel, type Model } from '../sim/model.js';
import type { Property } from '../check/types.js';
import { Checks } from '../check/checks.js';
import { listProperties } from '../check/registry.js';
import { SimError } from '../errors.js';
import type { LogHeader } from '../log/format.js';
import type { LogReader } from '../log/logReader.js';

export interface AuditOptions {
  /**
   * Property ids to check; an entry ending in `*` selects every id with that prefix
   * (`notifier-*`, `lock-*`). @default every registered property
   */
  readonly rules?: readonly string[];
  /** Events of context kept before each violation (modelled facts: no `@sim/*`, no `thread/*`). @default 5 */
  readonly context?: number;
}

/** One violation, located: rule, event, thread, kernel function, context, expectation. */
export interface AuditFinding {
  readonly rule: string;
  readonly severity: 'failure' | 'warning';
  readonly index: number;
  readonly event: SimEvent;
  /** The thread that produced the event (its `tid`, else the last scheduler pick). */
  readonly tid: number | null;
  readonly thread: string | null;
  readonly cpu: number | null;
  /**
   * The kernel function: the event's own `fn`, inside the enclosing helper call or fault
   * (`ptep_modify_prot_start in wp_shared_mapping_range`), or that bracket alone.
   */
  readonly fn: string | null;
  readonly message: string;
  /** One sentence: what the kernel guarantees at this point. */
  readonly expected: string;
  readonly context: readonly { readonly index: number; readonly event: SimEvent }[];
}

export interface AuditReport {
  readonly events: number;
  readonly rules: readonly string[];
  readonly findings: readonly AuditFinding[];
  readonly failures: number;
  readonly warnings: number;
  /**
   * Rules that could not judge this log: a log of observed events only (`ptesim import`) holds
   * none of the facts the rules read, so every rule is not applicable there — never "holds".
   */
  readonly notApplicable: readonly string[];
}

/** Resolve `--rules` entries (ids or `prefix-*`) against the registry; unknown ones are an error. */
export function selectProperties(rules?: readonly string[]): Property[] {
  const all = listProperties();
  if (rules === undefined || rules.length === 0) return [...all];
  const out: Property[] = [];
  for (const r of rules) {
    const hits = r.endsWith('*')
      ? all.filter((p) => p.id.startsWith(r.slice(0, -1)))
      : all.filter((p) => p.id === r);
    if (hits.length === 0)
      throw new SimError(
        'BAD_ARGUMENT',
        `unknown rule '${r}'; expected one of: ${all.map((p) => p.id).join(', ')} (or a prefix ending in *)`,
        '--rules',
      );
    for (const h of hits) if (!out.includes(h)) out.push(h);
  }
  return out;
}

/** Per-thread brackets of kernel routines (helper calls, faults), to name the function of an event. */
class Brackets {
  private readonly stacks = new Map<number, string[]>();
  apply(e: SimEvent): void {
    if (e.type === 'helper/call') this.push(e.tid, e.fn);
    else if (e.type === 'fault/enter')
      this.push(e.tid, e.write ? 'handle_mm_fault (write)' : 'handle_mm_fault (read)');
    else if (e.type === 'helper/return' || e.type === 'fault/exit') this.stacks.get(e.tid)?.pop();
  }
  private push(tid: number, fn: string): void {
    const s = this.stacks.get(tid) ?? [];
    s.push(fn);
    this.stacks.set(tid, s);
  }
  top(tid: number): string | null {
    const s = this.stacks.get(tid);
    return s?.[s.length - 1] ?? null;
  }
}

const tidOf = (e: SimEvent): number | null =>
  'tid' in e && typeof e.tid === 'number' ? e.tid : null;

/**
 * Check every selected property over a sequence of events, offline: fold each event with the
 * recipes on a private copy of the initial state and feed the same checkers `run` uses, but
 * keep feeding after a violation so every one is reported. Memory: the state, the checkers'
 * own bookkeeping and `context` events, whatever the log's length.
 */
export function auditEvents(
  model: Model,
  events: Iterable<SimEvent>,
  options: AuditOptions = {},
): AuditReport {
  const props = selectProperties(options.rules);
  const keep = options.context ?? 5;
  const state = initialMutableState(model.scenario);
  const view = state as unknown as SimState;
  const checks = new Checks(model, props);
  const brackets = new Brackets();
  const recent: { index: number; event: SimEvent }[] = [];
  const findings: AuditFinding[] = [];
  const threads = model.scenario.threads;
  let sched: number | null = null;
  let index = 0;
  let observed = 0;
  let modelled = 0;
  for (const e of events) {
    if (isObservedEvent(e)) observed++;
    else if (!e.type.startsWith('@sim/')) modelled++;
    applyEvent(state, e);
    if (e.type === '@sim/sched') sched = e.tid;
    brackets.apply(e);
    checks.feedAll(e, index, view, (k, v) => {
      const p = props[k] as Property;
      const tid = tidOf(e) ?? (e.type === '@sim/end' ? null : sched);
      const own = 'fn' in e && e.type !== 'helper/call' && e.type !== 'helper/return' ? e.fn : null;
      const bracket =
        tid === null ? null : (brackets.top(tid) ?? (e.type === 'helper/return' ? e.fn : null));
      const spec = tid === null ? undefined : threads[tid];
      findings.push({
        rule: p.id,
        severity: p.severity,
        index: v.index,
        event: e,
        tid,
        thread: spec?.name ?? null,
        cpu: spec?.cpu ?? null,
        fn: own && bracket ? `${own} in ${bracket}` : (own ?? bracket),
        message: v.message,
        expected: p.expectation ?? p.description,
        context: recent.slice(),
      });
    });
    // Context is the modelled facts; scheduler picks and thread bookkeeping are left out.
    if (keep > 0 && !e.type.startsWith('@sim/') && !e.type.startsWith('thread/')) {
      recent.push({ index, event: e });
      if (recent.length > keep) recent.shift();
    }
    index++;
  }
  const failures = findings.filter((f) => f.severity === 'failure').length;
  return {
    events: index,
    rules: props.map((p) => p.id),
    findings,
    failures,
    warnings: findings.length - failures,
    notApplicable: observed > 0 && modelled === 0 ? props.map((p) => p.id) : [],
  };
}

/**
 * Audit a log against its own scenario, arch and variant: a `ParsedLog` from `readLogFile`
 * (any format version it upgrades), or a streaming `LogReader` (`openLogFile`), read one chunk
 * at a time.
 */
export function auditLog(
  log: { readonly header: LogHeader; readonly events: Iterable<SimEvent> } | LogReader,
  options: AuditOptions = {},
): AuditReport {
  const model = makeModel(log.header.scenario, {
    arch: log.header.arch,
    variant: log.header.variant,
  });
  const events = 'chunkEvents' in log ? chunked(log) : log.events;
  return auditEvents(model, events, options);
}

function* chunked(reader: LogReader): Iterable<SimEvent> {
  for (let k = 0; k < reader.chunks.length; k++) yield* reader.chunkEvents(k);
}

/** `type k=v …`, PTE values through the arch's own bit names, locks by name. */
export function formatEvent(e: SimEvent, model?: Model): string {
  const parts: string[] = [e.type];
  for (const [k, v] of Object.entries(e)) {
    if (k === 'type') continue;
    if (k === 'pte' && model && typeof v === 'number')
      parts.push(`pte=[${model.arch.formatPte(v)}]`);
    else if (k === 'lock' && model && typeof v === 'number')
      parts.push(`lock=${model.layout.lockNames[v] ?? v}`);
    else parts.push(`${k}=${Array.isArray(v) ? `[${v.join(',')}]` : String(v)}`);
  }
  return parts.join(' ');
}

/** The human-readable report (the CLI prints it; `--json` prints the report object instead). */
export function formatAudit(report: AuditReport, model?: Model): string {
  const lines: string[] = [];
  for (const f of report.findings) {
    const who =
      f.tid === null
        ? 'no thread'
        : `thread ${f.tid}${f.thread ? ` (${f.thread}${f.cpu !== null ? `, CPU${f.cpu}` : ''})` : ''}`;
    lines.push(
      `${f.severity === 'failure' ? 'VIOLATION' : 'WARNING'} ${f.rule} at event ${f.index}: ${who}${f.fn ? ` in ${f.fn}` : ''}`,
    );
    lines.push(`  ${f.message}`);
    lines.push(`  expected: ${f.expected}`);
    for (const c of f.context)
      lines.push(`    ${String(c.index).padStart(7)}  ${formatEvent(c.event, model)}`);
    lines.push(`  > ${String(f.index).padStart(7)}  ${formatEvent(f.event, model)}`);
  }
  const byRule = new Map<string, number>();
  for (const f of report.findings) byRule.set(f.rule, (byRule.get(f.rule) ?? 0) + 1);
  const list = [...byRule].map(([r, n]) => `${r} ×${n}`).join(', ');
  lines.push(
    `${report.events} events, ${report.rules.length} rules: ${report.failures} violation${report.failures === 1 ? '' : 's'}, ` +
      `${report.warnings} warning${report.warnings === 1 ? '' : 's'}${list ? ` (${list})` : ''}`,
  );
  if (report.notApplicable.length > 0)
    lines.push(
      `not applicable (${report.notApplicable.length} rules): a log of observed kernel events carries none of the facts the rules judge (PTEs, TLB fills, locks, notifier brackets)`,
    );
  return lines.join('\n');
}
