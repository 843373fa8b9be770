import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BenchSuite, Figure } from '../types.js';
import { scaleLabel, scaleScenarioText, type ScaleSize } from '../spin/config.js';
import { PHASES, total, type ByPhase } from '../cost/phases.js';
import type { FingerprintReplay } from '../cost/replay.js';

/**
 * `npm run bench -- --suite cost`: where one search worker's time and memory traffic go, per
 * transition, on issue 15's c2 n2 k2 configurations (lost-write, merged helpers, x86-64; DFS
 * with POR and symmetry, as `explore --workers 1` runs it). Three fresh processes per
 * configuration (tools/bench/cost/child.ts): the search alone (states/s, ns per transition),
 * under the sampling CPU profiler (each phase's share of the time: decide, the copy-on-write
 * successor, applying events, property checks, the canonical fingerprint, the visited set,
 * enabled steps and POR, the step driver, the search loop, GC; see cost/phases.ts), and under
 * the sampling heap profiler (bytes allocated per transition, by phase). The profiled run's
 * time over the plain one's is printed, so the profile's own distortion is in view. A fourth
 * process replays the canonical fingerprint alone over the search's states in search order,
 * against one state fingerprinted again and again with everything in cache (cost/replay.ts):
 * their ratio is what the search's order costs (fresh elements to hash, objects to fetch from
 * memory) over the fingerprint's best case. No targets here: §2's target is one worker's
 * states/s in the scale suite; this suite says where a faster worker has to come from.
 */
const here = dirname(fileURLToPath(import.meta.url));
const child = join(here, '..', 'cost', 'child.js');

const FULL: ScaleSize[] = [
  { c: 2, n: 2, k: 2, w: 2 },
  { c: 2, n: 2, k: 2, w: 3 },
];
/** The smaller one: below about a second of search, start-up and compilation would dominate. */
const QUICK: ScaleSize[] = [{ c: 2, n: 2, k: 2, w: 2 }];

interface ChildOut {
  seconds: number;
  states: number;
  transitions: number;
  us?: ByPhase;
  bytes?: ByPhase;
  fp?: FingerprintReplay;
}

function run(mode: 'time' | 'cpu' | 'alloc' | 'replay', file: string): ChildOut {
  const r = spawnSync(process.execPath, [child, mode, file], {
    encoding: 'utf8',
    maxBuffer: 1 << 24,
  });
  if (r.status !== 0) throw new Error(`cost child ${mode} ${file}: ${r.stderr}`);
  return JSON.parse(r.stdout) as ChildOut;
}

export const costSuite: BenchSuite = {
  name: 'cost',
  description:
    "one search worker's cost per transition by phase (time from a CPU profile, bytes from a heap profile)",
  async run({ quick, log }) {
    const dir = mkdtempSync(join(tmpdir(), 'ptesim-cost-'));
    const figures: Figure[] = [];
    try {
      for (const s of quick ? QUICK : FULL) {
        const file = join(dir, `${scaleLabel(s).replaceAll(' ', '')}.json`);
        writeFileSync(file, scaleScenarioText(s));
        const name = scaleLabel(s);
        log(`# ${name} (load ${loadavg()[0]?.toFixed(2)})`);
        const plain = run('time', file);
        const cpu = run('cpu', file);
        const alloc = run('alloc', file);
        const replay = run('replay', file);
        for (const r of [cpu, alloc, replay])
          if (r.states !== plain.states || r.transitions !== plain.transitions)
            throw new Error(`${name}: a measured search explored another graph than the plain one`);
        const tr = plain.transitions;
        const ns = (plain.seconds * 1e9) / tr;
        figures.push(
          {
            name: `${name} states/s`,
            value: plain.states / plain.seconds,
            unit: 'states/s',
            note: `${plain.states} states in ${plain.seconds.toFixed(2)} s, the search alone`,
          },
          { name: `${name} ns/transition`, value: ns, unit: 'ns' },
          { name: `${name} transitions/state`, value: tr / plain.states, unit: '' },
          {
            name: `${name} profiled/plain time`,
            value: cpu.seconds / plain.seconds,
            unit: 'x',
            note: 'the CPU profiler slows the search by this much; shares are of its time',
          },
        );
        const us = cpu.us as ByPhase;
        const usAll = total(us);
        const bytes = alloc.bytes as ByPhase;
        const bytesAll = total(bytes);
        for (const p of PHASES) {
          if (us[p] === 0 && bytes[p] === 0) continue;
          const share = us[p] / usAll;
          figures.push({
            name: `${name} ${p}`,
            value: 100 * share,
            unit: '% time',
            note: `${Math.round(share * ns)} ns and ${Math.round(bytes[p] / tr)} B per transition`,
          });
        }
        figures.push({
          name: `${name} allocated/transition`,
          value: bytesAll / tr,
          unit: 'B',
          note: `${((bytesAll / alloc.seconds) * 1e-9).toFixed(2)} GB/s under the heap profiler`,
        });
        const fp = replay.fp as FingerprintReplay;
        figures.push(
          {
            name: `${name} fingerprint in search order`,
            value: fp.sortedInOrder,
            unit: 'ns/state',
            note: `the canonical fingerprint alone over the search's first ${fp.states} states, replayed in order; without symmetry ${fp.plainInOrder.toFixed(0)} ns`,
          },
          {
            name: `${name} fingerprint in cache`,
            value: fp.sortedHot,
            unit: 'ns/state',
            note: `one of those states again and again (every object in cache, every element hash cached); without symmetry ${fp.plainHot.toFixed(0)} ns`,
          },
          {
            name: `${name} fingerprint in order / in cache`,
            value: fp.sortedInOrder / fp.sortedHot,
            unit: 'x',
            note: "the search's order (fresh elements to hash, objects to fetch) over the best case",
          },
        );
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    return figures;
  },
};
