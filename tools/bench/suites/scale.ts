import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BenchSuite, Figure } from '../types.js';
import { spinScenarioText, type SpinConfig } from '../spin/config.js';

/**
 * `npm run bench -- --suite scale`: one exhaustive search (lost-write, merged helpers, x86-64,
 * SPIN-equivalent setting; c callers, n pages, k CPUs, w writes per writer) with 1 worker
 * thread, with N (the cores), and through the job queue on 2 `ptesim worker` processes (a
 * redis-server started here on a free port, when installed). Each run is a fresh CLI process
 * under GNU time (wall seconds, peak resident set). Figures: states/s of one worker, the
 * N-worker speed-up over one (measured back to back in this run; the machine's load is
 * printed, since other users share the cores), states/s per worker, peak memory. SPIN's
 * figures are the ones recorded on this machine class (SPIN 6.5.2, the anchor's flags, an 8 GB
 * memory limit), printed beside.
 */
const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..', '..', '..');
const cli = join(root, 'dist', 'tools', 'cli.js');

interface Scale {
  readonly c: number;
  readonly n: number;
  readonly k: number;
  readonly w: number;
  /** SPIN 6.5.2 on this machine class (8 GB limit): states, seconds, GB, or null. */
  readonly spin: string | null;
}

const FULL: Scale[] = [
  { c: 2, n: 2, k: 2, w: 2, spin: null },
  { c: 2, n: 2, k: 2, w: 3, spin: '69.8 M states, 138 s, 7.1 GB' },
  { c: 2, n: 2, k: 3, w: 2, spin: 'memory limit at 68.7 M states, 145 s' },
  { c: 2, n: 3, k: 2, w: 2, spin: 'memory limit at 67.8 M states, 149 s' },
  { c: 3, n: 2, k: 2, w: 2, spin: 'memory limit at 74.5 M states, 162 s' },
];
const QUICK: Scale[] = [
  { c: 2, n: 1, k: 2, w: 2, spin: null },
  { c: 2, n: 2, k: 2, w: 2, spin: null },
];

const label = (s: Scale): string => `c${s.c} n${s.n} k${s.k} w${s.w}`;

function scenarioText(s: Scale): string {
  const c = {
    mode: 'wrprotect',
    variant: 'MERGED',
    arch: 'A',
    callers: s.c,
    pages: s.n,
    cpus: s.k,
    prop: 'DATA',
  } as unknown as SpinConfig;
  const j = JSON.parse(spinScenarioText(c)) as {
    name: string;
    threads: { kind: string; writes?: number }[];
  };
  for (const t of j.threads) if (t.kind === 'user') t.writes = s.w;
  j.name = `${j.name}_w${s.w}`;
  return JSON.stringify(j, null, 1);
}

interface Run {
  seconds: number;
  /** User + system CPU seconds of the process (all its threads). */
  cpu: number;
  mb: number;
  verdict: string;
  states: number;
}

function explore(file: string, args: string[]): Run {
  const t0 = performance.now();
  const r = spawnSync(
    '/usr/bin/time',
    [
      '-f',
      '%M %U %S',
      process.execPath,
      cli,
      'explore',
      file,
      '--property',
      'lost-write',
      '--json',
      ...args,
    ],
    { encoding: 'utf8', maxBuffer: 1 << 26 },
  );
  const seconds = (performance.now() - t0) / 1000;
  const [kb, user, sys] = (r.stderr.trim().split('\n').pop() ?? '0 0 0').trim().split(' ');
  const j = JSON.parse(r.stdout) as { verdict: string; states: number };
  return {
    seconds,
    cpu: Number(user) + Number(sys),
    mb: Number(kb) / 1024,
    verdict: j.verdict,
    states: j.states,
  };
}

/** A redis-server on a free port and two `ptesim worker` processes, or null without redis. */
async function startQueue(dir: string): Promise<{ url: string; stop(): void } | null> {
  const bin = ['/usr/bin/redis-server', '/usr/local/bin/redis-server'].find(existsSync);
  if (!bin) return null;
  const port = 20000 + Math.floor(Math.random() * 20000);
  const url = `redis://127.0.0.1:${port}`;
  const procs: ChildProcess[] = [
    spawn(bin, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--dir', dir], {
      stdio: 'ignore',
    }),
  ];
  await new Promise((r) => setTimeout(r, 500));
  for (let i = 0; i < 2; i++) {
    const w = spawn(process.execPath, [cli, 'worker', '--queue', url, '--concurrency', '1'], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    procs.push(w);
    await new Promise<void>((resolve) => {
      let err = '';
      w.stderr?.on('data', (d: Buffer) => {
        err += d.toString();
        if (err.includes('worker ready')) resolve();
      });
    });
  }
  return {
    url,
    stop: () => {
      for (const p of procs.reverse()) p.kill('SIGTERM');
    },
  };
}

export const scaleSuite: BenchSuite = {
  name: 'scale',
  description:
    'one exhaustive search on 1 worker, N workers and 2 queue worker processes (states/s, speed-up, peak memory; SPIN recorded beside)',
  async run({ quick, log }) {
    const cores = availableParallelism();
    const figures: Figure[] = [];
    const dir = mkdtempSync(join(tmpdir(), 'ptesim-scale-'));
    const queue = await startQueue(dir);
    if (!queue) log('  redis-server not found: no queue figures (apt-get install redis-server)');
    try {
      for (const s of quick ? QUICK : FULL) {
        const file = join(dir, `${label(s).replaceAll(' ', '')}.json`);
        writeFileSync(file, scenarioText(s));
        const load = loadavg()[0]?.toFixed(1);
        const one = explore(file, ['--workers', '1']);
        const many = explore(file, ['--workers', String(cores)]);
        const q = queue ? explore(file, ['--queue', queue.url, '--jobs', '16']) : null;
        const loadAfter = loadavg()[0]?.toFixed(1);
        const rate = (r: Run): number => r.states / r.seconds;
        log(
          `  ${label(s)} (load ${load} → ${loadAfter} on ${cores} cores): ` +
            `1 worker ${one.verdict} ${one.states.toLocaleString('en')} states ${one.seconds.toFixed(1)} s ${one.mb.toFixed(0)} MB; ` +
            `${cores} workers ${many.verdict} ${many.states.toLocaleString('en')} states ${many.seconds.toFixed(1)} s ${many.mb.toFixed(0)} MB` +
            (q
              ? `; queue (2 processes) ${q.verdict} ${q.states.toLocaleString('en')} states ${q.seconds.toFixed(1)} s`
              : '') +
            (s.spin ? ` | SPIN ${s.spin}` : ''),
        );
        const name = label(s);
        figures.push(
          {
            name: `${name} 1 worker`,
            value: rate(one),
            unit: 'states/s',
            target: { value: 300_000, atLeast: true },
          },
          {
            name: `${name} ${cores} workers speed-up`,
            value: one.seconds / many.seconds,
            unit: 'x',
            target: { value: 1.7, atLeast: true },
            note: `${one.seconds.toFixed(1)} s vs ${many.seconds.toFixed(1)} s, load ${load}`,
          },
          {
            name: `${name} ${cores} workers CPU efficiency`,
            value: one.cpu / many.cpu,
            unit: 'x',
            note: `CPU ${one.cpu.toFixed(1)} s vs ${many.cpu.toFixed(1)} s: the speed-up an idle machine would allow is about ${cores} × this`,
          },
          {
            name: `${name} 1 worker per CPU second`,
            value: one.states / one.cpu,
            unit: 'states/s',
          },
          { name: `${name} per worker`, value: rate(many) / cores, unit: 'states/s' },
          {
            name: `${name} peak memory`,
            value: many.mb,
            unit: 'MB',
            note: `1 worker ${one.mb.toFixed(0)} MB`,
          },
          {
            name: `${name} same verdict and count`,
            value:
              one.verdict === many.verdict &&
              Math.abs(one.states - many.states) <= one.states / 1000
                ? 1
                : 0,
            unit: 'bool',
            target: { value: 1, atLeast: true },
          },
        );
        if (q)
          figures.push({
            name: `${name} queue`,
            value: q.seconds,
            unit: 's',
            note: `${q.verdict}, ${q.states.toLocaleString('en')} states counted over the subtrees`,
          });
      }
    } finally {
      queue?.stop();
      rmSync(dir, { recursive: true, force: true });
    }
    return figures;
  },
};
