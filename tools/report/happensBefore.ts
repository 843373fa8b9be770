import type { LogReader, ParsedLog } from '../../src/index.js';
import { SimError } from '../../src/index.js';
import { eventSource } from './eventSource.js';
import { hbGraph, type HbEdge } from './hbGraph.js';
import { makeRunContext } from './runContext.js';

/**
 * Relations a race turns on: kept even when other edges imply the order (a fill that reads a
 * PTE after the PTL was handed over is still a fill reading that PTE).
 */
const KEEP = new Set(['fill reads PTE', 'flush completion', 'PTE changed after fill']);

/** Drop edges implied by others (the graph is a DAG in step order), except those in KEEP. */
function transitiveReduction(n: number, edges: readonly HbEdge[]): HbEdge[] {
  const byTo = new Map<number, HbEdge[]>();
  for (const e of edges) byTo.set(e.to, [...(byTo.get(e.to) ?? []), e]);
  const words = Math.ceil(n / 32);
  const reach: Uint32Array[] = [];
  const kept: HbEdge[] = [];
  for (let k = 0; k < n; k++) {
    const r = new Uint32Array(words);
    const ins = [...(byTo.get(k) ?? [])].sort((a, b) => b.from - a.from);
    for (const e of ins) {
      const p = e.from;
      if ((r[p >>> 5] as number) & (1 << (p & 31)) && !KEEP.has(e.relation)) continue; // implied
      kept.push(e);
      r[p >>> 5] = (r[p >>> 5] as number) | (1 << (p & 31));
      const rp = reach[p] as Uint32Array;
      for (let w = 0; w < words; w++) r[w] = (r[w] as number) | (rp[w] as number);
    }
    reach.push(r);
  }
  return kept;
}

const dotString = (s: string): string =>
  `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\l')}"`;

/**
 * Graphviz DOT of the happens-before among the steps of a run, up to its first violation (or
 * `until`): one node per step a reviewer writes down (bookkeeping steps have none), one
 * cluster per thread, edges labelled with their relation (program order, lock hand-over,
 * flush completion, fill reads PTE, ...), transitively implied edges dropped; the violating
 * step is red, with a red dashed edge from the fill of each stale TLB entry it found.
 * Refuses graphs over `maxSteps` nodes (use --to).
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
  const { steps, edges, stale } = hbGraph(log, ctx, until);
  const shown = steps.filter((s) => !s.bookkeeping || s.violation);
  const max = opts.maxSteps ?? 1500;
  if (shown.length > max)
    throw new SimError(
      'BAD_ARGUMENT',
      `${shown.length} steps is too many for a readable graph (limit ${max}); pass --to N to cut the run`,
      '--format dot',
    );
  const out: string[] = [];
  out.push('digraph happens_before {');
  out.push(
    `  label=${dotString(`${log.header.scenario.name} on ${log.header.arch} with ${log.header.variant}, seed ${log.header.seed}: steps up to event ${until}`)};`,
  );
  out.push('  rankdir=TB; node [shape=box, fontname="monospace", fontsize=10];');
  out.push('  edge [fontname="monospace", fontsize=9];');
  const tids = [...new Set(shown.map((s) => s.tid))].sort((a, b) => a - b);
  for (const t of tids) {
    out.push(`  subgraph cluster_t${t} {`);
    out.push(`    label=${dotString(`CPU${ctx.threadCpu(t)} ${ctx.threadName(t)}`)};`);
    steps.forEach((s, k) => {
      if (s.tid !== t || (s.bookkeeping && !s.violation)) return;
      const label = `#${s.index}\n${s.label}${s.label ? '\n' : ''}${s.violation ? `VIOLATION ${s.violation}\n` : ''}`;
      out.push(
        `    s${k} [label=${dotString(label)}${s.violation ? ', color=red, fontcolor=red, penwidth=2' : ''}];`,
      );
    });
    out.push('  }');
  }
  for (const e of transitiveReduction(steps.length, edges)) {
    const cross = steps[e.from]?.tid !== steps[e.to]?.tid;
    out.push(
      `  s${e.from} -> s${e.to} [label=${dotString(e.relation)}${cross ? ', color=blue, fontcolor=blue' : ''}];`,
    );
  }
  for (const e of stale)
    out.push(
      `  s${e.from} -> s${e.to} [label=${dotString(e.relation)}, color=red, fontcolor=red, style=dashed, penwidth=2, constraint=false];`,
    );
  out.push('}');
  return out.join('\n');
}
