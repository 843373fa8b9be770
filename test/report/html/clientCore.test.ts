import { describe, expect, test } from 'vitest';
import {
  applyEvent,
  foldEvents,
  type MutableSimState,
  STATE_SCHEMA,
  type ParsedLog,
  type Scenario,
  type SimEvent,
} from '../../../src/index.js';
import { builtin, builtinNames } from '../../helpers/scenarios.js';
import { recordedLog, RACE } from '../recordedLog.js';
import { CLIENT_CORE_JS } from '../../../tools/report/html/clientCore.js';
import { PAGE_MODEL_JS } from '../../../tools/report/html/pageModel.js';
import { reportData, type ReportData } from '../../../tools/report/html/reportData.js';
import { actorsOf, makeRunContext } from '../../../tools/report/runContext.js';
import { eventSource } from '../../../tools/report/eventSource.js';
import { selectEvents } from '../../../tools/report/eventFilter.js';
import { eventText } from '../../../tools/report/eventText.js';
import {
  openWindows,
  stateLines,
  trackWindow,
  type OpenWindow,
  type StateLine,
} from '../../../tools/report/stateText.js';

/** The page's data layer, run here exactly as the browser runs it (same source text). */
interface Columnar {
  n: number;
}
interface PageApi {
  inflate(b64: string): Promise<Uint8Array>;
  decode(meta: ReportData, bytes: Uint8Array): Columnar;
  event(d: Columnar, meta: ReportData, i: number): Record<string, unknown>;
  actors(d: Columnar, meta: ReportData): Int32Array;
  stateAt(d: Columnar, meta: ReportData, i: number): PageState;
  apply(s: PageState, e: Record<string, unknown>, i: number): void;
  clone<T>(x: T): T;
  view(meta: ReportData, s: PageState): StateLine[];
  stops(d: Columnar, meta: ReportData, all: boolean): Int32Array;
  text(e: Record<string, unknown>, meta: ReportData): string;
  select(d: Columnar, meta: ReportData, act: Int32Array, f: Record<string, unknown>): Int32Array;
}
interface PageState {
  state: Record<string, unknown>;
  windows: OpenWindow[];
}
const PT = new Function(`${PAGE_MODEL_JS}\n${CLIENT_CORE_JS}\nreturn PT;`)() as PageApi;
/** A state as JSON gives it to the page (no undefined, no shared objects). */
const plain = (x: unknown): unknown => JSON.parse(JSON.stringify(x));

async function load(log: ParsedLog): Promise<{ meta: ReportData; d: Columnar }> {
  const meta = reportData(eventSource(log));
  return { meta, d: PT.decode(meta, await PT.inflate(meta.data)) };
}

const runs: { name: string; log: ParsedLog }[] = [
  {
    name: 'seed race',
    log: recordedLog(builtin(RACE.scenario), { variant: RACE.variant, seed: RACE.seed }),
  },
  {
    name: 'concurrent wrprotect upstream',
    log: recordedLog(builtin('seed-concurrent-wrprotect'), { variant: 'upstream', seed: 4 }),
  },
  { name: 'clean', log: recordedLog(builtin('seed-clean'), { seed: 9 }) },
  { name: 'mkwrite', log: recordedLog(builtin('seed-wrprotect-mkwrite'), { seed: 2 }) },
];

describe('report page data layer', () => {
  test.each(runs)('decodes the packed events back to the log: $name', async ({ log }) => {
    const { meta, d } = await load(log);
    expect(d.n).toBe(log.events.length);
    for (let i = 0; i < log.events.length; i++) expect(PT.event(d, meta, i)).toEqual(log.events[i]);
  });

  test.each(runs)(
    'folds to the same state as src/evolve at every event: $name',
    async ({ log }) => {
      const { meta, d } = await load(log);
      const n = log.events.length;
      for (let i = -1; i < n; i++) {
        const page = PT.stateAt(d, meta, i);
        const real =
          i < 0
            ? foldEvents(log.header.scenario, [], undefined)
            : foldEvents(log.header.scenario, log.events, i);
        expect(page.state, `state after event ${i}`).toEqual(plain(real));
        expect(page.windows).toEqual(i < 0 ? [] : openWindows(log.events, i));
      }
    },
  );

  test('uses checkpoints: a long log folds from the nearest one, not from the start', async () => {
    const long = recordedLog(
      {
        ...builtin('seed-clean'),
        threads: builtin('seed-clean').threads.map((t) =>
          t.kind === 'user' ? { ...t, writes: 60 } : t,
        ),
      },
      { seed: 5 },
    );
    const { meta, d } = await load(long);
    expect(meta.checkpoints.length).toBeGreaterThan(1);
    const i = long.events.length - 3;
    expect(PT.stateAt(d, meta, i).state).toEqual(
      plain(foldEvents(long.header.scenario, long.events, i)),
    );
    // A corrupted checkpoint shows up in the state: proof the fold starts there.
    const bad = {
      ...meta,
      checkpoints: meta.checkpoints.map((c, k) =>
        k === meta.checkpoints.length - 1 ? { ...c, state: { ...c.state, warnings: 999 } } : c,
      ),
    };
    expect(PT.stateAt(d, bad as ReportData, i).state['warnings']).toBe(999);
  });

  test('formats events like the CLI and filters like it', async () => {
    const log = runs[0]?.log as ParsedLog;
    const { meta, d } = await load(log);
    const ctx = makeRunContext(log.header.scenario, log.header.arch);
    for (let i = 0; i < log.events.length; i++)
      expect(PT.text(PT.event(d, meta, i), meta)).toBe(eventText(log.events[i] as SimEvent, ctx));
    const act = PT.actors(d, meta);
    expect([...act]).toEqual([...actorsOf(log.events)]);
    for (const f of [
      {},
      { all: true },
      { kinds: ['pte', 'lock'] },
      { cpu: 1 },
      { page: 1 },
      { page: 0, kinds: ['tlb'] },
    ])
      expect([...PT.select(d, meta, act, f)], JSON.stringify(f)).toEqual(
        selectEvents(log.events, actorsOf(log.events), f, ctx),
      );
    expect([...PT.select(d, meta, act, { tid: 3 })].every((i) => act[i] === 3)).toBe(true);
  });
});

describe('report page data layer on hostile input', () => {
  test('an event naming a thread the scenario lacks has no CPU and breaks nothing', async () => {
    const log = runs[0]?.log as ParsedLog;
    const events = [...log.events];
    events.splice(5, 0, { type: 'warn', tid: 99, what: '<b>x</b>' });
    const bad: ParsedLog = { ...log, events };
    const { meta, d } = await load(bad);
    const act = PT.actors(d, meta);
    expect(act[5]).toBe(99);
    const ctx = makeRunContext(bad.header.scenario, bad.header.arch);
    for (const f of [{ cpu: 0 }, { cpu: 1 }, { page: 0 }])
      expect([...PT.select(d, meta, act, f)]).toEqual(
        selectEvents(events, actorsOf(events), f, ctx),
      );
    expect(PT.text(PT.event(d, meta, 5), meta)).toBe('warn what=<b>x</b>');
  });
});

/** Recipes no kernel routine of the model emits yet (the recipe exists for imported traces). */
const NOT_EMITTED = new Set(['smmu/zap']);
/** Event types whose recipes change some part of the state (the schema's touchedBy). */
const STATE_EVENTS = [...new Set(STATE_SCHEMA.flatMap((p) => Object.keys(p.touchedBy)))].filter(
  (t) => !NOT_EMITTED.has(t),
);

/**
 * Every cell of every built-in scenario's matrix (seed 1), the per-CPU flush bookkeeping models
 * (T2 lazy CPU, T3 arm64 nosync TLBI), a VMA seed-v4 warns about and, for each state-changing event type no seed-1 run
 * records, the first run (seeds 2..40) that does.
 */
function builtinRuns(): { name: string; log: ParsedLog }[] {
  const cells: { name: string; s: Scenario; arch: string; variant: string }[] = [];
  for (const name of builtinNames()) {
    const s = builtin(name);
    for (const arch of s.matrix.archs)
      for (const variant of s.matrix.variants) cells.push({ name, s, arch, variant });
  }
  const seed = builtin('seed-concurrent-wrprotect');
  const lazy = { ...seed, options: { ...seed.options, arch: { lazyCpus: '1' } } };
  const nosync = { ...seed, options: { ...seed.options, arch: { tlbi: 'nosync' } } };
  cells.push({ name: 'lazy-cpu', s: lazy, arch: 'x86-64', variant: 'upstream' });
  cells.push({ name: 'nosync', s: nosync, arch: 'arm64-dbm', variant: 'upstream' });
  // seed-v4 WARNs on a VMA without VM_IO (the `warn` event).
  const noIo = {
    ...seed,
    mms: seed.mms.map((mm) => ({
      ...mm,
      vmas: mm.vmas.map((v) => ({ ...v, flags: v.flags.filter((f) => f !== 'io') })),
    })),
  };
  cells.push({ name: 'no-io', s: noIo, arch: 'x86-64', variant: 'seed-v4' });
  const out: { name: string; log: ParsedLog }[] = [];
  const missing = new Set(STATE_EVENTS);
  for (let k = 1; k <= 40 && (k === 1 || missing.size > 0); k++)
    for (const c of cells) {
      const log = recordedLog(c.s, { arch: c.arch, variant: c.variant, seed: k });
      if (k > 1 && !log.events.some((e) => missing.has(e.type))) continue;
      for (const e of log.events) missing.delete(e.type);
      out.push({ name: `${c.name} ${c.variant} ${c.arch} seed ${k}`, log });
    }
  return out;
}

/**
 * Folds `log` in the page (`pt`: its data layer, as the browser runs it) and with the library
 * (applyEvent on the header's initial state, as replay does), and compares the whole state, the
 * open windows and the state view's lines after every event, and the checkpoint-started fold
 * (stateAt) around every checkpoint. The first difference, or null.
 */
async function firstDifference(pt: PageApi, log: ParsedLog): Promise<string | null> {
  const meta = reportData(eventSource(log));
  const d = pt.decode(meta, await pt.inflate(meta.data));
  const ctx = makeRunContext(log.header.scenario, log.header.arch, log.header.initial);
  const real: MutableSimState = ctx.initialState();
  const windows: OpenWindow[] = [];
  const page = pt.clone(meta.checkpoints[0] as unknown as PageState);
  const same = (a: unknown, b: unknown): boolean =>
    JSON.stringify(plain(a)) === JSON.stringify(plain(b));
  for (let i = 0; i < log.events.length; i++) {
    const e = log.events[i] as SimEvent;
    applyEvent(real, e);
    trackWindow(windows, e, i);
    pt.apply(page, pt.event(d, meta, i), i);
    if (!same(page.state, real)) return `state after event ${i} (${e.type})`;
    if (!same(page.windows, windows)) return `windows after event ${i}`;
    if (!same(pt.view(meta, page), stateLines(real, windows, ctx)))
      return `state view after event ${i} (${e.type})`;
    const k = (i + 1) % meta.K;
    if ((k <= 1 || i === log.events.length - 1) && !same(pt.stateAt(d, meta, i), page))
      return `stateAt(${i}) (folded from a checkpoint)`;
  }
  return null;
}

describe('report page fold and state view against the library, on every built-in scenario', () => {
  const all = builtinRuns();

  test('covers every built-in scenario, every state part and every state-changing event', () => {
    const names = new Set(all.map((r) => r.name.split(' ')[0]));
    for (const n of builtinNames()) expect(names).toContain(n);
    const types = new Set(all.flatMap((r) => r.log.events.map((e) => e.type)));
    // Among them the events whose parts the old hand-written page fold left stale.
    for (const t of STATE_EVENTS) expect(types, t).toContain(t);
    const parts = new Set(all.flatMap((r) => Object.keys(r.log.header.initial ?? {})));
    for (const p of STATE_SCHEMA) expect(parts, p.key).toContain(p.key);
  });

  test.each(all)('same state, windows and view after every event: $name', async ({ log }) => {
    expect(await firstDifference(PT, log)).toBeNull();
  });

  test('a page fold that misses an event type is caught (the old fold ignored vma/write)', async () => {
    const broken = new Function(
      `${PAGE_MODEL_JS}\nvar real = PTM.applyEvent;\n` +
        `PTM.applyEvent = function (s, e) { if (e.type !== 'vma/write') real(s, e); };\n` +
        `${CLIENT_CORE_JS}\nreturn PT;`,
    )() as PageApi;
    const run = all.find((r) => r.log.events.some((e) => e.type === 'vma/write'));
    expect(run).toBeDefined();
    expect(await firstDifference(broken, run?.log as ParsedLog)).toMatch(
      /^state after event \d+ \(vma\/write\)$/,
    );
    expect(await firstDifference(PT, run?.log as ParsedLog)).toBeNull();
  });

  test('the slider stops at every event but bookkeeping, or at every event when asked', async () => {
    const log = runs[0]?.log as ParsedLog;
    const { meta, d } = await load(log);
    const skip = new Set(['thread/goto', 'thread/set', '@sim/sched', '@sim/choice']);
    const want = log.events.flatMap((e, i) => (skip.has(e.type) ? [] : [i]));
    expect(want.length).toBeLessThan(log.events.length / 2);
    expect([...PT.stops(d, meta, false)]).toEqual(want);
    expect([...PT.stops(d, meta, true)]).toEqual(log.events.map((_, i) => i));
  });
});
