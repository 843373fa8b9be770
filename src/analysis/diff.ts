import type { SimEvent } from '../events/index.js';
import type { Scenario } from '../scenario/types.js';
import { makeModel, type Model } from '../sim/model.js';
import { runModel } from '../sim/run.js';
import type { Pick } from '../sim/schedule.js';
import { formatSchedule } from '../sim/schedule.js';
import type { ParsedLog } from '../log/reader.js';
import { foldEvents, picksOf } from './replay.js';
import { applyEvent } from '../evolve/index.js';
import { initialMutableState } from '../sim/init.js';
import type { SimState } from '../state/types.js';
import { listProperties } from '../check/registry.js';
import { EVENT_FIELDS } from '../events/schema.js';
import { alignKeys, eventKey, toHunks, type DiffHunk, type DiffLine } from './diffEvents.js';
import { diffStates, type StateChange } from './diffState.js';
import { adaptSchedule, leadScheduleOf, type AdaptedSchedule } from './diffSchedule.js';

export type { DiffHunk, DiffLine } from './diffEvents.js';
export type { StateChange } from './diffState.js';
export type { ScheduleMismatch, AdaptedSchedule } from './diffSchedule.js';

/** One side of a diff: a model and the events of one execution of it. */
export interface DiffSide {
  readonly label: string;
  readonly model: Model;
  readonly events: readonly SimEvent[];
}

/** Which thread, step machine and kernel function or hardware rule an event came from. */
export interface EventOrigin {
  readonly tid: number | null;
  readonly thread: string | null;
  /** The thread's step machine and pc before the step (`access@0`, `helper@4`). */
  readonly frame: string | null;
  /** The event's own kernel function or hardware rule (`pte/set` fn, called step machine, helper). */
  readonly fn: string | null;
}

export interface Divergence {
  readonly indexA: number;
  readonly indexB: number;
  readonly eventA: SimEvent | null;
  readonly eventB: SimEvent | null;
  readonly originA: EventOrigin;
  readonly originB: EventOrigin;
}

export interface VerdictDifference {
  readonly id: string;
  /** true held, false violated, null undecided (run cut short). */
  readonly a: boolean | null;
  readonly b: boolean | null;
  readonly firstViolationA: number | null;
  readonly firstViolationB: number | null;
  readonly differs: boolean;
}

export interface SideSummary {
  readonly label: string;
  readonly scenario: string;
  readonly arch: string;
  readonly variant: string;
  readonly events: number;
  /** The run's picks as a schedule string (`run --schedule` reproduces it). */
  readonly schedule: string;
}

export interface DiffResult {
  /** Same events (compared field by field in schema order) and same verdicts. */
  readonly identical: boolean;
  readonly a: SideSummary;
  readonly b: SideSummary;
  readonly firstDivergence: Divergence | null;
  /** State after each side's first divergent event, only the paths that differ. */
  readonly stateDiff: readonly StateChange[];
  readonly verdicts: readonly VerdictDifference[];
  /** Aligned event diff, `diff -u` style; each line carries its event as text. */
  readonly hunks: readonly TextHunk[];
  /** Present for scenario diffs: how B followed A's picks. */
  readonly schedule: AdaptedSchedule | null;
}

/** A hunk line with its event formatted (PTEs decoded by that side's arch). */
export interface TextLine extends DiffLine {
  readonly text: string;
}
export interface TextHunk extends Omit<DiffHunk, 'lines'> {
  readonly lines: readonly TextLine[];
}

export interface DiffOptions {
  /** Kept events around each change in a hunk. @default 3 */
  readonly context?: number;
}

function originOf(side: DiffSide, index: number): EventOrigin {
  const e = side.events[index];
  if (!e) return { tid: null, thread: null, frame: null, fn: null };
  let tid: number | null = 'tid' in e && typeof e.tid === 'number' ? e.tid : null;
  if (tid === null)
    for (let i = index; i >= 0; i--) {
      const p = side.events[i];
      if (p?.type === '@sim/sched') {
        tid = p.tid;
        break;
      }
    }
  let frame: string | null = null;
  if (tid !== null) {
    // The thread's position before the step that produced the event: fold up to its sched.
    let sched = index;
    while (sched > 0 && side.events[sched]?.type !== '@sim/sched') sched--;
    const before = foldEvents(side.model.scenario, side.events, sched);
    const top = before.threads[tid]?.stack.at(-1);
    frame = top ? `${top.fn}@${top.pc}` : null;
  }
  const fn = 'fn' in e && typeof e.fn === 'string' ? e.fn : null;
  return {
    tid,
    thread: tid === null ? null : (side.model.scenario.threads[tid]?.name ?? null),
    frame,
    fn,
  };
}

/** Every registered property over one side's events (fold + checkers, as `run` does). */
function verdictsOf(side: DiffSide): Map<string, { ok: boolean | null; first: number | null }> {
  const props = listProperties();
  const state = initialMutableState(side.model.scenario);
  const view = state as unknown as SimState;
  const checkers = props.map((p) => p.start(side.model));
  const first: (number | null)[] = props.map(() => null);
  side.events.forEach((e, i) => {
    applyEvent(state, e);
    checkers.forEach((c, k) => {
      if (first[k] !== null) return;
      const v = c.onEvent(e, i, view);
      if (v) first[k] = v.index;
    });
  });
  const end = side.events.at(-1);
  const done = end?.type === '@sim/end' && end.reason === 'done';
  const out = new Map<string, { ok: boolean | null; first: number | null }>();
  props.forEach((p, k) => {
    const f = first[k] ?? null;
    out.set(p.id, { ok: f !== null ? false : done ? true : null, first: f });
  });
  return out;
}

const summary = (s: DiffSide): SideSummary => ({
  label: s.label,
  scenario: s.model.scenario.name,
  arch: s.model.arch.name,
  variant: s.model.variant.name,
  events: s.events.length,
  schedule: formatSchedule(picksOf(s.events)),
});

/**
 * Compare two executions event by event: identical or not, the first divergence (index on each
 * side, both events, the thread and the function or hardware rule each came from), the state
 * difference right after the divergent events, the verdict of every property on each side, and
 * an aligned diff of the whole event streams. Pure; both sides are folded with the recipes only.
 */
export function diffEvents(a: DiffSide, b: DiffSide, options: DiffOptions = {}): DiffResult {
  // Helper names differ between variants (apply_as_wrprotect vs wp_shared_mapping_range): compare
  // them as the same routine so the first divergence is a difference in behaviour.
  const alias = (m: Model): Record<string, string> => ({
    [m.variant.fnNames.wrprotect]: '<wrprotect helper>',
    [m.variant.fnNames.clean]: '<clean helper>',
  });
  const aa = alias(a.model);
  const ab = alias(b.model);
  const ka = a.events.map((e) => eventKey(e, aa));
  const kb = b.events.map((e) => eventKey(e, ab));
  let i = 0;
  while (i < ka.length && i < kb.length && ka[i] === kb[i]) i++;
  const sameEvents = i === ka.length && i === kb.length;
  const va = verdictsOf(a);
  const vb = verdictsOf(b);
  const verdicts: VerdictDifference[] = [];
  for (const id of new Set([...va.keys(), ...vb.keys()])) {
    const x = va.get(id);
    const y = vb.get(id);
    verdicts.push({
      id,
      a: x?.ok ?? null,
      b: y?.ok ?? null,
      firstViolationA: x?.first ?? null,
      firstViolationB: y?.first ?? null,
      differs: (x?.ok ?? null) !== (y?.ok ?? null),
    });
  }
  let firstDivergence: Divergence | null = null;
  let stateDiff: StateChange[] = [];
  let hunks: TextHunk[] = [];
  if (!sameEvents) {
    firstDivergence = {
      indexA: i,
      indexB: i,
      eventA: a.events[i] ?? null,
      eventB: b.events[i] ?? null,
      originA: originOf(a, i),
      originB: originOf(b, i),
    };
    const sa = foldEvents(a.model.scenario, a.events, i);
    const sb = foldEvents(b.model.scenario, b.events, i);
    stateDiff = diffStates(
      { state: sa, arch: a.model.arch, layout: a.model.layout },
      { state: sb, arch: b.model.arch, layout: b.model.layout },
    );
    hunks = toHunks(alignKeys(ka, kb), options.context ?? 3).map((h) => ({
      ...h,
      lines: h.lines.map((l) => ({
        ...l,
        text:
          l.op === '+'
            ? formatDiffEvent(b.events[l.indexB ?? -1] ?? null, b.model)
            : formatDiffEvent(a.events[l.indexA ?? -1] ?? null, a.model),
      })),
    }));
  }
  return {
    identical: sameEvents && verdicts.every((v) => !v.differs),
    a: summary(a),
    b: summary(b),
    firstDivergence,
    stateDiff,
    verdicts,
    hunks,
    schedule: null,
  };
}

/** `ptesim diff <logA> <logB>`: each log against its own scenario, arch and variant. */
export function diffLogs(
  logA: ParsedLog,
  logB: ParsedLog,
  labels: readonly [string, string] = ['A', 'B'],
  options: DiffOptions = {},
): DiffResult {
  const side = (log: ParsedLog, label: string): DiffSide => ({
    label,
    model: makeModel(log.header.scenario, { arch: log.header.arch, variant: log.header.variant }),
    events: log.events,
  });
  return diffEvents(side(logA, labels[0]), side(logB, labels[1]), options);
}

export interface ModelDiffOptions extends DiffOptions {
  /** Seed of A's scheduler (and of B's fallback scheduler). @default 1 */
  readonly seed?: number;
  /** A follows these picks first (then its seeded scheduler). */
  readonly schedule?: readonly Pick[];
  /** @default 100000 */
  readonly maxSteps?: number;
}

/**
 * `ptesim diff <scenario> --arch A --arch B` (or `--variant X --variant Y`): run A (seeded, or
 * following `schedule`), then run B following A's picks by the rule of adaptSchedule(), and
 * compare the two executions. `schedule` in the result says where B stopped following exactly.
 */
export function diffModels(
  scenario: Scenario,
  a: { readonly arch?: string; readonly variant?: string },
  b: { readonly arch?: string; readonly variant?: string },
  options: ModelDiffOptions = {},
): DiffResult {
  const seed = options.seed ?? 1;
  const maxSteps = options.maxSteps ?? 100_000;
  const ma = makeModel(scenario, a);
  const mb = makeModel(scenario, b);
  const ea: SimEvent[] = [];
  runModel(ma, { seed, maxSteps, ...(options.schedule && { schedule: options.schedule }) }, (e) =>
    ea.push(e),
  );
  const adapted = adaptSchedule(mb, leadScheduleOf(ea), seed, maxSteps);
  const eb: SimEvent[] = [];
  runModel(mb, { seed, maxSteps: adapted.picks.length, schedule: adapted.picks }, (e) =>
    eb.push(e),
  );
  const label = (m: Model): string => `${m.arch.name}/${m.variant.name}`;
  const r = diffEvents(
    { label: label(ma), model: ma, events: ea },
    { label: label(mb), model: mb, events: eb },
    options,
  );
  return { ...r, schedule: adapted };
}

/** One event as a diff line body, PTEs decoded by that side's arch. */
export function formatDiffEvent(e: SimEvent | null, model: Model): string {
  if (!e) return '(end of events)';
  const r = e as unknown as Record<string, unknown>;
  const parts: string[] = [e.type];
  for (const k of Object.keys(EVENT_FIELDS[e.type])) {
    const v = r[k];
    if (k === 'pte' && typeof v === 'number') parts.push(`pte=[${model.arch.formatPte(v)}]`);
    else parts.push(`${k}=${Array.isArray(v) ? `[${v.join(',')}]` : String(v)}`);
  }
  return parts.join(' ');
}
