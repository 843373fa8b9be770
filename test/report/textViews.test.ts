import { describe, expect, test } from 'vitest';
import { foldEvents, isSimError, type SimEvent } from '../../src/index.js';
import { builtin } from '../helpers/scenarios.js';
import { recordedLog, RACE } from './recordedLog.js';
import { actorsOf, makeRunContext } from '../../tools/report/runContext.js';
import { eventText, stepPhrase } from '../../tools/report/eventText.js';
import { selectEvents, touchesPage } from '../../tools/report/eventFilter.js';
import { ftraceLines } from '../../tools/report/ftraceLines.js';
import { diffState, openWindows, renderState, stateLines } from '../../tools/report/stateText.js';
import { watchPage } from '../../tools/report/pageWatch.js';
import { violationMarksOf } from '../../tools/report/violations.js';

const log = recordedLog(builtin(RACE.scenario), { variant: RACE.variant, seed: RACE.seed });
const ctx = makeRunContext(log.header.scenario, log.header.arch);
const events = log.events;
const actors = actorsOf(events);
const violation =
  log.footer?.verdicts.find((v) => v.id === 'wrprotect-post')?.firstViolationEvent ?? -1;

describe('event text', () => {
  test('names PTE bits through the arch model and locks through the scenario', () => {
    const pte = events.find(
      (e): e is Extract<SimEvent, { type: 'pte/set' }> => e.type === 'pte/set',
    ) as Extract<SimEvent, { type: 'pte/set' }>;
    expect(eventText(pte, ctx)).toContain(`pte=${ctx.arch?.formatPte(pte.pte)}`);
    const lock = events.find((e) => e.type === 'lock/acquire') as SimEvent;
    expect(eventText(lock, ctx)).toMatch(
      /^lock\/acquire lock=(i_mmap_rwsem|driver_lock|ptl\[mm0:0\]) mode=[rw]$/,
    );
  });
  test('shows notifier ranges as half-open intervals', () => {
    const start = events.find((e) => e.type === 'notifier/start') as SimEvent;
    expect(eventText(start, ctx)).toBe('notifier/start mm=0 range=[0,2)');
  });
  test('leaves bookkeeping out of table phrases but keeps user accesses', () => {
    expect(stepPhrase({ type: 'thread/goto', tid: 0, pc: 1 }, ctx)).toBeNull();
    expect(stepPhrase({ type: 'thread/call', tid: 0, fn: 'access', l: [1, 1] }, ctx)).toBe(
      'write vpn 1',
    );
  });
});

describe('ftrace-like lines', () => {
  test('read <thread>-<tid> [cpu] <event#>: <event> <fields>', () => {
    const i = events.findIndex((e) => e.type === 'helper/call');
    const [line] = ftraceLines(events, actors, [i], ctx, { color: false });
    const tid = actors[i] as number;
    expect(line).toMatch(
      new RegExp(
        `^ *${ctx.threadName(tid)}-${tid} \\[00${ctx.threadCpu(tid)}\\] +${i}: helper/call fn=apply_as_wrprotect first=0 nr=2$`,
      ),
    );
  });
  test('are plain when piped and coloured on a terminal', () => {
    const idx = [0, 1, 2];
    expect(ftraceLines(events, actors, idx, ctx, { color: false }).join('')).not.toContain(
      '\u001b[',
    );
    expect(ftraceLines(events, actors, idx, ctx, { color: true }).join('')).toContain('\u001b[');
  });
  test('mark the first violation', () => {
    const [line] = ftraceLines(events, actors, [violation], ctx, {
      color: false,
      marks: violationMarksOf(log),
    });
    expect(line).toContain('<-- VIOLATION wrprotect-post');
  });
});

describe('event filter', () => {
  test('hides bookkeeping by default and shows it with all', () => {
    const plain = selectEvents(events, actors, {}, ctx);
    const all = selectEvents(events, actors, { all: true }, ctx);
    expect(all.length).toBe(events.length);
    expect(plain.length).toBeLessThan(all.length);
    expect(plain.some((i) => events[i]?.type === 'thread/goto')).toBe(false);
  });
  test('keeps only the kinds asked for, as families or exact types', () => {
    const sel = selectEvents(events, actors, { kinds: ['pte', 'tlb/flush'] }, ctx);
    expect(sel.length).toBeGreaterThan(0);
    expect(sel.every((i) => ['pte/set', 'tlb/flush'].includes(events[i]?.type ?? ''))).toBe(true);
  });
  test('keeps only events on one CPU', () => {
    const sel = selectEvents(events, actors, { cpu: 1, kinds: ['lock', 'pte', 'helper'] }, ctx);
    expect(sel.length).toBeGreaterThan(0);
    expect(sel.every((i) => ctx.threadCpu(actors[i] as number) === 1)).toBe(true);
  });
  test('keeps only events touching a page', () => {
    const sel = selectEvents(events, actors, { page: 1, all: true }, ctx);
    expect(sel.length).toBeGreaterThan(0);
    expect(sel.every((i) => touchesPage(events[i] as SimEvent, 1, ctx))).toBe(true);
    expect(touchesPage({ type: 'mem/store', tid: 0, cpu: 0, page: 0 }, 1, ctx)).toBe(false);
    expect(touchesPage({ type: 'tlb/flush', tid: 2, cpu: 0, mm: 0, from: 0, to: 2 }, 1, ctx)).toBe(
      true,
    );
  });
  test('rejects a range past the end of the log with a usage error', () => {
    try {
      selectEvents(events, actors, { from: events.length + 5 }, ctx);
      expect.unreachable();
    } catch (e) {
      expect(isSimError(e) && e.code === 'BAD_ARGUMENT' && /past the end/.test(e.message)).toBe(
        true,
      );
    }
  });
});

describe('state view', () => {
  test('shows the stale writable TLB entry at the violation (wrprotect-post, S-10)', () => {
    const lines = stateLines(
      foldEvents(ctx.scenario, events, violation),
      openWindows(events, violation),
      ctx,
    );
    const text = renderState(lines).join('\n');
    expect(text).toMatch(/CPU1: mm0 vpn 0 -> pfn 0 W D \(stale for [^)]*wp1/);
    expect(text).toContain('i_mmap_rwsem: read-held by wp0');
    expect(text).toMatch(/tlb_flush_pending=1/);
  });
  test('tracks open notifier windows', () => {
    const start = events.findIndex((e) => e.type === 'notifier/start');
    const end = events.findIndex((e) => e.type === 'notifier/end');
    expect(openWindows(events, start)).toHaveLength(1);
    expect(openWindows(events, start - 1)).toHaveLength(0);
    expect(openWindows(events, events.length - 1)).toHaveLength(0);
    expect(end).toBeGreaterThan(start);
  });
  test('diffs two instants line by line, and reports nothing for the same instant', () => {
    const at = (i: number) =>
      stateLines(foldEvents(ctx.scenario, events, i), openWindows(events, i), ctx);
    expect(diffState(at(violation), at(violation))).toEqual([]);
    const commit = events.findIndex(
      (e) => e.type === 'pte/set' && e.fn === 'ptep_modify_prot_commit',
    );
    const d = diffState(at(commit - 1), at(commit));
    expect(d).toEqual([
      `- mm0 vpn 0 (page 0): none`,
      `+ mm0 vpn 0 (page 0): ${ctx.formatPte((events[commit] as { pte: number }).pte)}`,
    ]);
  });
});

describe('page watch', () => {
  test('follows a page and reports its summary only when it changes', () => {
    const trail = watchPage(events, 0, ctx);
    expect(trail[0]?.index).toBe(-1);
    expect(trail.slice(1).every((t) => touchesPage(events[t.index] as SimEvent, 0, ctx))).toBe(
      true,
    );
    const changes = trail.filter((t) => t.summary !== null);
    expect(changes.length).toBeGreaterThan(2);
    expect(changes.some((t) => /tlb CPU1 WD!/.test(t.summary ?? ''))).toBe(true);
  });
});

describe('terminal safety', () => {
  test('shows control characters from the log as \\xNN, never raw', () => {
    const evil = {
      ...log.header.scenario,
      threads: log.header.scenario.threads.map((t, i) =>
        i === 0 ? { ...t, name: 'w\u001b[2J0' } : t,
      ),
    };
    const c = makeRunContext(evil, log.header.arch);
    expect(c.threadName(0)).toBe('w\\x1b[2J0');
    expect(eventText({ type: 'warn', tid: 0, what: 'a\u0007b' }, c)).toBe('warn what=a\\x07b');
  });
});
