import {
  EVENT_FIELDS,
  getArch,
  initialMutableState,
  layoutOf,
  type MutableSimState,
  type SimState,
  type ArchModel,
  type Layout,
  type Scenario,
  type SimEvent,
  type SimEventType,
} from '../../src/index.js';

/**
 * What every view of a log needs besides the events: names of threads, CPUs and locks, the arch
 * model (to name PTE bits), and which address_space page a (mm, vpn) maps. Pure function of the
 * scenario; built once per log.
 */
export interface RunContext {
  readonly scenario: Scenario;
  readonly layout: Layout;
  /** null when the log names an architecture this build does not know: PTEs print raw. */
  readonly arch: ArchModel | null;
  threadName(tid: number): string;
  threadCpu(tid: number): number;
  lockName(lock: number): string;
  formatPte(pte: number): string;
  /** The address_space page mapped at (mm, vpn), or -1. */
  pageOf(mm: number, vpn: number): number;
  /** A fresh copy of the log's initial state (the header's), to fold events onto. */
  initialState(): MutableSimState;
}

/**
 * `initial` is the log header's initial state; without it (a scenario, no log) the model's is
 * built, which needs the architecture.
 */
export function makeRunContext(
  scenario: Scenario,
  archName: string = scenario.arch,
  initial?: SimState,
): RunContext {
  const layout = layoutOf(scenario);
  let arch: ArchModel | null = null;
  try {
    arch = getArch(archName);
  } catch {
    arch = null;
  }
  const pageCache = new Map<number, number>();
  return {
    scenario,
    layout,
    arch,
    threadName: (tid) => terminalSafe(scenario.threads[tid]?.name ?? `t${tid}`),
    threadCpu: (tid) => scenario.threads[tid]?.cpu ?? -1,
    lockName: (lock) => layout.lockNames[lock] ?? `lock${lock}`,
    formatPte: (pte) => (arch ? arch.formatPte(pte) : `0x${pte.toString(16)}`),
    pageOf(mm, vpn) {
      const key = mm * 1_000_003 + vpn;
      const hit = pageCache.get(key);
      if (hit !== undefined) return hit;
      const vma = scenario.mms[mm]?.vmas.find((v) => vpn >= v.start && vpn < v.start + v.npages);
      const page = vma ? vma.pgoff + vpn - vma.start : -1;
      pageCache.set(key, page);
      return page;
    },
    initialState: () =>
      initial ? (structuredClone(initial) as MutableSimState) : initialMutableState(scenario),
  };
}

/** Text from a log made safe for a terminal: the CLI's one escaping function (tools/terminal.ts). */
export { terminalSafe } from '../terminal.js';
import { terminalSafe } from '../terminal.js';

/** A field of an event by name (events are plain objects validated against EVENT_FIELDS). */
export function field(e: SimEvent, name: string): unknown {
  return (e as unknown as Record<string, unknown>)[name];
}

export function intField(e: SimEvent, name: string): number | undefined {
  const v = field(e, name);
  return typeof v === 'number' ? v : undefined;
}

/** Field names of an event type in the schema's order; [] for a type this build does not know. */
export function fieldsOf(type: string): readonly string[] {
  const f = Object.hasOwn(EVENT_FIELDS, type) ? EVENT_FIELDS[type as SimEventType] : undefined;
  return f ? Object.keys(f) : [];
}

/**
 * The thread each event belongs to: its own `tid` field, else the thread the scheduler picked
 * for the current step (a step is atomic, so TLB fills and drops belong to the stepping thread);
 * -1 for `@sim/end` and anything before the first pick.
 */
export function actorsOf(events: readonly SimEvent[]): Int32Array {
  const out = new Int32Array(events.length);
  let current = -1;
  for (let i = 0; i < events.length; i++) {
    const e = events[i] as SimEvent;
    if (e.type === '@sim/sched') current = e.tid;
    const own = intField(e, 'tid');
    out[i] = e.type === '@sim/end' ? -1 : (own ?? current);
  }
  return out;
}
