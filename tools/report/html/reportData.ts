import { applyEvent, EVENT_FIELDS, type SimEvent, type SimState } from '../../../src/index.js';
import type { EventSource } from '../eventSource.js';
import { makeRunContext, type RunContext } from '../runContext.js';
import { trackWindow, type OpenWindow } from '../stateText.js';
import { EventPacker, type PackedEvents } from './packEvents.js';

/** What the page folds: the SimState and the open notifier windows. */
export interface PageState {
  readonly state: SimState;
  readonly windows: OpenWindow[];
}

/** Everything the report page needs, as one JSON object (the events packed, see packEvents). */
export interface ReportData extends PackedEvents {
  readonly header: {
    readonly scenario: string;
    readonly description: string;
    readonly arch: string;
    readonly variant: string;
    readonly seed: number;
    readonly schedule: string;
    readonly end: string;
    readonly truncated: boolean;
  };
  readonly verdicts: readonly {
    id: string;
    ok: boolean | null;
    index: number | null;
    message: string | null;
  }[];
  /** Checkpoint c is the state before event c*K. */
  readonly K: number;
  readonly checkpoints: readonly PageState[];
  readonly pteText: Readonly<Record<string, string>>;
  readonly lockNames: readonly string[];
  readonly threads: readonly { name: string; cpu: number; kind: string }[];
  readonly cpus: number;
  /** pageMap[mm][vpn] = address_space page, or null. */
  readonly pageMap: readonly (readonly (number | null)[])[];
  readonly smmuMm: readonly number[];
  readonly fieldNames: Readonly<Record<string, readonly string[]>>;
}

/** Checkpoint spacing: about 400 checkpoints, never fewer than 256 events apart. */
export function checkpointInterval(n: number): number {
  return Math.max(256, Math.ceil(n / 400));
}

function snapshot(state: SimState, windows: readonly OpenWindow[]): PageState {
  return { state: structuredClone(state), windows: windows.map((w) => ({ ...w })) };
}

/** One streaming pass over the events: packs them, takes checkpoints, collects PTE values. */
export function reportData(
  log: EventSource,
  ctx: RunContext = makeRunContext(log.header.scenario, log.header.arch, log.header.initial),
): ReportData {
  const { header } = log;
  const scenario = header.scenario;
  const n = log.length;
  const packer = new EventPacker();
  const K = checkpointInterval(n);
  const state = ctx.initialState();
  const windows: OpenWindow[] = [];
  const checkpoints: PageState[] = [snapshot(state, windows)];
  const ptes = new Set<number>([0]);
  for (const mm of state.mms) for (const p of mm.ptes) ptes.add(p);
  log.forEach((e: SimEvent, i: number) => {
    packer.add(e);
    applyEvent(state, e);
    trackWindow(windows, e, i);
    if (e.type === 'pte/set') ptes.add(e.pte);
    if ((i + 1) % K === 0 && i + 1 < n) checkpoints.push(snapshot(state, windows));
  });
  const pteText: Record<string, string> = {};
  for (const p of ptes) pteText[String(p)] = ctx.formatPte(p);
  const fieldNames: Record<string, string[]> = {};
  for (const [type, f] of Object.entries(EVENT_FIELDS)) fieldNames[type] = Object.keys(f);
  return {
    ...packer.finish(),
    header: {
      scenario: scenario.name,
      description: scenario.description,
      arch: header.arch,
      variant: header.variant,
      seed: header.seed,
      schedule: header.schedule,
      end: log.footer?.end ?? 'unfinished',
      truncated: log.truncated,
    },
    verdicts: (log.footer?.verdicts ?? []).map((v) => ({
      id: v.id,
      ok: v.ok,
      index: v.firstViolationEvent,
      message: v.message,
    })),
    K,
    checkpoints,
    pteText,
    lockNames: ctx.layout.lockNames,
    threads: scenario.threads.map((t) => ({ name: t.name, cpu: t.cpu, kind: t.kind })),
    cpus: scenario.cpus,
    pageMap: (ctx.layout.mmSize as readonly number[]).map((size, mm) =>
      Array.from({ length: size }, (_, vpn) => {
        const p = ctx.pageOf(mm, vpn);
        return p < 0 ? null : p;
      }),
    ),
    smmuMm: scenario.secondaryMmus.map((s) => s.mm),
    fieldNames,
  };
}
