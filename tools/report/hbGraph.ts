import type { SimEvent } from '../../src/index.js';
import { pteIsPresent } from '../../src/index.js';
import type { EventSource } from './eventSource.js';
import { stepPhraser } from './eventText.js';
import { intField, type RunContext } from './runContext.js';

/** One scheduler step as a node of the happens-before graph. */
export interface HbStep {
  readonly index: number;
  readonly tid: number;
  readonly label: string;
  /** Nothing a reviewer writes down (scheduler picks, thread progress): no node of its own. */
  readonly bookkeeping: boolean;
  readonly resources: readonly string[];
  readonly violation: string | null;
}

/** An edge of the graph: `from` happens before `to` (step positions), and why. */
export interface HbEdge {
  readonly from: number;
  readonly to: number;
  /** The relation: 'program order', 'lock hand-over: ptl[mm0:0]', 'fill reads PTE', ... */
  readonly relation: string;
}

/** How a step touches a shared thing: PTE reads do not conflict with each other. */
type Role = 'read' | 'fill' | 'write' | 'flush' | 'use';

/** The shared things an event touches (locks, PTEs, TLB entries, pages, bits, counters), and how. */
function accessesOf(e: SimEvent, ctx: RunContext): [string, Role][] {
  const mm = intField(e, 'mm');
  const vpn = intField(e, 'vpn');
  switch (e.type) {
    case 'lock/acquire':
    case 'lock/release':
      return [[`lock ${ctx.lockName(e.lock)}`, 'use']];
    case 'tlb/fill':
      return [
        [`tlb${e.cpu} ${e.mm}:${e.vpn}`, 'fill'],
        [`pte ${e.mm}:${e.vpn}`, 'fill'],
      ];
    case 'tlb/dirty':
    case 'tlb/drop':
      return [
        [`tlb${e.cpu} ${e.mm}:${e.vpn}`, 'use'],
        [`pte ${e.mm}:${e.vpn}`, 'read'],
      ];
    case 'tlb/flush': {
      const out: [string, Role][] = [];
      for (let v = e.from; v < e.to && v < e.from + 64; v++)
        out.push([`tlb${e.cpu} ${e.mm}:${v}`, 'flush']);
      return out;
    }
    case 'pte/set':
      return [[`pte ${e.mm}:${e.vpn}`, 'write']];
    case 'mem/store':
    case 'dev/copy':
      return [[`page ${e.page}`, 'use']];
    case 'bitmap/set':
    case 'bitmap/clear':
      return [[`bit ${e.bm}:${e.bit}`, 'use']];
    case 'bounds/set':
      return [['bounds', 'use']];
    case 'pending/inc':
    case 'pending/dec':
      return [[`pending ${e.mm}`, 'use']];
    case 'notifier/start':
    case 'notifier/end':
      return [[`notifier ${e.mm}`, 'use']];
    default:
      // Fault entries, the helper's look at a read-only PTE, decisions about a PTE: reads.
      return mm !== undefined && vpn !== undefined ? [[`pte ${mm}:${vpn}`, 'read']] : [];
  }
}

/** The relation an edge over `res` stands for, from the roles of its two ends. */
function relationOf(res: string, from: ReadonlySet<Role>, to: ReadonlySet<Role>): string {
  if (res.startsWith('lock ')) return `lock hand-over: ${res.slice(5)}`;
  if (res.startsWith('tlb')) {
    if (from.has('flush')) return 'flush completion';
    return to.has('flush') ? 'flush of a filled entry' : 'TLB entry';
  }
  if (res.startsWith('pte ')) {
    if (to.has('fill') && from.has('write')) return 'fill reads PTE';
    if (from.has('fill') && to.has('write')) return 'PTE changed after fill';
    return from.has('write') && !to.has('write') ? 'reads PTE' : 'PTE order';
  }
  if (res.startsWith('page ')) return 'page contents';
  if (res.startsWith('bit ')) return 'bitmap bit';
  if (res.startsWith('pending ')) return 'tlb_flush_pending';
  if (res.startsWith('notifier ')) return 'notifier window';
  return res;
}

interface StepAcc {
  index: number;
  tid: number;
  phrases: string[];
  roles: Map<string, Set<Role>>;
  violation: string | null;
}

/** A TLB entry as the log built it: the step whose fill made it, and its W/D bits. */
interface TlbTrack {
  step: number;
  w: number;
  d: number;
}

/**
 * The steps of a run up to event `until`, the happens-before edges among them, and the stale
 * TLB entries (entry wider than its PTE: writable over a read-only PTE, dirty over a clean one,
 * or a none PTE) alive at each violation, with the step that filled each.
 *
 * Edges: program order within a thread, and for each shared thing an edge from the last
 * earlier step of another thread whose access conflicts (PTE reads and fills only conflict
 * with PTE writes).
 */
export function hbGraph(
  log: EventSource,
  ctx: RunContext,
  until: number,
): { steps: HbStep[]; edges: HbEdge[]; stale: HbEdge[] } {
  const marks = new Map<number, string>();
  for (const v of log.footer?.verdicts ?? [])
    if (v.ok === false && v.firstViolationEvent !== null) marks.set(v.firstViolationEvent, v.id);
  const steps: StepAcc[] = [];
  const init = ctx.initialState();
  const pteOf = new Map<string, number>();
  const tlb = new Map<string, TlbTrack>();
  const stale: HbEdge[] = [];
  const phrase = stepPhraser(ctx);
  log.forEach(
    (e: SimEvent, i: number) => {
      if (e.type === '@sim/sched')
        steps.push({ index: i, tid: e.tid, phrases: [], roles: new Map(), violation: null });
      const k = steps.length - 1;
      const cur = steps[k];
      if (!cur) return;
      const p = phrase(e);
      if (p !== null && e.type !== '@sim/end') cur.phrases.push(p.trim());
      for (const [r, role] of accessesOf(e, ctx)) {
        const set = cur.roles.get(r) ?? new Set<Role>();
        set.add(role);
        cur.roles.set(r, set);
      }
      trackTlb(e, k, pteOf, tlb);
      const m = marks.get(i);
      if (m) {
        cur.violation = m;
        for (const [key, t] of tlb) {
          const [cpu, mm, vpn] = key.split(':').map(Number) as [number, number, number];
          const pte = pteOf.get(`${mm}:${vpn}`) ?? init.mms[mm]?.ptes[vpn] ?? 0;
          if (t.step >= 0 && isStale(ctx, t, pte))
            stale.push({ from: t.step, to: k, relation: `stale TLB entry: CPU${cpu} vpn ${vpn}` });
        }
      }
    },
    0,
    until + 1,
  );
  const out = steps.map((s) => ({
    index: s.index,
    tid: s.tid,
    label: s.phrases.join('\n'),
    bookkeeping: s.phrases.length === 0,
    resources: [...s.roles.keys()],
    violation: s.violation,
  }));
  return { steps: out, edges: edgesOf(steps), stale };
}

function trackTlb(
  e: SimEvent,
  k: number,
  pteOf: Map<string, number>,
  tlb: Map<string, TlbTrack>,
): void {
  switch (e.type) {
    case 'pte/set':
      pteOf.set(`${e.mm}:${e.vpn}`, e.pte);
      return;
    case 'tlb/fill':
      tlb.set(`${e.cpu}:${e.mm}:${e.vpn}`, { step: k, w: e.w, d: e.d });
      return;
    case 'tlb/dirty': {
      const t = tlb.get(`${e.cpu}:${e.mm}:${e.vpn}`);
      if (t) t.d = 1;
      return;
    }
    case 'tlb/drop':
      tlb.delete(`${e.cpu}:${e.mm}:${e.vpn}`);
      return;
    case 'tlb/flush':
      for (let v = e.from; v < e.to; v++) tlb.delete(`${e.cpu}:${e.mm}:${v}`);
      return;
    case 'tlb/catchup':
      for (const key of [...tlb.keys()]) if (key.startsWith(`${e.cpu}:${e.mm}:`)) tlb.delete(key);
      return;
    default:
      return;
  }
}

/** A TLB entry that grants more than its PTE: what a missing or late flush leaves behind. */
function isStale(ctx: RunContext, t: TlbTrack, pte: number): boolean {
  const a = ctx.arch;
  if (!a) return false;
  if (!pteIsPresent(pte)) return true;
  return (t.w === 1 && !a.pteWrite(pte)) || (t.d === 1 && !a.pteDirty(pte));
}

/**
 * Program order and conflicting accesses between threads, as labelled edges among the steps
 * that are not bookkeeping: an edge into or out of a bookkeeping step is carried through it.
 */
function edgesOf(steps: readonly StepAcc[]): HbEdge[] {
  const visible = (k: number): boolean => (steps[k]?.phrases.length ?? 0) > 0;
  /** For a bookkeeping step: its visible predecessors with their relations. */
  const through = new Map<number, Map<number, string>>();
  const lastOfThread = new Map<number, number>();
  const lastWriter = new Map<string, number>();
  const readers = new Map<string, number[]>();
  const edges: HbEdge[] = [];
  steps.forEach((s, k) => {
    const preds = new Map<number, string>();
    const add = (p: number, relation: string): void => {
      if (visible(p)) {
        if (!preds.has(p)) preds.set(p, relation);
        return;
      }
      for (const [q, r] of through.get(p) ?? [])
        if (!preds.has(q)) preds.set(q, relation === 'program order' ? r : relation);
    };
    const pt = lastOfThread.get(s.tid);
    for (const [res, roles] of s.roles) {
      const isRead = res.startsWith('pte ') && !roles.has('write');
      const from = [lastWriter.get(res), ...(isRead ? [] : (readers.get(res) ?? []))];
      for (const p of from) {
        if (p === undefined || p === k || steps[p]?.tid === s.tid) continue;
        add(p, relationOf(res, steps[p]?.roles.get(res) ?? new Set(), roles));
      }
      if (isRead) readers.set(res, [...(readers.get(res) ?? []), k]);
      else {
        lastWriter.set(res, k);
        readers.delete(res);
      }
    }
    if (pt !== undefined) add(pt, 'program order');
    if (visible(k)) for (const [p, relation] of preds) edges.push({ from: p, to: k, relation });
    else through.set(k, preds);
    lastOfThread.set(s.tid, k);
  });
  return edges;
}
