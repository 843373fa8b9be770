import { SimError, type SimEvent } from '../../src/index.js';
import { intField, type RunContext } from './runContext.js';

/** Which events a view shows. Every field optional; an empty filter shows everything. */
export interface EventFilter {
  readonly from?: number;
  readonly to?: number;
  /** Only events of threads running on this CPU (and TLB events of this CPU). */
  readonly cpu?: number;
  /** Only events that touch this address_space page. */
  readonly page?: number;
  /** Event types or families ('pte', 'tlb/flush', 'lock'); matched as prefixes of 'family/verb'. */
  readonly kinds?: readonly string[];
  /** Also show thread bookkeeping and scheduler picks (hidden unless asked for). */
  readonly all?: boolean;
}

/**
 * Bookkeeping: a thread's pc and locals, the scheduler's picks. Views hide these unless asked
 * (the HTML report's list and slider too).
 */
export const BOOKKEEPING: readonly string[] = [
  'thread/goto',
  'thread/set',
  '@sim/sched',
  '@sim/choice',
];
const HIDDEN = new Set(BOOKKEEPING);

export function kindMatches(type: string, kind: string): boolean {
  return (
    type === kind || type.startsWith(`${kind}/`) || (kind.startsWith('@') && type.startsWith(kind))
  );
}

/** Does event `e` concern address_space page `page`? Events that are not about pages do not. */
export function touchesPage(e: SimEvent, page: number, ctx: RunContext): boolean {
  const r = e as unknown as Record<string, unknown>;
  if (e.type === 'mem/store' || e.type === 'dev/copy') return e.page === page;
  if (e.type === 'bitmap/set' || e.type === 'bitmap/clear') return e.bit === page;
  if (e.type === 'helper/call') return page >= e.first && page < e.first + e.nr;
  if (e.type === 'bounds/set') return page >= e.start && page < e.end;
  const mm =
    intField(e, 'mm') ??
    (typeof r['sub'] === 'number' ? (ctx.scenario.secondaryMmus[r['sub']]?.mm ?? 0) : 0);
  const vpn = intField(e, 'vpn');
  if (vpn !== undefined) return ctx.pageOf(mm, vpn) === page;
  const from = intField(e, 'from');
  const to = intField(e, 'to');
  if (from !== undefined && to !== undefined) {
    for (let v = from; v < to && v < from + 4096; v++) if (ctx.pageOf(mm, v) === page) return true;
  }
  return false;
}

/** The CPU an event happens on: its own `cpu` field for TLB events, else its thread's CPU. */
export function cpuOfEvent(e: SimEvent, actor: number, ctx: RunContext): number {
  if (e.type.startsWith('tlb/') && e.type !== 'tlb/flush' && e.type !== 'tlb/defer')
    return intField(e, 'cpu') ?? -1;
  return actor < 0 ? -1 : ctx.threadCpu(actor);
}

/**
 * Indices of the events the filter keeps. `actors` is actorsOf(events). Range bounds are
 * inclusive and must lie in the log (a bad index is a usage error, not an empty list).
 */
export function selectEvents(
  events: readonly SimEvent[],
  actors: Int32Array,
  filter: EventFilter,
  ctx: RunContext,
): number[] {
  const n = events.length;
  const from = filter.from ?? 0;
  const to = filter.to ?? n - 1;
  if (n > 0 && (from >= n || to >= n))
    throw new SimError(
      'BAD_ARGUMENT',
      `event index ${Math.max(from, to)} is past the end of the log (${n} events, 0..${n - 1})`,
      '--from/--to',
    );
  if (from > to) throw new SimError('BAD_ARGUMENT', `--from ${from} is after --to ${to}`);
  const out: number[] = [];
  for (let i = from; i <= to && i < n; i++) {
    const e = events[i] as SimEvent;
    if (filter.kinds && filter.kinds.length > 0) {
      if (!filter.kinds.some((k) => kindMatches(e.type, k))) continue;
    } else if (!filter.all && HIDDEN.has(e.type)) continue;
    if (filter.cpu !== undefined && cpuOfEvent(e, actors[i] ?? -1, ctx) !== filter.cpu) continue;
    if (filter.page !== undefined && !touchesPage(e, filter.page, ctx)) continue;
    out.push(i);
  }
  return out;
}
