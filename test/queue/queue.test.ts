import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { build } from 'rolldown';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spinScenarioText, type SpinConfig } from '../../tools/bench/spin/config.js';

/**
 * The job queue end to end: a real redis-server on a free loopback port, two `ptesim worker`
 * processes (the CLI bundled from the sources, its search threads beside it), and submitters
 * that are CLI processes too. Without redis-server (CI installs it) the suite is skipped with
 * a note, never passed.
 */
const root = join(import.meta.dirname, '..', '..');
const redisBin = ['/usr/bin/redis-server', '/usr/local/bin/redis-server'].find(existsSync);
const inCi = process.env['CI'] === 'true';
let dir = '';
let url = '';
let redis: ChildProcess | null = null;
const workers: ChildProcess[] = [];
const workerLogs: string[] = [];

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => resolve(typeof a === 'object' && a ? a.port : 0));
    });
  });
}

function startWorker(i: number): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const p = spawn(
      process.execPath,
      [join(dir, 'cli.mjs'), 'worker', '--queue', url, '--concurrency', '1', '--lock-ms', '2000'],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    workerLogs[i] = '';
    p.stderr?.on('data', (d: Buffer) => {
      workerLogs[i] += d.toString();
      if (workerLogs[i]?.includes('worker ready')) resolve(p);
    });
    p.once('exit', (code) => reject(new Error(`worker ${i} exited ${code}: ${workerLogs[i]}`)));
    workers[i] = p;
  });
}

function cli(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [join(dir, 'cli.mjs'), ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    p.stdout?.on('data', (d: Buffer) => (out += d.toString()));
    p.stderr?.on('data', (d: Buffer) => (err += d.toString()));
    p.on('exit', (code) => resolve({ code: code ?? -1, out, err }));
  });
}

const scenario = (variant: SpinConfig['variant'], pages: 1 | 2): string => {
  const f = join(dir, `${variant}-${pages}.json`);
  writeFileSync(
    f,
    spinScenarioText({
      mode: 'wrprotect',
      variant,
      arch: 'A',
      callers: 2,
      pages,
      cpus: 2,
      prop: 'DATA',
    }),
  );
  return f;
};

beforeAll(async () => {
  if (!redisBin) return;
  // Inside the repository, so the bundle finds bullmq and ioredis in node_modules.
  mkdirSync(join(root, 'node_modules', '.cache'), { recursive: true });
  dir = mkdtempSync(join(root, 'node_modules', '.cache', 'ptesim-queue-'));
  for (const [input, file] of [
    ['tools/cli.ts', 'cli.mjs'],
    ['tools/commands/exploreWorker.ts', 'exploreWorker.js'],
  ] as const)
    await build({
      input: join(root, input),
      platform: 'node',
      external: [/^[^./]/],
      output: { file: join(dir, file), format: 'esm' },
      logLevel: 'silent',
    });
  const port = await freePort();
  url = `redis://127.0.0.1:${port}`;
  redis = spawn(
    redisBin,
    [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'no',
      '--dir',
      dir,
    ],
    { stdio: 'ignore' },
  );
  for (let i = 0; i < 50; i++) {
    const ping = spawnSync('redis-cli', ['-p', String(port), 'ping'], { encoding: 'utf8' });
    if (ping.stdout?.trim() === 'PONG') break;
    await new Promise((r) => setTimeout(r, 100));
  }
  await Promise.all([startWorker(0), startWorker(1)]);
}, 120_000);

afterAll(async () => {
  for (const w of workers) w?.kill('SIGKILL');
  redis?.kill('SIGKILL');
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(!redisBin)('the job queue (BullMQ on redis-server)', () => {
  it('runs an exhaustive search cut into subtrees: same verdict as the embedded run', async () => {
    const f = scenario('MERGED', 1);
    const q = await cli(
      'explore',
      f,
      '--property',
      'lost-write',
      '--queue',
      url,
      '--jobs',
      '6',
      '--json',
    );
    const local = await cli('explore', f, '--property', 'lost-write', '--workers', '1', '--json');
    expect(q.code).toBe(0);
    const a = JSON.parse(q.out);
    const b = JSON.parse(local.out);
    expect(a.verdict).toBe('holds');
    expect(a.exhaustive).toBe(true);
    expect(Object.keys(a).sort()).toEqual(Object.keys(b).sort());
    // The subtrees share what they stored through Redis, as soon as it is flushed: at least the
    // embedded count (states reached by two jobs before they heard of each other count twice).
    expect(a.states).toBeGreaterThanOrEqual(b.states);
    expect(workerLogs.join('')).toMatch(/job .*-5: holds/);
    // Every job took in at least the prefix's states before it started.
    const got = [...workerLogs.join('').matchAll(/: holds \(states sent (\d+), received (\d+)\)/g)];
    expect(got.length).toBeGreaterThanOrEqual(6);
    for (const m of got) expect(Number(m[2])).toBeGreaterThan(0);
  }, 120_000);

  it('finds and minimises a violation (H9-v4 with two write-protect callers, S-10)', async () => {
    const f = scenario('V4', 1);
    const q = await cli('explore', f, '--property', 'lost-write', '--queue', url, '--json');
    const local = await cli('explore', f, '--property', 'lost-write', '--workers', '1', '--json');
    expect(q.code).toBe(1);
    const a = JSON.parse(q.out);
    expect(a.verdict).toBe('violated');
    expect(a.shortest).toBe(true);
    expect(a.length).toBe(JSON.parse(local.out).length);
  }, 120_000);

  it('runs matrix cells on the queue with the embedded verdicts', async () => {
    const q = await cli('matrix', 's10-concurrent-wrprotect', '--queue', url, '--json');
    const local = await cli('matrix', 's10-concurrent-wrprotect', '--json');
    const verdicts = (o: string) => (JSON.parse(o) as { verdict: string }[]).map((c) => c.verdict);
    expect(verdicts(q.out)).toEqual(verdicts(local.out));
    expect(verdicts(q.out)).toContain('violated');
  }, 120_000);

  it('reports a search its jobs could not finish as inconclusive, never holds', async () => {
    const f = scenario('MERGED', 1);
    const q = await cli(
      'explore',
      f,
      '--property',
      'lost-write',
      '--queue',
      url,
      '--max-states',
      '300',
      '--json',
    );
    const a = JSON.parse(q.out);
    expect(a.verdict).toBe('inconclusive');
    expect(a.exhaustive).toBe(false);
    expect(a.reason).toMatch(/state limit 300/);
  }, 120_000);

  it('cancels its jobs on Ctrl-C: running ones stop, the result is inconclusive', async () => {
    const f = scenario('MERGED', 2);
    const before = workerLogs.map((l) => l.length);
    const p = spawn(
      process.execPath,
      [
        join(dir, 'cli.mjs'),
        'explore',
        f,
        '--property',
        'lost-write',
        '--queue',
        url,
        '--jobs',
        '2',
        '--json',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    p.stdout?.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number>((resolve) => p.on('exit', (c) => resolve(c ?? -1)));
    for (let t = 0; t < 300; t++) {
      await new Promise((r) => setTimeout(r, 100));
      if (workerLogs.some((l, i) => /job \S+: spin/.test(l.slice(before[i])))) break;
    }
    p.kill('SIGINT');
    await exited;
    const a = JSON.parse(out);
    expect(a.verdict).toBe('inconclusive');
    expect(a.reason).toMatch(/interrupted/);
    // The running job stops within a few seconds instead of finishing its subtree.
    for (let t = 0; t < 100; t++) {
      await new Promise((r) => setTimeout(r, 100));
      if (workerLogs.some((l, i) => /: inconclusive/.test(l.slice(before[i])))) break;
    }
    expect(workerLogs.some((l, i) => /: inconclusive/.test(l.slice(before[i])))).toBe(true);
  }, 120_000);

  it('still gets the verdict when a worker is killed mid-job (the job is run again)', async () => {
    const f = scenario('MERGED', 2);
    const before = workerLogs.map((l) => l.length);
    const sub = cli(
      'explore',
      f,
      '--property',
      'lost-write',
      '--queue',
      url,
      '--jobs',
      '1',
      '--json',
    );
    // Kill whichever worker takes a job first, while it runs.
    let victim = -1;
    for (let t = 0; t < 300 && victim < 0; t++) {
      await new Promise((r) => setTimeout(r, 100));
      victim = workerLogs.findIndex((l, i) => /job \S+: spin/.test(l.slice(before[i])));
    }
    expect(victim).toBeGreaterThanOrEqual(0);
    workers[victim]?.kill('SIGKILL');
    const q = await sub;
    const a = JSON.parse(q.out);
    expect(a.verdict).toBe('holds');
    expect(a.exhaustive).toBe(true);
    const other = 1 - victim;
    expect(workerLogs[other]?.slice(before[other])).toMatch(/: holds/);
    // Run again, the job takes in no states from the others (sound whatever its first attempt
    // published: see tools/queue/share.ts).
    expect(workerLogs[other]?.slice(before[other])).toMatch(/run again: sharing no states in/);
    await startWorker(victim);
  }, 240_000);
});

it.runIf(!redisBin && inCi)('CI has redis-server (installed by .ci/run)', () => {
  expect(redisBin).toBeDefined();
});
