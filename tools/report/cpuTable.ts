import type { SimEvent } from '../../src/index.js';
import { stepPhrase } from './eventText.js';
import type { RunContext } from './runContext.js';

/** One scheduler step: the thread that ran and what it did, as indented phrases. */
export interface TableStep {
  /** Index of the step's `@sim/sched` event (or of its first event). */
  readonly index: number;
  readonly tid: number;
  readonly lines: readonly string[];
  /** Violations whose first event lies in this step: `id: message`. */
  readonly marks: readonly string[];
}

export interface TableOptions {
  readonly from?: number;
  readonly to?: number;
  /** Violation marks by event index (property id and message). */
  readonly marks?: ReadonlyMap<number, string>;
  /** Keep steps that did nothing a reviewer would write down. @default false */
  readonly allSteps?: boolean;
  /**
   * Absolute index of `events[0]` when the caller passes a slice of a long log (call depths
   * then start at zero at the slice). @default 0
   */
  readonly offset?: number;
}

/**
 * Group events into scheduler steps and turn each into the phrases a reviewer writes in a CPU
 * column: kernel function calls (indented by call depth), PTE changes with the function that
 * made them, TLB fills and flushes, locks, notifier windows. Bookkeeping is left out.
 */
export function tableSteps(
  events: readonly SimEvent[],
  ctx: RunContext,
  opts: TableOptions = {},
): TableStep[] {
  const offset = opts.offset ?? 0;
  const from = opts.from ?? offset;
  const to = Math.min(opts.to ?? offset + events.length - 1, offset + events.length - 1);
  const depth = new Map<number, number>();
  const touched = new Set<string>();
  const steps: TableStep[] = [];
  let cur: { index: number; tid: number; lines: string[]; marks: string[] } | null = null;
  const close = (): void => {
    if (cur && (cur.lines.length > 0 || cur.marks.length > 0 || opts.allSteps)) steps.push(cur);
    cur = null;
  };
  for (let i = offset; i - offset < events.length && i <= to; i++) {
    const e = events[i - offset] as SimEvent;
    const inRange = i >= from;
    if (e.type === '@sim/sched') {
      close();
      if (inRange) cur = { index: i, tid: e.tid, lines: [], marks: [] };
    }
    const tid = cur?.tid ?? -1;
    let d = depth.get(tid) ?? 0;
    if (e.type === 'helper/return' || e.type === 'fault/exit') d = Math.max(0, d - 1);
    if (e.type === '@sim/sched') touched.clear();
    if (e.type === 'pte/set') touched.add(`${e.mm}:${e.vpn}`);
    if (inRange && cur) {
      // The helper's look at a PTE that is already read-only (wp_pte() does nothing) is what a
      // reviewer writes down for the second caller; after its own commit it is implied.
      const p =
        e.type === 'ghost/wp-seen'
          ? touched.has(`${e.mm}:${e.vpn}`)
            ? null
            : `pte[${e.vpn}] already read-only`
          : stepPhrase(e, ctx);
      if (p !== null) cur.lines.push(`${'  '.repeat(d)}${p}`);
      const m = opts.marks?.get(i);
      if (m) cur.marks.push(m);
    }
    if (e.type === 'helper/call' || e.type === 'fault/enter') d += 1;
    depth.set(tid, d);
  }
  close();
  return steps;
}

function columnsOf(steps: readonly TableStep[], ctx: RunContext): number[] {
  const tids = [...new Set(steps.map((s) => s.tid).filter((t) => t >= 0))];
  return tids.sort((a, b) => ctx.threadCpu(a) - ctx.threadCpu(b) || a - b);
}

const header = (tid: number, ctx: RunContext): string =>
  `CPU${ctx.threadCpu(tid)} ${ctx.threadName(tid)}`;

/** Minimum column width of the text table. */
export const MIN_COLUMN_WIDTH = 12;

/**
 * Wrap at spaces; continuation lines are indented two more, but never by more than half the
 * width, so every line consumes at least half a column and wrapping always terminates.
 */
function wrap(line: string, width: number): string[] {
  if (line.length <= width) return [line];
  const indent = (/^ */.exec(line)?.[0] ?? '').length;
  const prefix = ' '.repeat(Math.min(indent + 2, Math.floor(width / 2)));
  const out: string[] = [];
  let rest = line;
  while (rest.length > width) {
    let cut = rest.lastIndexOf(' ', width);
    if (cut <= prefix.length) cut = width;
    out.push(rest.slice(0, cut));
    rest = `${prefix}${rest.slice(cut).trimStart()}`;
  }
  out.push(rest);
  return out;
}

/**
 * Plain-text CPU columns, suitable for a mail: one column per thread (ordered by CPU), the
 * event index of each step at the left, violations as a full-width line.
 */
export function cpuTableText(
  steps: readonly TableStep[],
  ctx: RunContext,
  columnWidth = 40,
): string {
  const width = Math.max(MIN_COLUMN_WIDTH, columnWidth);
  const cols = columnsOf(steps, ctx);
  const idxW = Math.max(3, String(steps[steps.length - 1]?.index ?? 0).length);
  const pad = (s: string): string => s.padEnd(width);
  const out: string[] = [];
  out.push(
    `${'#'.padStart(idxW)}  ${cols
      .map((t) => pad(header(t, ctx)))
      .join('  ')
      .trimEnd()}`,
  );
  out.push(`${'-'.repeat(idxW)}  ${cols.map(() => '-'.repeat(width)).join('  ')}`);
  for (const s of steps) {
    const col = cols.indexOf(s.tid);
    const lines = s.lines.flatMap((l) => wrap(l, width));
    lines.forEach((l, k) => {
      const cells = cols.map((_, c) => (c === col ? l : ''));
      out.push(
        `${(k === 0 ? String(s.index) : '').padStart(idxW)}  ${cells.map(pad).join('  ').trimEnd()}`,
      );
    });
    for (const m of s.marks) out.push(`${''.padStart(idxW)}  *** VIOLATION ${m}`);
  }
  return out.join('\n');
}

const mdCell = (s: string): string =>
  s
    .replace(/[\\|`*_<>[\]]/g, (ch) => `\\${ch}`)
    .replace(/^( +)/, (sp) => '&nbsp;'.repeat(sp.length));

/** The same table as GitHub-flavoured Markdown; lines of a step are joined with `<br>`. */
export function cpuTableMarkdown(steps: readonly TableStep[], ctx: RunContext): string {
  const cols = columnsOf(steps, ctx);
  const out: string[] = [];
  out.push(`| # | ${cols.map((t) => mdCell(header(t, ctx))).join(' | ')} |`);
  out.push(`|---:|${cols.map(() => '---').join('|')}|`);
  for (const s of steps) {
    const cells = cols.map((t) => (t === s.tid ? s.lines.map(mdCell).join('<br>') : ''));
    out.push(`| ${s.index} | ${cells.join(' | ')} |`);
    for (const m of s.marks)
      out.push(
        `| | **VIOLATION ${mdCell(m)}** |${cols
          .slice(1)
          .map(() => ' |')
          .join('')}`,
      );
  }
  return out.join('\n');
}
