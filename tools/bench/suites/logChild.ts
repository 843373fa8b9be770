// Child process of the log bench: replays or verifies one log file in a fresh process and
// prints {ms, cpuMs, events, hash, ok, rssMB} so peak memory is that of the streaming reader alone.
import { openLogFile, replayStream, verifyLog } from '../../../src/index.js';

const [mode, path, ...more] = process.argv.slice(2) as [string, string, ...string[]];
const t0 = performance.now();
const c0 = process.cpuUsage();
if (mode === 'replay-all') {
  // Every log named, one after the other (the representative workload's many short runs).
  let events = 0;
  for (const p of [path, ...more]) {
    const r = openLogFile(p);
    const v = replayStream(r);
    if (v.matches !== true) throw new Error(`${p}: replay does not match its footer`);
    events += v.events;
    r.close();
  }
  const ms = performance.now() - t0;
  process.stdout.write(
    `${JSON.stringify({ ms, events, rssMB: process.resourceUsage().maxRSS / 1024 })}\n`,
  );
  process.exit(0);
}
const r = openLogFile(path);
let result: { events: number; hash: string; ok: boolean };
if (mode === 'verify') {
  const v = verifyLog(r);
  result = { events: v.events, hash: v.finalStateHash, ok: v.ok };
} else {
  const v = replayStream(r);
  result = { events: v.events, hash: v.finalStateHash, ok: v.matches === true };
}
r.close();
const ms = performance.now() - t0;
const cpu = process.cpuUsage(c0);
process.stdout.write(
  `${JSON.stringify({ ms, cpuMs: (cpu.user + cpu.system) / 1000, ...result, rssMB: process.resourceUsage().maxRSS / 1024 })}\n`,
);
