import {
  applyEvent,
  type LogReader,
  type ParsedLog,
  type MutableSimState,
  type SimEvent,
  type SimState,
} from '../../src/index.js';
import { intField, makeRunContext } from './runContext.js';
import { eventSource } from './eventSource.js';
import { stepPhrase } from './eventText.js';
import {
  cpuTrack,
  dirtyUnrecorded,
  PID,
  SliceStacks,
  threadTrack,
  type ChromeTrace,
  type TraceEvent,
} from './traceTracks.js';

export {
  cpuTrack,
  dirtyUnrecorded,
  threadTrack,
  type ChromeTrace,
  type TraceEvent,
} from './traceTracks.js';

/**
 * Chrome trace JSON of a log. Logical time is the event index (1 µs per event). A track per
 * CPU (the step running there, TLB fills, drops and flushes) and per simulated thread (nested
 * slices for helper calls, faults, lock holds and flush_tlb_range; instants for PTE changes and
 * stores), async slices for notifier windows, counters for tlb_flush_pending and
 * dirty-but-unrecorded pages, and flow arrows from a PTE write-protect/clean to the flush that
 * covers it (none when no flush does: that is the seed-v4 race). Output is sorted by timestamp.
 */
export function toChromeTrace(input: ParsedLog | LogReader): ChromeTrace {
  const log = eventSource(input);
  const { header } = log;
  const b = new TraceBuilder(header);
  log.forEach((e: SimEvent, i: number) => b.event(e, i));
  const n = log.length;
  const events = b.finish(n, log.footer?.verdicts ?? []);
  return {
    traceEvents: [...trackNames(header), ...events],
    displayTimeUnit: 'ns',
    otherData: {
      scenario: header.scenario.name,
      arch: header.arch,
      variant: header.variant,
      seed: header.seed,
      schedule: header.schedule,
      events: n,
      verdicts: log.footer?.verdicts ?? [],
      timeUnit: '1 µs = 1 event (logical time = event index)',
    },
  };
}

type Header = ReturnType<typeof eventSource>['header'];
type Verdicts = NonNullable<ReturnType<typeof eventSource>['footer']>['verdicts'];

/** Metadata events: the process name, then a named, ordered track per CPU and per thread. */
function trackNames(header: Header): TraceEvent[] {
  const meta: TraceEvent[] = [];
  const name = (tid: number, n: string, sortIndex: number): void => {
    meta.push({ name: 'thread_name', ph: 'M', pid: PID, tid, args: { name: n } });
    meta.push({
      name: 'thread_sort_index',
      ph: 'M',
      pid: PID,
      tid,
      args: { sort_index: sortIndex },
    });
  };
  meta.push({
    name: 'process_name',
    ph: 'M',
    pid: PID,
    tid: 0,
    args: {
      name: `ptesim ${header.scenario.name} (${header.arch}, ${header.variant}, seed ${header.seed})`,
    },
  });
  for (let c = 0; c < header.scenario.cpus; c++) name(cpuTrack(c), `CPU${c}`, c);
  header.scenario.threads.forEach((t, i) =>
    name(threadTrack(i), `${t.name} (CPU${t.cpu})`, 100 + i),
  );
  return meta;
}

/** Sort trace events by timestamp, keeping the order of equal ones. */
function byTime(events: readonly TraceEvent[]): TraceEvent[] {
  return events
    .map((t, k) => ({ t, k }))
    .sort((a, b) => (a.t.ts ?? 0) - (b.t.ts ?? 0) || a.k - b.k)
    .map((x) => x.t);
}

interface Window {
  readonly tid: number;
  readonly mm: number;
  readonly from: number;
  readonly to: number;
  readonly id: string;
}

/** Folds a log's events into trace events (see {@link toChromeTrace}). */
class TraceBuilder {
  private readonly ctx: ReturnType<typeof makeRunContext>;
  private readonly out: TraceEvent[] = [];
  private readonly slices: SliceStacks;
  private readonly state: MutableSimState;
  /** The thread of the current scheduler step. */
  private current = -1;
  private pendingOut = new Map<number, number>();
  private unrecorded = -1;
  private step: { ts: number; tid: number } | null = null;
  /** Last stable PTE per mm:vpn (ptep_modify_prot_start's transient none is skipped). */
  private readonly stable = new Map<string, number>();
  /** Flow ids of PTE reductions not yet covered by a flush, per mm:vpn. */
  private readonly unflushed = new Map<string, string[]>();
  private flowSeq = 0;
  private windowSeq = 0;
  private readonly windows: Window[] = [];

  constructor(header: Header) {
    this.ctx = makeRunContext(header.scenario, header.arch, header.initial);
    this.slices = new SliceStacks(this.out);
    this.state = this.ctx.initialState();
    this.state.mms.forEach((mm, m) =>
      mm.ptes.forEach((pte, vpn) => this.stable.set(`${m}:${vpn}`, pte)),
    );
  }

  private endStep(ts: number): void {
    const step = this.step;
    if (!step) return;
    const cpu = this.ctx.threadCpu(step.tid);
    if (cpu >= 0)
      this.out.push({
        name: this.ctx.threadName(step.tid),
        ph: 'X',
        pid: PID,
        tid: cpuTrack(cpu),
        ts: step.ts,
        dur: Math.max(1, ts - step.ts),
        cat: 'step',
      });
    this.step = null;
  }

  private instant(track: number, name: string, ts: number, args?: Record<string, unknown>): void {
    this.out.push({
      name,
      ph: 'i',
      s: 't',
      pid: PID,
      tid: track,
      ts,
      cat: 'event',
      ...(args && { args }),
    });
  }

  private windowEdge(
    w: Omit<Window, 'id'>,
    id: string,
    ph: 'b' | 'e',
    track: number,
    ts: number,
  ): void {
    const name = `invalidate mm${w.mm} [${w.from},${w.to}) ${this.ctx.threadName(w.tid)}`;
    this.out.push({ name, ph, cat: 'notifier', id, pid: PID, tid: track, ts });
  }

  /** One event: applied to the state, then its slices, instants, flows and counters. */
  event(e: SimEvent, i: number): void {
    // The stepping thread owns events without a tid (actorsOf, streaming).
    if (e.type === '@sim/sched') this.current = e.tid;
    const own = intField(e, 'tid');
    const track = threadTrack(e.type === '@sim/end' ? -1 : (own ?? this.current));
    applyEvent(this.state, e);
    this.slice(e, i, track);
    this.mark(e, i, track);
    this.counters(e, i);
  }

  /** Scheduler steps, nested slices (helper, fault, locks, flush) and notifier windows. */
  private slice(e: SimEvent, i: number, track: number): void {
    const { slices, ctx } = this;
    switch (e.type) {
      case '@sim/sched':
        this.endStep(i);
        this.step = { ts: i, tid: e.tid };
        break;
      case '@sim/end':
        this.endStep(i);
        this.instant(threadTrack(0), `end (${e.reason})`, i);
        break;
      case 'helper/call':
        slices.open(track, 'helper', e.fn, i, { first: e.first, nr: e.nr });
        break;
      case 'helper/return':
        slices.close(track, 'helper', i);
        break;
      case 'fault/enter':
        slices.open(track, 'fault', `page fault (${e.write ? 'write' : 'read'} vpn ${e.vpn})`, i);
        break;
      case 'fault/exit':
        slices.close(track, 'fault', i);
        break;
      case 'lock/acquire':
        slices.open(
          track,
          `lock${e.lock}`,
          `${ctx.lockName(e.lock)}${e.mode === 'r' ? ' (read)' : ''}`,
          i,
        );
        break;
      case 'lock/release':
        slices.close(track, `lock${e.lock}`, i);
        break;
      case 'flush/start':
        slices.open(track, 'flush', 'flush_tlb_range', i, { mm: e.mm, from: e.from, to: e.to });
        this.flowsCovered(e.mm, e.from, e.to, track, i);
        break;
      case 'flush/done':
        slices.close(track, 'flush', i);
        break;
      case 'notifier/start': {
        const id = `nw${this.windowSeq++}`;
        this.windows.push({ tid: e.tid, mm: e.mm, from: e.from, to: e.to, id });
        this.windowEdge(e, id, 'b', track, i);
        break;
      }
      case 'notifier/end': {
        const k = this.windows.findIndex(
          (w) => w.tid === e.tid && w.mm === e.mm && w.from === e.from && w.to === e.to,
        );
        if (k >= 0) {
          const w = this.windows.splice(k, 1)[0] as Window;
          this.windowEdge(w, w.id, 'e', track, i);
        }
        break;
      }
      default:
        break;
    }
  }

  /** Ends the flows of PTE changes in mm [from, to) at a flush of that range. */
  private flowsCovered(mm: number, from: number, to: number, track: number, i: number): void {
    // Walk the pending changes, not the range: a range from an untrusted log may be huge.
    for (const [key, ids] of [...this.unflushed]) {
      const [m, v] = key.split(':').map(Number) as [number, number];
      if (m !== mm || v < from || v >= to) continue;
      for (const id of ids)
        this.out.push({
          name: 'pte change → flush',
          ph: 'f',
          bp: 'e',
          cat: 'flow',
          id,
          pid: PID,
          tid: track,
          ts: i,
        });
      this.unflushed.delete(key);
    }
  }

  /** Instants (PTE changes, TLB activity, stores, bitmap bits, warnings) and flow starts. */
  private mark(e: SimEvent, i: number, track: number): void {
    const ctx = this.ctx;
    switch (e.type) {
      case 'pte/set':
        this.instant(track, `pte[${e.vpn}] = ${ctx.formatPte(e.pte)}`, i, {
          mm: e.mm,
          vpn: e.vpn,
          fn: e.fn,
          src: e.src,
          pte: e.pte,
        });
        if (e.fn !== 'ptep_modify_prot_start') this.pteChange(e.mm, e.vpn, e.pte, e.src, track, i);
        break;
      case 'tlb/fill':
      case 'tlb/dirty':
      case 'tlb/drop':
        this.instant(cpuTrack(e.cpu), stepPhrase(e, ctx) ?? e.type, i, { mm: e.mm, vpn: e.vpn });
        break;
      case 'tlb/flush':
        this.instant(
          cpuTrack(e.cpu),
          `TLB flush [${e.from},${e.to}) by ${ctx.threadName(e.tid)}`,
          i,
          {
            mm: e.mm,
          },
        );
        break;
      case 'mem/store':
      case 'dev/copy':
      case 'bitmap/set':
      case 'bitmap/clear':
      case 'warn':
        this.instant(track, stepPhrase(e, ctx) ?? e.type, i);
        break;
      default:
        break;
    }
  }

  /** A stable PTE change: a flow starts when software takes write or dirty away. */
  private pteChange(
    mm: number,
    vpn: number,
    pte: number,
    src: string,
    track: number,
    i: number,
  ): void {
    const arch = this.ctx.arch;
    const key = `${mm}:${vpn}`;
    const before = this.stable.get(key) ?? 0;
    this.stable.set(key, pte);
    const reduces =
      arch !== null &&
      src === 'sw' &&
      ((arch.pteWrite(before) && !arch.pteWrite(pte)) ||
        (arch.pteDirty(before) && !arch.pteDirty(pte)));
    if (!reduces) return;
    const id = `pf${this.flowSeq++}`;
    this.unflushed.set(key, [...(this.unflushed.get(key) ?? []), id]);
    this.out.push({
      name: 'pte change → flush',
      ph: 's',
      cat: 'flow',
      id,
      pid: PID,
      tid: track,
      ts: i,
    });
  }

  /** The tlb_flush_pending and dirty-but-unrecorded counters, when they change. */
  private counters(e: SimEvent, i: number): void {
    const view = this.state as unknown as SimState;
    if (e.type === 'pending/inc' || e.type === 'pending/dec' || i === 0) {
      const next = new Map<number, number>();
      view.mms.forEach((mm, m) => next.set(m, mm.pending));
      if ([...next].some(([m, v]) => this.pendingOut.get(m) !== v)) {
        const args: Record<string, number> = {};
        for (const [m, v] of next) args[`mm${m}`] = v;
        this.out.push({ name: 'tlb_flush_pending', ph: 'C', pid: PID, tid: 0, ts: i, args });
        this.pendingOut = next;
      }
    }
    if (
      i === 0 ||
      e.type === 'mem/store' ||
      e.type === 'dev/copy' ||
      e.type.startsWith('bitmap/') ||
      e.type === 'pte/set'
    ) {
      const u = dirtyUnrecorded(view, this.ctx);
      if (u !== this.unrecorded) {
        this.out.push({
          name: 'dirty-unrecorded pages',
          ph: 'C',
          pid: PID,
          tid: 0,
          ts: i,
          args: { pages: u },
        });
        this.unrecorded = u;
      }
    }
  }

  /** Closes what is open at the end (`n` events), pairs flows, adds violations; sorted. */
  finish(n: number, verdicts: Verdicts): TraceEvent[] {
    this.endStep(n);
    this.slices.closeAll(n);
    for (const w of this.windows) this.windowEdge(w, w.id, 'e', threadTrack(w.tid), n);
    // Flows that no flush ever covered have no end: drop their starts so every flow is paired.
    const open = new Set([...this.unflushed.values()].flat());
    const sorted = byTime(
      this.out.filter((t) => !(t.ph === 's' && t.id !== undefined && open.has(t.id))),
    );
    for (const [i, v] of verdicts.entries())
      if (v.ok === false && v.firstViolationEvent !== null)
        sorted.push({
          name: `VIOLATION ${v.id}`,
          ph: 'i',
          s: 'g',
          pid: PID,
          tid: 0,
          ts: v.firstViolationEvent,
          cat: 'violation',
          args: { message: v.message, order: i },
        });
    return byTime(sorted);
  }
}
