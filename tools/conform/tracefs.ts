import { spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';

/** tracefs's standard mount point. */
export const TRACEFS = '/sys/kernel/tracing';
/** The tracepoints a conformance run records. */
export const CONFORM_EVENTS = ['exceptions/page_fault_user', 'tlb/tlb_flush'] as const;

/** Why tracing cannot run here: one line saying which and how to fix (exit 2). */
export class CannotTrace extends Error {
  override readonly name = 'CannotTrace';
}

/** A tracing session: its directory (an instance when the kernel allows) and how to undo it. */
export interface TraceSession {
  /** The directory whose trace_marker, trace and events/ the run uses. */
  readonly dir: string;
  /** An instance of its own (true) or the top-level buffer with saved settings (false). */
  readonly instance: boolean;
  /** Read the recorded trace text (tracing stopped first). */
  read(): string;
  /** Undo every change: remove the instance or restore the saved settings, unmount. Idempotent. */
  close(): void;
}

function mounted(): boolean {
  try {
    return readFileSync('/proc/mounts', 'utf8')
      .split('\n')
      .some((l) => {
        const f = l.split(' ');
        return f[1] === TRACEFS && f[2] === 'tracefs';
      });
  } catch {
    return false;
  }
}

const write = (path: string, value: string): void => writeFileSync(path, value);

/** One conformance session at a time on a machine: they share the tracefs mount. */
const LOCK = '/run/ptesim-conform.lock';

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Take the machine-wide session lock (a directory holding the owner's pid), waiting up to
 * `waitMs` for another session; a lock whose owner died is taken over. Returns its release.
 */
function lockSessions(waitMs = 120_000): () => void {
  const deadline = Date.now() + waitMs;
  for (;;) {
    try {
      mkdirSync(LOCK);
      writeFileSync(join(LOCK, 'pid'), String(process.pid));
      return () => rmSync(LOCK, { recursive: true, force: true });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    let owner = NaN;
    try {
      owner = Number(read(join(LOCK, 'pid')));
    } catch {
      // being created or removed: retry below
    }
    if (Number.isInteger(owner) && !pidAlive(owner)) {
      rmSync(LOCK, { recursive: true, force: true });
      continue;
    }
    if (Date.now() > deadline)
      throw new CannotTrace(
        `another conformance session (pid ${owner}) holds ${LOCK}: wait for it, or remove the lock if it is stale`,
      );
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 100);
  }
}
const read = (path: string): string => readFileSync(path, 'utf8');

/**
 * Open a session: mount tracefs if it is not mounted, make an instance `ptesim-conform-<pid>`
 * (or, where instances are refused, save the top-level settings it changes), enable the
 * conformance tracepoints and turn tracing on. Every step taken is undone by close(), which
 * also runs on SIGINT/SIGTERM and on process exit.
 */
export function openTraceSession(): TraceSession {
  if (process.platform !== 'linux')
    throw new CannotTrace(`conform needs Linux tracefs (this is ${process.platform})`);
  if (process.getuid?.() !== 0)
    throw new CannotTrace('conform needs root to use tracefs: run it as root (e.g. with sudo)');
  const undo: (() => void)[] = [];
  let closed = false;
  const close = (): void => {
    if (closed) return;
    closed = true;
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    process.off('exit', close);
    const errors: string[] = [];
    for (const u of undo.reverse())
      try {
        u();
      } catch (e) {
        errors.push((e as Error).message);
      }
    if (errors.length > 0)
      process.stderr.write(`ptesim conform: could not restore tracing: ${errors.join('; ')}\n`);
  };
  const onSignal = (sig: NodeJS.Signals): void => {
    close();
    process.exit(sig === 'SIGINT' ? 130 : 143);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('exit', close);
  try {
    undo.push(lockSessions());
    if (!mounted()) {
      if (!existsSync(TRACEFS))
        throw new CannotTrace(
          `${TRACEFS} does not exist: the kernel lacks tracefs (CONFIG_TRACING)`,
        );
      const r = spawnSync('mount', ['-t', 'tracefs', 'nodev', TRACEFS], { encoding: 'utf8' });
      if (r.status !== 0)
        throw new CannotTrace(
          `cannot mount tracefs at ${TRACEFS}: ${(r.stderr || r.error?.message || '').trim()} (mount it: mount -t tracefs nodev ${TRACEFS})`,
        );
      undo.push(() => {
        const u = spawnSync('umount', [TRACEFS], { encoding: 'utf8' });
        if (u.status !== 0) throw new Error(`umount ${TRACEFS}: ${(u.stderr ?? '').trim()}`);
      });
    }
    for (const ev of CONFORM_EVENTS)
      if (!existsSync(join(TRACEFS, 'events', ev, 'enable')))
        throw new CannotTrace(
          `tracepoint ${ev.replace('/', ':')} is missing from ${TRACEFS}/events: this kernel or architecture does not provide it`,
        );
    let dir = join(TRACEFS, 'instances', `ptesim-conform-${process.pid}`);
    let instance = true;
    try {
      mkdirSync(dir);
      undo.push(() => {
        // Events enabled in an instance keep it busy on some kernels: disable, then remove.
        for (const ev of CONFORM_EVENTS) write(join(dir, 'events', ev, 'enable'), '0');
        rmdirSync(dir);
      });
    } catch {
      // No instances (old kernel, or refused): the top-level buffer, every setting saved.
      dir = TRACEFS;
      instance = false;
      const saved = {
        on: read(join(dir, 'tracing_on')).trim(),
        events: CONFORM_EVENTS.map((ev) => read(join(dir, 'events', ev, 'enable')).trim()),
      };
      undo.push(() => {
        write(join(dir, 'tracing_on'), saved.on);
        CONFORM_EVENTS.forEach((ev, i) =>
          write(join(dir, 'events', ev, 'enable'), saved.events[i] ?? '0'),
        );
      });
    }
    if (instance) {
      write(join(dir, 'buffer_size_kb'), '4096');
      // Only this process and what it forks (the program): other tasks' flushes stay out of
      // the recorded trace. Both settings belong to the instance and go with it.
      try {
        write(join(dir, 'options', 'event-fork'), '1');
        // set_event_pid matches task ids: every thread of this process (a worker thread may
        // be the one that forks the program).
        write(join(dir, 'set_event_pid'), readdirSync('/proc/self/task').join(' '));
        // Context-switch flushes (reason 0) are not what an op does; leave them out.
        write(join(dir, 'events', 'tlb', 'tlb_flush', 'filter'), 'reason != 0');
      } catch {
        // Older kernels without per-instance pid filtering: the trace is filtered afterwards.
      }
    }
    for (const ev of CONFORM_EVENTS) write(join(dir, 'events', ev, 'enable'), '1');
    write(join(dir, 'tracing_on'), '1');
    return {
      dir,
      instance,
      read: () => {
        write(join(dir, 'tracing_on'), '0');
        return read(join(dir, 'trace'));
      },
      close,
    };
  } catch (e) {
    close();
    if (e instanceof CannotTrace) throw e;
    throw new CannotTrace(`cannot set up tracing in ${TRACEFS}: ${(e as Error).message}`);
  }
}
