import { describe, expect, test } from 'vitest';
import { builtin } from '../helpers/scenarios.js';
import { recordedLog, RACE } from './recordedLog.js';
import { makeRunContext } from '../../tools/report/runContext.js';
import { cpuTableMarkdown, cpuTableText, tableSteps } from '../../tools/report/cpuTable.js';
import { violationMarksOf } from '../../tools/report/violations.js';

const log = recordedLog(builtin(RACE.scenario), { variant: RACE.variant, seed: RACE.seed });
const ctx = makeRunContext(log.header.scenario, log.header.arch);
const marks = violationMarksOf(log);
const violation = [...marks.keys()][0] as number;

describe('CPU-column table', () => {
  const steps = tableSteps(log.events, ctx, { to: violation, marks });
  const text = cpuTableText(steps, ctx, 40);
  const lines = text.split('\n');

  test('has one column per thread, headed by its CPU, ordered by CPU', () => {
    expect(lines[0]).toMatch(/^ *# +CPU0 writer0 +CPU0 wp0 +CPU1 writer1 +CPU1 wp1$/);
  });
  test('writes each step in the column of the thread that ran it', () => {
    const col = (name: string) => (lines[0] as string).indexOf(name);
    const wp1Call = lines.find(
      (l) =>
        l.includes('apply_as_wrprotect(0, 2)') &&
        l.indexOf('apply_as_wrprotect') >= col('CPU1 wp1'),
    );
    const wp0Call = lines.find(
      (l) =>
        l.includes('apply_as_wrprotect(0, 2)') &&
        l.indexOf('apply_as_wrprotect') < col('CPU1 writer1'),
    );
    expect(wp0Call).toBeDefined();
    expect(wp1Call).toBeDefined();
  });
  test('names the kernel functions that changed PTEs and indents inside calls', () => {
    expect(text).toMatch(/\n[ \d]+ {3,}ptep_modify_prot_start: pte\[0\] = none/);
    expect(text).toContain('ptep_modify_prot_commit: pte[0]');
    expect(text).toContain('invalidate_range_start([0,2))');
  });
  test('shows the second caller finding the PTEs already read-only (its window stays empty: H9-v4)', () => {
    const col = (lines[0] as string).indexOf('CPU1 wp1');
    const seen = lines.filter((l) => /pte\[\d\] already read-only/.test(l));
    expect(seen.length).toBeGreaterThanOrEqual(2);
    expect(seen.every((l) => l.indexOf('pte[') >= col)).toBe(true);
  });
  test('ends with the violation, as a full-width line', () => {
    expect(lines[lines.length - 1]).toMatch(
      /^ +\*\*\* VIOLATION wrprotect-post: thread 3 returned from apply_as_wrprotect/,
    );
  });
  test('leaves out steps that did nothing a reviewer would write down', () => {
    expect(steps.every((s) => s.lines.length > 0 || s.marks.length > 0)).toBe(true);
    expect(tableSteps(log.events, ctx, { to: violation, allSteps: true }).length).toBeGreaterThan(
      steps.length,
    );
  });
  test('respects the column width by wrapping', () => {
    const narrow = cpuTableText(steps, ctx, 24).split('\n').slice(2);
    for (const l of narrow.filter((x) => !x.includes('VIOLATION'))) {
      const cells = l.slice(5).match(/.{1,26}/g) ?? [];
      expect(cells.every((c) => c.trimEnd().length <= 24)).toBe(true);
    }
  });
  test('renders as Markdown with escaped cells', () => {
    const md = cpuTableMarkdown(steps, ctx).split('\n');
    expect(md[0]).toBe('| # | CPU0 writer0 | CPU0 wp0 | CPU1 writer1 | CPU1 wp1 |');
    expect(md[1]).toBe('|---:|---|---|---|---|');
    expect(md.every((l) => l.startsWith('|') && l.endsWith('|'))).toBe(true);
    expect(md.join('\n')).toContain('P\\|SavedDirty\\|A\\|special');
    expect(md.some((l) => l.includes('**VIOLATION wrprotect-post'))).toBe(true);
  });
});

describe('CPU-column table wrapping', () => {
  test('terminates and stays within the column for narrow widths and deep indentation', () => {
    const step = {
      index: 0,
      tid: 0,
      lines: [`${' '.repeat(30)}${'x'.repeat(50)} ${'y '.repeat(40)}`],
      marks: [],
    };
    for (const w of [1, 12, 13, 20]) {
      const out = cpuTableText([step], ctx, w).split('\n').slice(2);
      expect(out.length).toBeGreaterThan(1);
      expect(out.every((l) => l.slice(5).trimEnd().length <= Math.max(12, w))).toBe(true);
    }
  });
});
