import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  applyEvent,
  FileSink,
  firstStateWhere,
  initialMutableState,
  makeModel,
  openLogFile,
  parseScenarioText,
  Prng,
  recordRun,
  runModel,
  stateHash,
  type Scenario,
  type SimEvent,
} from '../../../src/index.js';
import { packageRoot } from '../../scenarios.js';
import type { BenchSuite, Figure } from '../types.js';
import { representativeFigures } from './logRepresentative.js';

/**
 * The standard log workload (BENCHMARKS.md §Logs): scenario seed-concurrent-wrprotect with each
 * of its two writers doing WRITES writes to a page chosen at random (a recorded choice), seed
 * 1, the seeded random scheduler; about 7 events per write, so 714,300 writes each make
 * 10.0 million events. --quick uses a tenth. Generated on every run, never committed.
 */
export const STANDARD_WRITES = 714_300;
export const STANDARD_SEED = 1;

export function standardScenario(writes: number): Scenario {
  const text = readFileSync(
    join(packageRoot(), 'scenarios', 'seed-concurrent-wrprotect.yaml'),
    'utf8',
  );
  const s = parseScenarioText(text, 'scenarios/seed-concurrent-wrprotect.yaml');
  return { ...s, threads: s.threads.map((t) => (t.kind === 'user' ? { ...t, writes } : t)) };
}

interface ChildResult {
  ms: number;
  cpuMs: number;
  events: number;
  hash: string;
  ok: boolean;
  rssMB: number;
}

function child(mode: 'replay' | 'verify', path: string): ChildResult {
  const script = fileURLToPath(new URL('./logChild.js', import.meta.url));
  const r = spawnSync(process.execPath, [script, mode, path], {
    encoding: 'utf8',
    maxBuffer: 1 << 20,
  });
  if (r.status !== 0) throw new Error(`log bench child (${mode}) failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as ChildResult;
}

const rate = (events: number, ms: number): number => (events / ms) * 1000;
const cpuNow = (): number => {
  const c = process.cpuUsage();
  return (c.user + c.system) / 1000;
};

export const logSuite: BenchSuite = {
  name: 'log',
  description:
    'format 2 logs on the standard 10-million-event workload: record, size, replay, seek, bisect, memory',
  async run({ quick, log }) {
    const writes = quick ? Math.round(STANDARD_WRITES / 10) : STANDARD_WRITES;
    const scenario = standardScenario(writes);
    const model = makeModel(scenario);
    const dir = mkdtempSync(join(tmpdir(), 'ptesim-bench-log-'));
    const path = join(dir, 'standard.ptesim');
    const figures: Figure[] = [];
    try {
      // Recording, end to end: run + encode + checkpoints + write + fsync + rename.
      let t = performance.now();
      const recCpu0 = cpuNow();
      const sink = new FileSink(path);
      const run = recordRun(model, { seed: STANDARD_SEED, maxSteps: 1e9 }, sink);
      sink.commit();
      const recordMs = performance.now() - t;
      const recordCpuMs = cpuNow() - recCpu0;
      const events = run.events;
      log(
        `  load average ${loadavg()
          .map((x) => x.toFixed(1))
          .join(
            ' ',
          )} (a shared machine slows every wall-clock figure; CPU-time rates are in the notes)`,
      );
      log(
        `  workload: ${events} events (${writes} writes per writer), recorded in ${(recordMs / 1000).toFixed(2)} s`,
      );
      const runCpu0 = cpuNow();
      runModel(model, { seed: STANDARD_SEED, maxSteps: 1e9 });
      const runOnlyCpuMs = cpuNow() - runCpu0;
      const bytes = statSync(path).size;

      // Replay and verify in fresh processes: time and peak RSS of the streaming reader.
      // Best of three: the machine may be shared; the fastest run is the least disturbed one.
      const reps = [child('replay', path), child('replay', path), child('replay', path)];
      const rep = reps.reduce((a, b) => (b.ms < a.ms ? b : a));
      if (!rep.ok || rep.hash !== run.finalStateHash)
        throw new Error(`replay disagrees: ${rep.hash} vs ${run.finalStateHash}`);
      const ver = child('verify', path);
      if (!ver.ok) throw new Error('verify failed on the standard log');

      const reader = openLogFile(path);
      // In-process replay (before the baseline fills the heap with 10 million objects).
      t = performance.now();
      reader.foldInto(reader.initialState(), 0, reader.length);
      const inProcRate = rate(events, performance.now() - t);

      // Seek: state at random events, worst case over the probes.
      const prng = new Prng(42);
      const probes = quick ? 20 : 60;
      let worst = 0;
      let total = 0;
      let worstCpu = 0;
      for (let k = 0; k < probes; k++) {
        const i = prng.int(events);
        t = performance.now();
        const c0 = cpuNow();
        reader.stateAt(i);
        const ms = performance.now() - t;
        worstCpu = Math.max(worstCpu, cpuNow() - c0);
        worst = Math.max(worst, ms);
        total += ms;
      }

      // Bisect: first event after which page 0 has been written half as often as at the end.
      const target = Math.floor(((run.finalState.pages[0]?.version ?? 0) as number) / 2);
      t = performance.now();
      const b = firstStateWhere(reader, (s) => (s.pages[0]?.version ?? 0) >= target);
      const bisectS = (performance.now() - t) / 1000;
      // Raw baseline: the same events already in memory, a plain mutable loop over the recipes.
      let rawRate = 0;
      {
        const evs: SimEvent[] = reader.events();
        for (let pass = 0; pass < 2; pass++) {
          const st = initialMutableState(scenario);
          t = performance.now();
          for (let i = 0; i < evs.length; i++) applyEvent(st, evs[i] as SimEvent);
          const ms = performance.now() - t;
          if (stateHash(st) !== run.finalStateHash) throw new Error('raw fold disagrees');
          rawRate = Math.max(rawRate, rate(evs.length, ms));
        }
      }

      reader.close();
      log(
        `  bisect: event ${b.index} after ${b.probes} checkpoint probes and ${b.folded} folded events`,
      );

      figures.push(
        {
          name: 'replayEventsPerSec',
          value: rate(rep.events, rep.ms),
          unit: 'events/s',
          target: { value: 5e6, atLeast: true },
          note: `fresh process: open, read, decode, evolve; best of 3 (all ${reps.map((x) => (rate(x.events, x.ms) / 1e6).toFixed(1)).join(', ')} M/s; CPU-time rate ${(rate(rep.events, rep.cpuMs) / 1e6).toFixed(1)} M/s)`,
        },
        {
          name: 'rawEventsPerSec',
          value: rawRate,
          unit: 'events/s',
          note: 'applyEvent loop over the events in memory',
        },
        {
          name: 'replayRatioToRaw',
          value: rate(rep.events, rep.ms) / rawRate,
          unit: '',
          target: { value: 0.4, atLeast: true },
          note: `in-process replay ${(inProcRate / 1e6).toFixed(1)} M/s`,
        },
        {
          name: 'replayRatioToRawSameProcess',
          value: inProcRate / rawRate,
          unit: '',
          note: `replay (decode + evolve) in this process ${(inProcRate / 1e6).toFixed(1)} M/s vs the raw fold ${(rawRate / 1e6).toFixed(1)} M/s`,
        },
        {
          name: 'bytesPerEvent',
          value: bytes / events,
          unit: 'bytes',
          target: { value: 4, atLeast: false },
          note: `${(bytes / 1e6).toFixed(1)} MB`,
        },
        {
          name: 'recordEventsPerSec',
          value: rate(events, recordMs),
          unit: 'events/s',
          target: { value: 1e6, atLeast: true },
          note: `CPU-time rate ${(rate(events, recordCpuMs) / 1e6).toFixed(2)} M/s; run alone (CPU time) ${(rate(events, runOnlyCpuMs) / 1e6).toFixed(2)} M/s`,
        },
        {
          name: 'seekMs',
          value: worst,
          unit: 'ms',
          target: { value: 50, atLeast: false },
          note: `worst of ${probes}; mean ${(total / probes).toFixed(1)} ms; worst CPU time ${worstCpu.toFixed(1)} ms`,
        },
        { name: 'bisectSeconds', value: bisectS, unit: 's', target: { value: 1, atLeast: false } },
        {
          name: 'replayPeakRssMB',
          value: rep.rssMB,
          unit: 'MB',
          target: { value: 256, atLeast: false },
          note: `max over the 3 runs ${Math.max(...reps.map((x) => x.rssMB)).toFixed(0)} MB`,
        },
        {
          name: 'verifyPeakRssMB',
          value: ver.rssMB,
          unit: 'MB',
          target: { value: 256, atLeast: false },
          note: `verify ${(rate(ver.events, ver.ms) / 1e6).toFixed(1)} M events/s`,
        },
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    figures.push(...representativeFigures(quick, log));
    return figures;
  },
};
