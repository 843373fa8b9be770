import {
  ProtTransactions,
  STATE_SCHEMA,
  stateItems,
  type ProtTransaction,
  undescribedRoots,
  type SimEvent,
  type SimState,
} from '../../src/index.js';
import type { RunContext } from './runContext.js';

/** An open invalidate window: notifier/start seen, its notifier/end not yet. */
export interface OpenWindow {
  readonly tid: number;
  readonly mm: number;
  readonly from: number;
  readonly to: number;
  /** Event index of its notifier/start. */
  readonly since: number;
}

/**
 * Event `e` (at index `i`) opens or closes a window of `open`: a notifier/end closes the oldest
 * open window of the same thread, mm and range. The HTML report's page folds with this too.
 */
export function trackWindow(open: OpenWindow[], e: SimEvent, i: number): void {
  if (e.type === 'notifier/start')
    open.push({ tid: e.tid, mm: e.mm, from: e.from, to: e.to, since: i });
  else if (e.type === 'notifier/end') {
    const k = open.findIndex(
      (w) => w.tid === e.tid && w.mm === e.mm && w.from === e.from && w.to === e.to,
    );
    if (k >= 0) open.splice(k, 1);
  }
}

/** The notifier windows open after event `until` (inclusive). */
export function openWindows(events: readonly SimEvent[], until: number): OpenWindow[] {
  const open: OpenWindow[] = [];
  for (let i = 0; i <= until && i < events.length; i++) trackWindow(open, events[i] as SimEvent, i);
  return open;
}

/**
 * The ptep_modify_prot_start/commit transactions open after event `until` (inclusive): their
 * PTE reads none, its value is the saved one (P5; what clean-b counts).
 */
export function openTransactions(
  events: readonly SimEvent[],
  until: number,
  ctx: RunContext,
): ProtTransaction[] {
  const tx = new ProtTransactions(ctx.initialState().mms.map((m) => m.ptes));
  for (let i = 0; i <= until && i < events.length; i++) tx.apply(events[i] as SimEvent, i);
  return tx.all();
}

/** One line of the state view; `key` identifies it across two states (for --diff-from). */
export interface StateLine {
  readonly section: string;
  readonly key: string;
  readonly text: string;
  /** What the HTML report highlights: a stale TLB entry or device copy, a held lock. */
  readonly mark?: 'stale' | 'held';
}

function tids(mask: number, ctx: RunContext): string {
  const out: string[] = [];
  for (let t = 0; t < 31; t++) if (mask & (1 << t)) out.push(ctx.threadName(t));
  return out.join(',');
}

type Add = (section: string, key: string, text: string, mark?: StateLine['mark']) => void;

/**
 * Kernel-flavoured lines for the parts that have them (PTEs with their page, TLB entries with
 * their stale-for ghost, lock holders, ...); every other part of the state schema is shown
 * generically from its description (src/state/view.ts).
 */
const RENDER: Readonly<Record<string, (state: SimState, ctx: RunContext, add: Add) => void>> = {
  mms(state, ctx, add) {
    state.mms.forEach((mm, m) => {
      mm.ptes.forEach((pte, vpn) => {
        const page = ctx.pageOf(m, vpn);
        if (page < 0 && pte === 0) return;
        add(
          'ptes',
          `mm${m}:${vpn}`,
          `mm${m} vpn ${vpn}${page >= 0 ? ` (page ${page})` : ''}: ${ctx.formatPte(pte)}`,
        );
      });
    });
    state.mms.forEach((mm, m) =>
      add(
        'mm',
        `mm${m}`,
        `mm${m}: tlb_flush_pending=${mm.pending} notifier seq=${mm.seq} active windows=${mm.active}`,
      ),
    );
  },
  tlbs(state, ctx, add) {
    state.tlbs.forEach((tlb, cpu) => {
      if (tlb.length === 0) add('tlbs', `cpu${cpu}`, `CPU${cpu}: empty`);
      for (const t of tlb)
        add(
          'tlbs',
          `cpu${cpu}:mm${t.mm}:${t.vpn}`,
          `CPU${cpu}: mm${t.mm} vpn ${t.vpn} -> pfn ${t.pfn} ${t.w ? 'W' : 'RO'}${t.d ? ' D' : ''}${t.susp ? ` (stale for ${tids(t.susp, ctx)})` : ''}`,
          t.susp ? 'stale' : undefined,
        );
    });
  },
  locks(state, ctx, add) {
    state.locks.forEach((l, i) => {
      const holders =
        l.owner >= 0
          ? `held by ${ctx.threadName(l.owner)}`
          : l.readers
            ? `read-held by ${tids(l.readers, ctx)}`
            : 'free';
      add(
        'locks',
        ctx.lockName(i),
        `${ctx.lockName(i)}: ${holders}`,
        l.owner >= 0 || l.readers ? 'held' : undefined,
      );
    });
  },
  bitmaps(state, _ctx, add) {
    state.bitmaps.forEach((bm, b) =>
      add('bitmap', `${b}`, `bitmap ${b}${b === 0 ? ' (driver)' : ''}: ${bm.join('')}`),
    );
  },
  bounds(state, _ctx, add) {
    add('bitmap', 'bounds', `dirty bounds [${state.bounds.start},${state.bounds.end})`);
  },
  pages(state, _ctx, add) {
    state.pages.forEach((p, i) =>
      add(
        'pages',
        `${i}`,
        `page ${i}: version ${p.version}, device ${p.device}${p.version !== p.device ? ' (device stale)' : ''}`,
        p.version !== p.device ? 'stale' : undefined,
      ),
    );
  },
  threads(state, ctx, add) {
    state.threads.forEach((th, t) =>
      add(
        'threads',
        `${t}`,
        `${ctx.threadName(t)} (CPU${ctx.threadCpu(t)}): ${th.stack.length === 0 ? 'finished' : th.stack.map((f) => `${f.fn}@${f.pc}`).join(' > ')}`,
      ),
    );
  },
  warnings(state, _ctx, add) {
    add('warnings', 'count', `WARN_ON count: ${state.warnings}`);
  },
};

/**
 * The state as keyed lines, part by part in the state schema's order (PTEs, TLBs, locks and
 * the open notifier windows, bitmaps, pages, thread stacks, secondary MMUs, warnings, and the
 * parts added later). Root fields the schema does not describe are printed as JSON so nothing
 * is hidden.
 */
export function stateLines(
  state: SimState,
  windows: readonly OpenWindow[],
  ctx: RunContext,
  transactions: readonly ProtTransaction[] = [],
): StateLine[] {
  const out: StateLine[] = [];
  const add: Add = (section, key, text, mark) => {
    const tx =
      section === 'ptes' ? transactions.find((t) => key === `mm${t.mm}:${t.vpn}`) : undefined;
    out.push({
      section,
      key: `${section}/${key}`,
      text: tx
        ? `${text} — inside ptep_modify_prot_start/commit of ${ctx.threadName(tx.tid)} since event ${tx.index}, saved ${ctx.formatPte(tx.saved)}`
        : text,
      ...(mark && { mark }),
    });
  };
  const root = state as unknown as Record<string, unknown>;
  for (const part of STATE_SCHEMA) {
    if (root[part.key] === undefined) continue;
    const render = RENDER[part.key];
    if (render) render(state, ctx, add);
    else
      for (const item of stateItems(state, ctx, [part]))
        add(part.section, item.path, `${item.path}: ${item.text}`);
    if (part.key === 'locks')
      for (const w of windows)
        add(
          'notifier',
          `${w.tid}:${w.mm}:${w.from}:${w.to}`,
          `mm${w.mm} [${w.from},${w.to}) opened by ${ctx.threadName(w.tid)} at event ${w.since}`,
        );
  }
  for (const k of undescribedRoots(state)) add('other', k, `${k}: ${JSON.stringify(root[k])}`);
  return out;
}

/** Section headers and indented lines. */
export function renderState(lines: readonly StateLine[]): string[] {
  const out: string[] = [];
  let section = '';
  for (const l of lines) {
    if (l.section !== section) {
      section = l.section;
      out.push(`${section}:`);
    }
    out.push(`  ${l.text}`);
  }
  return out;
}

/** What changed from `before` to `after`: `- old` / `+ new` lines per key, in `after`'s order. */
export function diffState(before: readonly StateLine[], after: readonly StateLine[]): string[] {
  const old = new Map(before.map((l) => [l.key, l]));
  const now = new Set(after.map((l) => l.key));
  const out: string[] = [];
  for (const l of after) {
    const o = old.get(l.key);
    if (o && o.text === l.text) continue;
    if (o) out.push(`- ${o.text}`);
    out.push(`+ ${l.text}`);
  }
  for (const l of before) if (!now.has(l.key)) out.push(`- ${l.text}`);
  return out;
}
