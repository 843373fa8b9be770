import { describe, expect, test } from 'vitest';
import { isSimError } from '../../src/index.js';
import { builtin } from '../helpers/scenarios.js';
import { recordedLog, RACE } from './recordedLog.js';
import { toDot } from '../../tools/report/happensBefore.js';

const log = recordedLog(builtin(RACE.scenario), { variant: RACE.variant, seed: RACE.seed });

describe('happens-before DOT', () => {
  const dot = toDot(log);
  test('is a digraph with one cluster per thread, up to the first violation', () => {
    expect(dot.startsWith('digraph happens_before {')).toBe(true);
    expect(dot.trimEnd().endsWith('}')).toBe(true);
    for (const name of ['writer0', 'writer1', 'wp0', 'wp1'])
      expect(dot).toMatch(new RegExp(`label="CPU\\d ${name}"`));
    expect(dot).toContain('steps up to event 115');
    expect(dot).not.toContain('drain');
  });
  test('marks the violating step in red', () => {
    expect(dot).toMatch(/VIOLATION wrprotect-post\\l", color=red/);
  });
  test('orders conflicting steps of different threads (blue edges) and keeps program order', () => {
    const edges = [...dot.matchAll(/s(\d+) -> s(\d+)( \[color=blue\])?;/g)];
    expect(edges.some((m) => m[3])).toBe(true);
    expect(edges.some((m) => !m[3])).toBe(true);
    expect(edges.every((m) => Number(m[1]) < Number(m[2]))).toBe(true);
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
