// Child process of the cost bench: one exhaustive search of a scenario file on one worker
// (lost-write, DFS with POR and symmetry, no minimisation: what `ptesim explore --workers 1`
// runs), in a fresh process so that no other run's compiled code or heap is shared.
// Modes: `time` (the search alone, nothing attached), `cpu` (under the inspector's sampling CPU
// profiler: microseconds per phase), `alloc` (under its sampling heap profiler, collected
// objects kept: bytes allocated per phase), `replay` (the canonical fingerprint alone, on the
// search's states in search order against one state in cache: cost/replay.ts). Prints one
// JSON line.
import { readFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { makeModel, parseScenarioText } from '../../../src/index.js';
import { runJob } from '../../commands/exploreJob.js';
import { replayFingerprint } from './replay.js';
import { allocByPhase, cpuByPhase, type CpuProfile, type ProfileNode } from './phases.js';

const [mode, file] = process.argv.slice(2) as [string, string];
const scenario = parseScenarioText(readFileSync(file, 'utf8'), file);
const search = (): { seconds: number; states: number; transitions: number } => {
  const r = runJob({
    scenario,
    scenarioRef: file,
    properties: ['lost-write'],
    options: { strategy: 'dfs' },
    minimise: false,
  });
  if (r.result.verdict !== 'holds') throw new Error(`${file}: ${r.result.verdict}, not holds`);
  const { states, transitions } = r.result.stats;
  return { seconds: r.seconds, states, transitions };
};

// Connected only for the profiled modes: `time` and `replay` run with nothing attached.
const session = mode === 'time' || mode === 'replay' ? null : new Session();
session?.connect();
let out: object;
if (mode === 'replay') {
  let r = { seconds: 0, states: 0, transitions: 0 };
  const fp = replayFingerprint(makeModel(scenario), () => (r = search()));
  out = { ...r, fp };
} else if (session === null) out = search();
else if (mode === 'cpu') {
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 200 });
  await session.post('Profiler.start');
  const r = search();
  const { profile } = (await session.post('Profiler.stop')) as unknown as { profile: CpuProfile };
  out = { ...r, us: cpuByPhase(profile) };
} else if (mode === 'alloc') {
  await session.post('HeapProfiler.enable');
  await session.post('HeapProfiler.startSampling', {
    samplingInterval: 16384,
    includeObjectsCollectedByMajorGC: true,
    includeObjectsCollectedByMinorGC: true,
  });
  const r = search();
  const { profile } = (await session.post('HeapProfiler.stopSampling')) as unknown as {
    profile: { head: ProfileNode };
  };
  out = { ...r, bytes: allocByPhase(profile.head) };
} else throw new Error(`cost child: mode ${mode}: time, cpu, alloc or replay`);
session?.disconnect();
process.stdout.write(`${JSON.stringify(out)}\n`);
