import type { LogReader, ParsedLog, SimEvent } from '../../src/index.js';
import { eventSource, type EventSource } from './eventSource.js';
import { SimError } from '../../src/index.js';
import { stepPhrase } from './eventText.js';
import { intField, makeRunContext, type RunContext } from './runContext.js';

/** One scheduler step as a node of the happens-before graph. */
export interface HbStep {
  readonly index: number;
  readonly tid: number;
  readonly label: string;
  readonly resources: readonly string[];
  readonly violation: string | null;
}

/** The shared things an event touches: locks, PTEs, TLB entries, pages, bits, counters. */
function resourcesOf(e: SimEvent, ctx: RunContext): string[] {
  const mm = intField(e, 'mm');
  const vpn = intField(e, 'vpn');
  switch (e.type) {
    case 'lock/acquire':
    case 'lock/release':
      return [`lock ${ctx.lockName(e.lock)}`];
    case 'tlb/fill':
    case 'tlb/dirty':
    case 'tlb/drop':
      return [`tlb${e.cpu} ${e.mm}:${e.vpn}`, `pte ${e.mm}:${e.vpn}`];
    case 'tlb/flush': {
      const out: string[] = [];
      for (let v = e.from; v < e.to && v < e.from + 64; v++) out.push(`tlb${e.cpu} ${e.mm}:${v}`);
      return out;
    }
    case 'mem/store':
    case 'dev/copy':
      return [`page ${e.page}`];
    case 'bitmap/set':
    case 'bitmap/clear':
      return [`bit ${e.bm}:${e.bit}`];
    case 'bounds/set':
      return ['bounds'];
    case 'pending/inc':
    case 'pending/dec':
      return [`pending ${e.mm}`];
    case 'notifier/start':
    case 'notifier/end':
      return [`notifier ${e.mm}`];
    default:
      return mm !== undefined && vpn !== undefined ? [`pte ${mm}:${vpn}`] : [];
  }
}

/**
 * The steps of a run with the resources each touched. Edges of the happens-before relation:
 * program order within a thread, and for each resource the order of the last earlier step of
 * another thread that touched it (conflicting accesses; loads are visible through TLB fills,
 * fault entries and the helper's ghost reads of read-only PTEs).
 */
export function hbSteps(log: EventSource, ctx: RunContext, until: number): HbStep[] {
  const marks = new Map<number, string>();
  for (const v of log.footer?.verdicts ?? [])
    if (v.ok === false && v.firstViolationEvent !== null) marks.set(v.firstViolationEvent, v.id);
  const steps: {
    index: number;
    tid: number;
    phrases: string[];
    res: Set<string>;
    violation: string | null;
  }[] = [];
  log.forEach(
    (e: SimEvent, i: number) => {
      if (e.type === '@sim/sched')
        steps.push({ index: i, tid: e.tid, phrases: [], res: new Set(), violation: null });
      const cur = steps[steps.length - 1];
      if (!cur) return;
      const p = stepPhrase(e, ctx);
      if (p !== null && e.type !== '@sim/end') cur.phrases.push(p.trim());
      for (const r of resourcesOf(e, ctx)) cur.res.add(r);
      const m = marks.get(i);
      if (m) cur.violation = m;
    },
    0,
    until + 1,
  );
  return steps.map((s) => ({
    index: s.index,
    tid: s.tid,
    label: s.phrases.join('\n') || '(bookkeeping)',
    resources: [...s.res],
    violation: s.violation,
  }));
}

const dotString = (s: string): string =>
  `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\l')}"`;

/**
 * Graphviz DOT of the happens-before among the steps of a run, up to its first violation (or
 * `until`). Transitively implied edges are dropped so the picture stays readable; one cluster
 * per thread; the violating step is red. Refuses graphs over `maxSteps` (use --to).
 */
export function toDot(
  input: ParsedLog | LogReader,
  opts: { until?: number; maxSteps?: number } = {},
): string {
  const log = eventSource(input);
  const ctx = makeRunContext(log.header.scenario, log.header.arch, log.header.initial);
  const firstViolation = Math.min(
    ...(log.footer?.verdicts ?? [])
      .filter((v) => v.ok === false && v.firstViolationEvent !== null)
      .map((v) => v.firstViolationEvent as number),
  );
  const until = opts.until ?? (Number.isFinite(firstViolation) ? firstViolation : log.length - 1);
  const steps = hbSteps(log, ctx, until);
  const max = opts.maxSteps ?? 1500;
  if (steps.length > max)
    throw new SimError(
      'BAD_ARGUMENT',
      `${steps.length} steps is too many for a readable graph (limit ${max}); pass --to N to cut the run`,
      '--format dot',
    );
  const n = steps.length;
  const preds: Set<number>[] = steps.map(() => new Set());
  const lastOfThread = new Map<number, number>();
  const lastOfRes = new Map<string, number>();
  steps.forEach((s, k) => {
    const pt = lastOfThread.get(s.tid);
    if (pt !== undefined) preds[k]?.add(pt);
    for (const r of s.resources) {
      const pr = lastOfRes.get(r);
      if (pr !== undefined && steps[pr]?.tid !== s.tid) preds[k]?.add(pr);
      lastOfRes.set(r, k);
    }
    lastOfThread.set(s.tid, k);
  });
  // Transitive reduction over the DAG (nodes are in topological order by index).
  const reach: Uint32Array[] = [];
  const words = Math.ceil(n / 32);
  const edges: [number, number][] = [];
  for (let k = 0; k < n; k++) {
    const r = new Uint32Array(words);
    const ps = [...(preds[k] ?? [])].sort((a, b) => b - a);
    for (const p of ps) {
      if ((r[p >>> 5] as number) & (1 << (p & 31))) continue; // already implied
      edges.push([p, k]);
      r[p >>> 5] = (r[p >>> 5] as number) | (1 << (p & 31));
      const rp = reach[p] as Uint32Array;
      for (let w = 0; w < words; w++) r[w] = (r[w] as number) | (rp[w] as number);
    }
    reach.push(r);
  }
  const out: string[] = [];
  out.push('digraph happens_before {');
  out.push(
    `  label=${dotString(`${log.header.scenario.name} on ${log.header.arch} with ${log.header.variant}, seed ${log.header.seed}: steps up to event ${until}`)};`,
  );
  out.push('  rankdir=TB; node [shape=box, fontname="monospace", fontsize=10];');
  const tids = [...new Set(steps.map((s) => s.tid))].sort((a, b) => a - b);
  for (const t of tids) {
    out.push(`  subgraph cluster_t${t} {`);
    out.push(`    label=${dotString(`CPU${ctx.threadCpu(t)} ${ctx.threadName(t)}`)};`);
    steps.forEach((s, k) => {
      if (s.tid !== t) return;
      const label = `#${s.index}\n${s.label}\n${s.violation ? `VIOLATION ${s.violation}\n` : ''}`;
      out.push(
        `    s${k} [label=${dotString(label)}${s.violation ? ', color=red, fontcolor=red, penwidth=2' : ''}];`,
      );
    });
    out.push('  }');
  }
  for (const [a, b] of edges)
    out.push(`  s${a} -> s${b}${steps[a]?.tid === steps[b]?.tid ? '' : ' [color=blue]'};`);
  out.push('}');
  return out.join('\n');
}
