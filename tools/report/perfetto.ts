import {
  applyEvent,
  initialMutableState,
  type LogReader,
  type ParsedLog,
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
  const ctx = makeRunContext(header.scenario, header.arch);
  let current = -1;
  const out: TraceEvent[] = [];
  const meta: TraceEvent[] = [];
  const slices = new SliceStacks(out);
  const arch = ctx.arch;
  meta.push({
    name: 'process_name',
    ph: 'M',
    pid: PID,
    tid: 0,
    args: {
      name: `ptesim ${header.scenario.name} (${header.arch}, ${header.variant}, seed ${header.seed})`,
    },
  });
  for (let c = 0; c < header.scenario.cpus; c++) {
    meta.push({
      name: 'thread_name',
      ph: 'M',
      pid: PID,
      tid: cpuTrack(c),
      args: { name: `CPU${c}` },
    });
    meta.push({
      name: 'thread_sort_index',
      ph: 'M',
      pid: PID,
      tid: cpuTrack(c),
      args: { sort_index: c },
    });
  }
  header.scenario.threads.forEach((t, i) => {
    meta.push({
      name: 'thread_name',
      ph: 'M',
      pid: PID,
      tid: threadTrack(i),
      args: { name: `${t.name} (CPU${t.cpu})` },
    });
    meta.push({
      name: 'thread_sort_index',
      ph: 'M',
      pid: PID,
      tid: threadTrack(i),
      args: { sort_index: 100 + i },
    });
  });
  const state = initialMutableState(header.scenario);
  const view = state as unknown as SimState;
  let pendingOut = new Map<number, number>();
  let unrecorded = -1;
  let step: { ts: number; tid: number } | null = null;
  const endStep = (ts: number): void => {
    if (!step) return;
    const cpu = ctx.threadCpu(step.tid);
    if (cpu >= 0)
      out.push({
        name: ctx.threadName(step.tid),
        ph: 'X',
        pid: PID,
        tid: cpuTrack(cpu),
        ts: step.ts,
        dur: Math.max(1, ts - step.ts),
        cat: 'step',
      });
    step = null;
  };
  /** Last stable PTE per mm:vpn (ptep_modify_prot_start's transient none is skipped). */
  const stable = new Map<string, number>();
  state.mms.forEach((mm, m) => mm.ptes.forEach((pte, vpn) => stable.set(`${m}:${vpn}`, pte)));
  /** Flow ids of PTE reductions not yet covered by a flush, per mm:vpn. */
  const unflushed = new Map<string, string[]>();
  let flowSeq = 0;
  let windowSeq = 0;
  const windows: { tid: number; mm: number; from: number; to: number; id: string }[] = [];
  const n = log.length;
  const instant = (track: number, name: string, ts: number, args?: Record<string, unknown>): void =>
    void out.push({
      name,
      ph: 'i',
      s: 't',
      pid: PID,
      tid: track,
      ts,
      cat: 'event',
      ...(args && { args }),
    });
  log.forEach((e: SimEvent, i: number) => {
    // The stepping thread owns events without a tid (actorsOf, streaming).
    if (e.type === '@sim/sched') current = e.tid;
    const own = intField(e, 'tid');
    const actor = e.type === '@sim/end' ? -1 : (own ?? current);
    const track = threadTrack(actor);
    applyEvent(state, e);
    switch (e.type) {
      case '@sim/sched':
        endStep(i);
        step = { ts: i, tid: e.tid };
        break;
      case '@sim/end':
        endStep(i);
        instant(threadTrack(0), `end (${e.reason})`, i);
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
      case 'flush/start': {
        slices.open(track, 'flush', 'flush_tlb_range', i, { mm: e.mm, from: e.from, to: e.to });
        // Walk the pending changes, not the range: a range from an untrusted log may be huge.
        for (const [key, ids] of [...unflushed]) {
          const [m, v] = key.split(':').map(Number) as [number, number];
          if (m !== e.mm || v < e.from || v >= e.to) continue;
          for (const id of ids)
            out.push({
              name: 'pte change → flush',
              ph: 'f',
              bp: 'e',
              cat: 'flow',
              id,
              pid: PID,
              tid: track,
              ts: i,
            });
          unflushed.delete(key);
        }
        break;
      }
      case 'flush/done':
        slices.close(track, 'flush', i);
        break;
      case 'notifier/start': {
        const id = `nw${windowSeq++}`;
        windows.push({ tid: e.tid, mm: e.mm, from: e.from, to: e.to, id });
        out.push({
          name: `invalidate mm${e.mm} [${e.from},${e.to}) ${ctx.threadName(e.tid)}`,
          ph: 'b',
          cat: 'notifier',
          id,
          pid: PID,
          tid: track,
          ts: i,
        });
        break;
      }
      case 'notifier/end': {
        const k = windows.findIndex(
          (w) => w.tid === e.tid && w.mm === e.mm && w.from === e.from && w.to === e.to,
        );
        if (k >= 0) {
          const [w] = windows.splice(k, 1);
          const wv = w as (typeof windows)[number];
          out.push({
            name: `invalidate mm${wv.mm} [${wv.from},${wv.to}) ${ctx.threadName(wv.tid)}`,
            ph: 'e',
            cat: 'notifier',
            id: wv.id,
            pid: PID,
            tid: track,
            ts: i,
          });
        }
        break;
      }
      case 'pte/set': {
        const key = `${e.mm}:${e.vpn}`;
        instant(track, `pte[${e.vpn}] = ${ctx.formatPte(e.pte)}`, i, {
          mm: e.mm,
          vpn: e.vpn,
          fn: e.fn,
          src: e.src,
          pte: e.pte,
        });
        if (e.fn === 'ptep_modify_prot_start') break;
        const before = stable.get(key) ?? 0;
        stable.set(key, e.pte);
        const reduces =
          arch !== null &&
          e.src === 'sw' &&
          ((arch.pteWrite(before) && !arch.pteWrite(e.pte)) ||
            (arch.pteDirty(before) && !arch.pteDirty(e.pte)));
        if (reduces) {
          const id = `pf${flowSeq++}`;
          unflushed.set(key, [...(unflushed.get(key) ?? []), id]);
          out.push({
            name: 'pte change → flush',
            ph: 's',
            cat: 'flow',
            id,
            pid: PID,
            tid: track,
            ts: i,
          });
        }
        break;
      }
      case 'tlb/fill':
      case 'tlb/dirty':
      case 'tlb/drop':
        instant(cpuTrack(e.cpu), stepPhrase(e, ctx) ?? e.type, i, { mm: e.mm, vpn: e.vpn });
        break;
      case 'tlb/flush':
        instant(cpuTrack(e.cpu), `TLB flush [${e.from},${e.to}) by ${ctx.threadName(e.tid)}`, i, {
          mm: e.mm,
        });
        break;
      case 'mem/store':
      case 'dev/copy':
      case 'bitmap/set':
      case 'bitmap/clear':
      case 'warn':
        instant(track, stepPhrase(e, ctx) ?? e.type, i);
        break;
      default:
        break;
    }
    if (e.type === 'pending/inc' || e.type === 'pending/dec' || i === 0) {
      const next = new Map<number, number>();
      view.mms.forEach((mm, m) => next.set(m, mm.pending));
      if ([...next].some(([m, v]) => pendingOut.get(m) !== v)) {
        const args: Record<string, number> = {};
        for (const [m, v] of next) args[`mm${m}`] = v;
        out.push({ name: 'tlb_flush_pending', ph: 'C', pid: PID, tid: 0, ts: i, args });
        pendingOut = next;
      }
    }
    if (
      i === 0 ||
      e.type === 'mem/store' ||
      e.type === 'dev/copy' ||
      e.type.startsWith('bitmap/') ||
      e.type === 'pte/set'
    ) {
      const u = dirtyUnrecorded(view, ctx);
      if (u !== unrecorded) {
        out.push({
          name: 'dirty-unrecorded pages',
          ph: 'C',
          pid: PID,
          tid: 0,
          ts: i,
          args: { pages: u },
        });
        unrecorded = u;
      }
    }
  });
  endStep(n);
  slices.closeAll(n);
  for (const w of windows)
    out.push({
      name: `invalidate mm${w.mm} [${w.from},${w.to}) ${ctx.threadName(w.tid)}`,
      ph: 'e',
      cat: 'notifier',
      id: w.id,
      pid: PID,
      tid: threadTrack(w.tid),
      ts: n,
    });
  // Flows that no flush ever covered have no end: drop their starts so every flow is paired.
  const open = new Set([...unflushed.values()].flat());
  const kept = out.filter((t) => !(t.ph === 's' && t.id !== undefined && open.has(t.id)));
  const sorted = kept
    .map((t, k) => ({ t, k }))
    .sort((a, b) => (a.t.ts ?? 0) - (b.t.ts ?? 0) || a.k - b.k)
    .map((x) => x.t);
  for (const [i, v] of (log.footer?.verdicts ?? []).entries())
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
  const final = sorted
    .map((t, k) => ({ t, k }))
    .sort((a, b) => (a.t.ts ?? 0) - (b.t.ts ?? 0) || a.k - b.k)
    .map((x) => x.t);
  return {
    traceEvents: [...meta, ...final],
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
