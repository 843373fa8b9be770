import { describe, expect, test } from 'vitest';
import { isSimError } from '../../src/index.js';
import { builtin } from '../helpers/scenarios.js';
import { recordedLog, RACE } from './recordedLog.js';
import { toDot } from '../../tools/report/happensBefore.js';
import { hbGraph } from '../../tools/report/hbGraph.js';
import { eventSource } from '../../tools/report/eventSource.js';
import { makeRunContext } from '../../tools/report/runContext.js';

const log = recordedLog(builtin(RACE.scenario), { variant: RACE.variant, seed: RACE.seed });
const ctx = makeRunContext(log.header.scenario, log.header.arch, log.header.initial);

describe('happens-before DOT', () => {
  const dot = toDot(log);
  test('is a digraph with one cluster per thread, up to the first violation', () => {
    expect(dot.startsWith('digraph happens_before {')).toBe(true);
    expect(dot.trimEnd().endsWith('}')).toBe(true);
    for (const name of ['writer0', 'writer1', 'wp0', 'wp1'])
      expect(dot).toMatch(new RegExp(`label="CPU\\d ${name}"`));
    expect(dot).toContain('steps up to event 116');
    expect(dot).not.toContain('drain');
  });
  test('marks the violating step in red', () => {
    expect(dot).toMatch(/VIOLATION wrprotect-post\\l", color=red/);
  });
  test('orders conflicting steps of different threads (blue edges) and keeps program order', () => {
    const edges = [...dot.matchAll(/s(\d+) -> s(\d+) \[label="([^"]*)"(, color=blue)?/g)].filter(
      (m) => !m[3]?.startsWith('stale TLB entry'),
    );
    expect(edges.some((m) => m[4])).toBe(true);
    expect(edges.some((m) => !m[4])).toBe(true);
    // Program order within a thread, a relation between threads: never both, never neither.
    expect(edges.every((m) => (m[3] === 'program order') === !m[4])).toBe(true);
    expect(edges.every((m) => Number(m[1]) < Number(m[2]))).toBe(true);
  });
  test('labels every edge with its relation', () => {
    const lines = dot.split('\n').filter((l) => l.includes(' -> '));
    expect(lines.length).toBeGreaterThan(5);
    expect(lines.every((l) => /\[label="[^"]+"/.test(l))).toBe(true);
    expect(dot).toContain('[label="lock hand-over: ptl[mm0:0]", color=blue');
    expect(dot).toContain('[label="lock hand-over: driver_lock", color=blue');
    expect(dot).toContain('[label="PTE changed after fill", color=blue');
  });
  test('has no bookkeeping nodes, though the run has bookkeeping steps', () => {
    const { steps } = hbGraph(eventSource(log), ctx, 116);
    const book = steps.filter((s) => s.bookkeeping).length;
    expect(book).toBeGreaterThan(0);
    const nodes = [...dot.matchAll(/^ {4}s\d+ \[label="#(\d+)\\l(.*?)"/gm)];
    expect(nodes.length).toBe(steps.length - book);
    expect(nodes.every((m) => (m[2] ?? '').length > 0)).toBe(true);
    expect(dot).not.toContain('(bookkeeping)');
  });
  test('draws the stale TLB fill to the violation, and only when an entry is stale', () => {
    const m = /s(\d+) -> s(\d+) \[label="stale TLB entry: CPU1 vpn 0", color=red/.exec(dot);
    expect(m).not.toBeNull();
    const label = (k: string | undefined): string =>
      new RegExp(`s${k} \\[label="([^"]*)"`).exec(dot)?.[1] ?? '';
    expect(label(m?.[1])).toContain('TLB fill vpn 0 W D');
    expect(label(m?.[2])).toContain('VIOLATION wrprotect-post');
    // Cut before the violation: no violation node, no stale edge.
    expect(toDot(log, { until: 100 })).not.toContain('stale TLB entry');
  });
  test('names flush completion and fill reads PTE where the run has them (upstream, no violation)', () => {
    const up = recordedLog(builtin(RACE.scenario), { variant: 'upstream', seed: 2 });
    const g = toDot(up);
    expect(g).toMatch(/\[label="flush completion", color=blue/);
    expect(g).toMatch(/\[label="fill reads PTE", color=blue/);
    expect(g).not.toContain('stale TLB entry');
    expect(g).not.toContain('VIOLATION');
  });
  test('drops edges implied by others (transitive reduction)', () => {
    const edges = new Set([...dot.matchAll(/s(\d+) -> s(\d+)/g)].map((m) => `${m[1]}>${m[2]}`));
    const succ = new Map<string, string[]>();
    for (const e of edges) {
      const [a, b] = e.split('>') as [string, string];
      succ.set(a, [...(succ.get(a) ?? []), b]);
    }
    // No edge a->c when a->b->c also exists.
    for (const [a, bs] of succ)
      for (const b of bs)
        for (const c of succ.get(b) ?? []) expect(edges.has(`${a}>${c}`)).toBe(false);
  });
  test('refuses a graph too big to read, naming the flag that cuts it', () => {
    try {
      toDot(log, { until: log.events.length - 1, maxSteps: 5 });
      expect.unreachable();
    } catch (e) {
      expect(isSimError(e) && /--to N/.test(e.message)).toBe(true);
    }
  });
});
