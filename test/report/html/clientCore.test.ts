import { describe, expect, test } from 'vitest';
import { foldEvents, type ParsedLog, type SimEvent } from '../../../src/index.js';
import { builtin } from '../../helpers/scenarios.js';
import { recordedLog, RACE } from '../recordedLog.js';
import { CLIENT_CORE_JS } from '../../../tools/report/html/clientCore.js';
import { reportData, type ReportData } from '../../../tools/report/html/reportData.js';
import { actorsOf, makeRunContext } from '../../../tools/report/runContext.js';
import { eventSource } from '../../../tools/report/eventSource.js';
import { selectEvents } from '../../../tools/report/eventFilter.js';
import { eventText } from '../../../tools/report/eventText.js';
import { openWindows } from '../../../tools/report/stateText.js';

/** The page's data layer, run here exactly as the browser runs it (same source text). */
interface Columnar {
  n: number;
}
interface PageApi {
  inflate(b64: string): Promise<Uint8Array>;
  decode(meta: ReportData, bytes: Uint8Array): Columnar;
  event(d: Columnar, meta: ReportData, i: number): Record<string, unknown>;
  actors(d: Columnar, meta: ReportData): Int32Array;
  stateAt(d: Columnar, meta: ReportData, i: number): Record<string, unknown>;
  text(e: Record<string, unknown>, meta: ReportData): string;
  select(d: Columnar, meta: ReportData, act: Int32Array, f: Record<string, unknown>): Int32Array;
}
const PT = new Function(`${CLIENT_CORE_JS}\nreturn PT;`)() as PageApi;

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

/** The parts of the state the inspector shows (all of SimState the page knows how to fold). */
const SHOWN = [
  'pages',
  'mms',
  'tlbs',
  'locks',
  'bitmaps',
  'bounds',
  'threads',
  'warnings',
  'smmus',
  'cpus',
];
const shown = (s: object): Record<string, unknown> =>
  Object.fromEntries(Object.entries(s).filter(([k]) => SHOWN.includes(k)));

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
        expect(shown(page), `state after event ${i}`).toEqual(
          JSON.parse(JSON.stringify(shown(real))),
        );
        expect(page['windows']).toEqual(i < 0 ? [] : openWindows(log.events, i));
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
    expect(shown(PT.stateAt(d, meta, i))).toEqual(
      JSON.parse(JSON.stringify(shown(foldEvents(long.header.scenario, long.events, i)))),
    );
    // A corrupted checkpoint shows up in the state: proof the fold starts there.
    const bad = {
      ...meta,
      checkpoints: meta.checkpoints.map((c, k) =>
        k === meta.checkpoints.length - 1 ? { ...c, warnings: 999 } : c,
      ),
    };
    expect(PT.stateAt(d, bad as ReportData, i)['warnings']).toBe(999);
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
