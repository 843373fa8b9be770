import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  applyEvent,
  FileSink,
  initialMutableState,
  makeModel,
  openLogFile,
  parseScenarioText,
  recordRun,
  stateHash,
  type Scenario,
  type SimEvent,
} from '../../../src/index.js';
import type { Figure } from '../types.js';

/**
 * The representative log workload (BENCHMARKS.md §Logs): natural runs, not a writer loop. One
 * scenario with what the seed scenarios have between them: 4 writers on 4 CPUs (50 writes each
 * to pages chosen at random), a device behind a secondary MMU (50 stores), 12 write-protect
 * callers, 6 writebacks and a drain, on 8 pages of a shared mapping with a driver in mkwrite
 * mode; recorded with seeds 1, 2, ... (one log per run, about 4,800 events each) until about a
 * million events (--quick: a tenth). PTE, TLB, lock, notifier and fault events are a real share
 * (the mix is printed). Figures: bytes per event over all the logs, replay in this process vs a
 * raw fold of the same events in memory (replay/raw, same process), and a fresh process
 * replaying every log.
 */
export function representativeScenario(): Scenario {
  const threads: Record<string, unknown>[] = [];
  for (let c = 0; c < 4; c++)
    threads.push({ kind: 'user', name: `writer${c}`, cpu: c, writes: 50 });
  threads.push({ kind: 'device', name: 'gpu', sub: 0, writes: 50 });
  for (let i = 0; i < 12; i++)
    threads.push({ kind: 'caller', name: `wp${i}`, cpu: i % 4, protocol: 'snap' });
  for (let i = 0; i < 6; i++) threads.push({ kind: 'writeback', name: `wb${i}`, cpu: i % 4 });
  threads.push({ kind: 'drain', name: 'drain', cpu: 0, protocol: 'snap' });
  const text = JSON.stringify({
    name: 'representative',
    description: 'natural runs: writers, a device, write-protect callers, writeback, drain',
    arch: 'x86-64',
    variant: 'upstream',
    options: { faultPath: 'faithful', flush: 'per-cpu', tlbCapacity: 4, ptesPerTable: 512 },
    pages: 8,
    cpus: 4,
    mms: [{ vmas: [{ start: 0, pgoff: 0, npages: 8, flags: ['shared', 'write', 'maywrite'] }] }],
    initialPte: 'writable-dirty',
    driver: { mode: 'mkwrite', initialBitmap: 'all' },
    secondaryMmus: [{ mm: 0 }],
    threads,
  });
  return parseScenarioText(text, 'representative workload');
}

const rate = (events: number, ms: number): number => (events / ms) * 1000;

export function representativeFigures(quick: boolean, log: (line: string) => void): Figure[] {
  const target = quick ? 100_000 : 1_000_000;
  const model = makeModel(representativeScenario());
  const dir = mkdtempSync(join(tmpdir(), 'ptesim-bench-rep-'));
  try {
    const paths: string[] = [];
    const hashes: string[] = [];
    let events = 0;
    let bytes = 0;
    const t0 = performance.now();
    for (let seed = 1; events < target; seed++) {
      const path = join(dir, `run${seed}.ptesim`);
      const sink = new FileSink(path);
      const run = recordRun(model, { seed, maxSteps: 1e7 }, sink);
      sink.commit();
      events += run.events;
      bytes += statSync(path).size;
      paths.push(path);
      hashes.push(run.finalStateHash);
    }
    const recordMs = performance.now() - t0;
    // In this process: replay every log (open, read, decode, evolve), then the raw fold.
    const mix = new Map<string, number>();
    const all: SimEvent[][] = [];
    let t = performance.now();
    paths.forEach((p, i) => {
      const r = openLogFile(p);
      const s = r.foldInto(r.initialState(), 0, r.length);
      if (stateHash(s) !== hashes[i]) throw new Error(`replay of ${p} disagrees`);
      r.close();
    });
    const replayMs = performance.now() - t;
    for (const p of paths) {
      const r = openLogFile(p);
      const evs = r.events();
      for (const e of evs) {
        const k = e.type.split('/')[0] ?? e.type;
        mix.set(k, (mix.get(k) ?? 0) + 1);
      }
      all.push(evs);
      r.close();
    }
    let rawMs = Infinity;
    for (let pass = 0; pass < 2; pass++) {
      t = performance.now();
      all.forEach((evs, i) => {
        const st = initialMutableState(model.scenario);
        for (let k = 0; k < evs.length; k++) applyEvent(st, evs[k] as SimEvent);
        if (pass === 0 && stateHash(st) !== hashes[i]) throw new Error('raw fold disagrees');
      });
      rawMs = Math.min(rawMs, performance.now() - t);
    }
    // A fresh process replaying every log.
    const script = fileURLToPath(new URL('./logChild.js', import.meta.url));
    const fresh = spawnSync(process.execPath, [script, 'replay-all', ...paths], {
      encoding: 'utf8',
      maxBuffer: 1 << 20,
    });
    if (fresh.status !== 0) throw new Error(`fresh replay failed: ${fresh.stderr}`);
    const f = JSON.parse(fresh.stdout) as { ms: number; events: number; rssMB: number };
    const share = [...mix.entries()]
      .sort((a, b) => b[1] - a[1])
      .map(([k, n]) => `${k} ${((100 * n) / events).toFixed(1)}%`)
      .join(', ');
    log(
      `  representative workload: ${paths.length} runs, ${events} events, recorded in ${(recordMs / 1000).toFixed(1)} s; mix ${share}`,
    );
    return [
      {
        name: 'representative bytesPerEvent',
        value: bytes / events,
        unit: 'bytes',
        note: `${paths.length} logs, ${(bytes / 1e6).toFixed(2)} MB (each log carries its header and scenario)`,
      },
      {
        name: 'representative replay/raw',
        value: rawMs / replayMs,
        unit: '',
        note: `same process: replay ${(rate(events, replayMs) / 1e6).toFixed(2)} M/s, raw fold ${(rate(events, rawMs) / 1e6).toFixed(2)} M/s`,
      },
      {
        name: 'representative fresh replay',
        value: rate(f.events, f.ms),
        unit: 'events/s',
        note: `one fresh process replaying all ${paths.length} logs, start-up included; peak ${f.rssMB.toFixed(0)} MB`,
      },
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
