import { SimError, type SimEvent } from '../../src/index.js';
import { stepPhraser } from './eventText.js';
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
  const phrase = stepPhraser(ctx);
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
    if (e.type === 'helper/return' || e.type === 'fault/exit' || e.type === 'actor/return')
      d = Math.max(0, d - 1);
    const p = phrase(e);
    if (inRange && cur) {
      if (p !== null) cur.lines.push(`${'  '.repeat(d)}${p}`);
      const m = opts.marks?.get(i);
      if (m) cur.marks.push(m);
    }
    if (e.type === 'helper/call' || e.type === 'fault/enter' || e.type === 'actor/call') d += 1;
    depth.set(tid, d);
  }
  close();
  return steps;
}

/** Columns of the table: one per thread (ordered by CPU) or one per CPU (threads named in cells). */
export type TableBy = 'thread' | 'cpu';

interface Column {
  readonly key: number;
  readonly header: string;
}

const columnKey = (tid: number, by: TableBy, ctx: RunContext): number =>
  by === 'cpu' ? ctx.threadCpu(tid) : tid;

function columnsOf(steps: readonly TableStep[], ctx: RunContext, by: TableBy): Column[] {
  const tids = [...new Set(steps.map((s) => s.tid).filter((t) => t >= 0))].sort(
    (a, b) => ctx.threadCpu(a) - ctx.threadCpu(b) || a - b,
  );
  if (by === 'thread')
    return tids.map((t) => ({ key: t, header: `CPU${ctx.threadCpu(t)} ${ctx.threadName(t)}` }));
  const cpus = [...new Set(tids.map((t) => ctx.threadCpu(t)))];
  return cpus.map((c) => ({ key: c, header: c < 0 ? 'device' : `CPU${c}` }));
}

/**
 * Each step's lines as its column shows them. By CPU, a step whose thread is not the one the
 * column showed last starts with the thread's name in brackets (`[wp0] lock driver_lock`).
 */
function cellLines(steps: readonly TableStep[], ctx: RunContext, by: TableBy): string[][] {
  const shown = new Map<number, number>();
  return steps.map((s) => {
    if (by === 'thread' || s.lines.length === 0) return [...s.lines];
    const key = columnKey(s.tid, by, ctx);
    if (shown.get(key) === s.tid) return [...s.lines];
    shown.set(key, s.tid);
    const [first = '', ...rest] = s.lines;
    return [`[${ctx.threadName(s.tid)}] ${first}`, ...rest];
  });
}

/** Minimum column width of the text table. */
export const MIN_COLUMN_WIDTH = 12;

/** Default line width of the text table: what a mail client shows without wrapping. */
export const MAIL_WIDTH = 72;

/**
 * The pieces a line may be broken between, each with the separator before it (' ' is dropped
 * at a break, '' is not): at spaces, and after the '|' between the flags of a PTE value.
 * Identifiers, calls with their arguments (`invalidate_range_start([0,2))`) and `name=value`
 * never contain a break.
 */
export function wrapAtoms(text: string): { readonly sep: string; readonly text: string }[] {
  const out: { sep: string; text: string }[] = [];
  for (const word of text.split(' ')) {
    if (word === '') continue;
    const parts = word.split(/(?<=\|)/);
    parts.forEach((p, i) => out.push({ sep: i === 0 && out.length > 0 ? ' ' : '', text: p }));
  }
  return out;
}

/** The longest piece of `line`: the narrowest width that holds it without splitting a token. */
export const longestAtom = (line: string): number =>
  Math.max(0, ...wrapAtoms(line).map((a) => a.text.length));

/** The width `line` wants: its longest piece, and its first piece at its own indentation. */
function lineNeed(line: string): number {
  const indent = (/^ */.exec(line)?.[0] ?? '').length;
  return Math.max(longestAtom(line), indent + (wrapAtoms(line)[0]?.text.length ?? 0));
}

/**
 * Wrap `line` into lines of at most `width` at token boundaries only (see wrapAtoms).
 * Continuation lines are indented two more than the line; a piece too long for its indentation
 * is moved left as far as needed (width >= longestAtom(line) is the caller's promise).
 */
export function wrapLine(line: string, width: number): string[] {
  if (line.length <= width) return [line];
  const indent = (/^ */.exec(line)?.[0] ?? '').length;
  const atoms = wrapAtoms(line);
  const out: string[] = [];
  const start = (want: number, text: string): string =>
    ' '.repeat(Math.max(0, Math.min(want, width - text.length))) + text;
  let cur = '';
  for (const a of atoms) {
    if (cur === '') cur = start(indent, a.text);
    else if (cur.length + a.sep.length + a.text.length <= width) cur += a.sep + a.text;
    else {
      out.push(cur);
      cur = start(Math.min(indent + 2, Math.floor(width / 2)), a.text);
    }
  }
  out.push(cur);
  return out;
}

/** Options of the text table. */
export interface TextTableOptions {
  /** One column per thread (default) or per CPU. */
  readonly by?: TableBy;
  /** Line width, index column included. @default MAIL_WIDTH */
  readonly width?: number;
  /**
   * Instead of `width`: side-by-side columns this wide, or as wide as the longest token needs
   * (never an error; for pages that scroll, such as the HTML report).
   */
  readonly columnWidth?: number;
}

/** Where each column starts and how wide its cells may run (index column excluded). */
interface Layout {
  readonly starts: readonly number[];
  readonly rooms: readonly number[];
}

/**
 * Side-by-side columns when their widest tokens fit; otherwise staggered starts, each cell
 * running on under the columns to its right (empty in its row: a row is one step of one
 * thread). Null when not even that fits in `width`.
 */
function layoutOf(
  needs: readonly number[],
  heads: readonly number[],
  lead: number,
  width: number,
): Layout | null {
  const n = needs.length;
  const avail = width - lead;
  const fair = Math.floor((avail - 2 * (n - 1)) / n);
  if (needs.every((w) => w <= fair) && heads.every((h) => h <= fair)) {
    const starts = needs.map((_, k) => lead + k * (fair + 2));
    return { starts, rooms: needs.map(() => fair) };
  }
  // Staggered: equal steps between starts, at least a header apart.
  const minStep = Math.max(MIN_COLUMN_WIDTH, ...heads.map((h) => h + 2));
  const last = needs[n - 1] ?? 0;
  const step = n === 1 ? 0 : Math.floor((avail - last) / (n - 1));
  if (n > 1 && step < minStep) return null;
  const starts = needs.map((_, k) => lead + k * step);
  const rooms = starts.map((st) => width - st);
  return rooms.every((r, k) => r >= (needs[k] ?? 0) && r >= (heads[k] ?? 0))
    ? { starts, rooms }
    : null;
}

/** The narrowest width that holds the table (for the error message). */
function minimumWidth(needs: readonly number[], heads: readonly number[], lead: number): number {
  for (let w = lead + MIN_COLUMN_WIDTH; w < 10_000; w++)
    if (layoutOf(needs, heads, lead, w)) return w;
  return 10_000;
}

/**
 * Plain-text CPU columns, suitable for a mail: one column per thread or per CPU, the event
 * index of each step at the left, violations as lines across the table; every line at most
 * `width` characters, wrapped at token boundaries only (never inside an identifier).
 * Throws BAD_ARGUMENT when the columns cannot hold their longest tokens within `width`.
 */
export function cpuTableText(
  steps: readonly TableStep[],
  ctx: RunContext,
  opts: TextTableOptions = {},
): string {
  const by = opts.by ?? 'thread';
  const cols = columnsOf(steps, ctx, by);
  const idxW = Math.max(3, String(steps[steps.length - 1]?.index ?? 0).length);
  const lead = idxW + 2;
  const colOf = (s: TableStep): number =>
    cols.findIndex((c) => c.key === columnKey(s.tid, by, ctx));
  const cells = cellLines(steps, ctx, by);
  // What each column wants (first pieces at their indentation) and what it needs (its
  // longest piece anywhere: wrapLine moves a piece left rather than split it).
  const widest = (f: (line: string) => number): number[] =>
    cols.map((_, k) =>
      Math.max(
        MIN_COLUMN_WIDTH,
        ...steps.flatMap((s, i) => (colOf(s) === k ? (cells[i] ?? []).map(f) : [])),
      ),
    );
  const wants = widest(lineNeed);
  const needs = widest(longestAtom);
  const heads = cols.map((c) => c.header.length);
  const marks = steps.flatMap((s) => s.marks.map((m) => `*** VIOLATION ${m}`));
  const markNeed = Math.max(0, ...marks.map(longestAtom));
  const cw =
    opts.columnWidth === undefined ? 0 : Math.max(opts.columnWidth, markNeed, ...wants, ...heads);
  const width =
    opts.columnWidth === undefined
      ? (opts.width ?? MAIL_WIDTH)
      : lead + Math.max(cw, cols.length * cw + 2 * (cols.length - 1));
  const layout = layoutOf(wants, heads, lead, width) ?? layoutOf(needs, heads, lead, width);
  if (!layout || lead + markNeed > width) {
    const min = Math.max(minimumWidth(needs, heads, lead), lead + markNeed);
    throw new SimError(
      'BAD_ARGUMENT',
      `the table needs --width ${min} or more to keep its identifiers whole (got ${width})${by === 'thread' && cols.length > 2 ? '; --by cpu needs fewer columns' : ''}`,
      '--width',
    );
  }
  const row = (texts: readonly string[]): string => {
    let line = '';
    texts.forEach((t, k) => {
      if (t !== '') line = line.padEnd(layout.starts[k] ?? lead) + t;
    });
    return line.trimEnd();
  };
  const out: string[] = [];
  out.push(`${'#'.padStart(idxW)}${row(cols.map((c) => c.header)).slice(idxW)}`);
  const fit = (k: number): number =>
    Math.min(
      layout.rooms[k] ?? 0,
      (layout.starts[k + 1] ?? width + 2) - (layout.starts[k] ?? 0) - 2,
    );
  out.push(`${'-'.repeat(idxW)}${row(cols.map((_, k) => '-'.repeat(fit(k)))).slice(idxW)}`);
  steps.forEach((s, i) => {
    const k = colOf(s);
    const room = layout.rooms[k] ?? 0;
    const lines = (cells[i] ?? []).flatMap((l) => wrapLine(l, room));
    lines.forEach((l, j) => {
      const texts = cols.map((_, c) => (c === k ? l : ''));
      const idx = j === 0 ? String(s.index).padStart(idxW) : ''.padStart(idxW);
      out.push(`${idx}${row(texts).slice(idxW)}`.trimEnd());
    });
    for (const m of s.marks)
      for (const l of wrapLine(`*** VIOLATION ${m}`, width - lead))
        out.push(`${''.padStart(lead)}${l}`);
  });
  return out.join('\n');
}

const mdCell = (s: string): string =>
  s
    .replace(/[\\|`*_<>[\]]/g, (ch) => `\\${ch}`)
    .replace(/^( +)/, (sp) => '&nbsp;'.repeat(sp.length));

/** The same table as GitHub-flavoured Markdown; lines of a step are joined with `<br>`. */
export function cpuTableMarkdown(
  steps: readonly TableStep[],
  ctx: RunContext,
  by: TableBy = 'thread',
): string {
  const cols = columnsOf(steps, ctx, by);
  const out: string[] = [];
  out.push(`| # | ${cols.map((c) => mdCell(c.header)).join(' | ')} |`);
  out.push(`|---:|${cols.map(() => '---').join('|')}|`);
  const cellsOf = cellLines(steps, ctx, by);
  steps.forEach((s, i) => {
    const key = columnKey(s.tid, by, ctx);
    const lines = cellsOf[i] ?? [];
    const cells = cols.map((c) => (c.key === key ? lines.map(mdCell).join('<br>') : ''));
    out.push(`| ${s.index} | ${cells.join(' | ')} |`);
    for (const m of s.marks)
      out.push(
        `| | **VIOLATION ${mdCell(m)}** |${cols
          .slice(1)
          .map(() => ' |')
          .join('')}`,
      );
  });
  return out.join('\n');
}
