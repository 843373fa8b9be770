import { describe, expect, test } from 'vitest';
import { builtin } from '../helpers/scenarios.js';
import { recordedLog, RACE } from './recordedLog.js';
import { makeRunContext } from '../../tools/report/runContext.js';
import {
  cpuTableMarkdown,
  cpuTableText,
  tableSteps,
  wrapAtoms,
  wrapLine,
  type TableStep,
} from '../../tools/report/cpuTable.js';
import { isSimError } from '../../src/index.js';
import { violationMarksOf } from '../../tools/report/violations.js';

const log = recordedLog(builtin(RACE.scenario), { variant: RACE.variant, seed: RACE.seed });
const ctx = makeRunContext(log.header.scenario, log.header.arch);
const marks = violationMarksOf(log);
const violation = [...marks.keys()][0] as number;

describe('CPU-column table', () => {
  const steps = tableSteps(log.events, ctx, { to: violation, marks });
  const text = cpuTableText(steps, ctx, { columnWidth: 40 });
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
  test('renders as Markdown with escaped cells', () => {
    const md = cpuTableMarkdown(steps, ctx).split('\n');
    expect(md[0]).toBe('| # | CPU0 writer0 | CPU0 wp0 | CPU1 writer1 | CPU1 wp1 |');
    expect(md[1]).toBe('|---:|---|---|---|---|');
    expect(md.every((l) => l.startsWith('|') && l.endsWith('|'))).toBe(true);
    expect(md.join('\n')).toContain('P\\|SavedDirty\\|A\\|special');
    expect(md.some((l) => l.includes('**VIOLATION wrprotect-post'))).toBe(true);
  });
});

/** Every piece (identifier, call, PTE flag) of `lines`, counted: a split piece goes missing. */
function pieces(lines: readonly string[]): Map<string, number> {
  const n = new Map<string, number>();
  for (const l of lines) for (const a of wrapAtoms(l)) n.set(a.text, (n.get(a.text) ?? 0) + 1);
  return n;
}
/** The pieces of `want` that `got` lacks (or has fewer of). */
function missing(want: Map<string, number>, got: Map<string, number>): string[] {
  return [...want].filter(([t, c]) => (got.get(t) ?? 0) < c).map(([t]) => t);
}

describe('wrapping at token boundaries', () => {
  const line = '  ptep_modify_prot_commit: pte[0] = pfn=0 P|SavedDirty|A|special';
  test('keeps lines within the width, breaking at spaces and between PTE flags only', () => {
    for (const w of [24, 30, 40, 50]) {
      const out = wrapLine(line, w);
      expect(out.every((l) => l.length <= w)).toBe(true);
      expect(missing(pieces([line]), pieces(out))).toEqual([]);
      expect(out.join('').replace(/ /g, '')).toBe(line.replace(/ /g, ''));
    }
    expect(wrapLine(line, 30)).toEqual([
      '  ptep_modify_prot_commit:',
      '    pte[0] = pfn=0 P|',
      '    SavedDirty|A|special',
    ]);
  });
  test('moves a piece too long for its indentation left rather than splitting it', () => {
    expect(wrapLine('      clean_record_shared_mapping_range(0, 2)', 38)).toEqual([
      '  clean_record_shared_mapping_range(0,',
      '        2)',
    ]);
  });
  test('the piece count catches a wrap that cuts inside an identifier', () => {
    const hardCut = (l: string, w: number): string[] => l.match(new RegExp(`.{1,${w}}`, 'g')) ?? [];
    expect(missing(pieces([line]), pieces(hardCut(line, 20)))).not.toEqual([]);
  });
});

describe('CPU-column table for a mail (--by cpu, --width)', () => {
  const steps = tableSteps(log.events, ctx, { to: violation, marks });
  const stepLines = steps.flatMap((s) => [...s.lines, ...s.marks.map((m) => `VIOLATION ${m}`)]);
  test('has one column per CPU and names the thread in the cell when it changes', () => {
    const lines = cpuTableText(steps, ctx, { by: 'cpu' }).split('\n');
    expect(lines[0]).toMatch(/^ *# +CPU0 +CPU1$/);
    const cpu1 = (lines[0] as string).indexOf('CPU1');
    const tags = lines.flatMap((l) =>
      [...l.matchAll(/(?<=^|\s)\[([A-Za-z]\w*)\] /g)].map((m) => [m[1], m.index]),
    );
    // The thread is named when the column's thread changes: wp0 and wp1 take the driver lock
    // first, then the writers run, then the callers go on.
    expect(tags.map((t) => t[0])).toEqual(['wp0', 'wp1', 'writer1', 'writer0', 'wp0', 'wp1']);
    const onCpu1 = (name: unknown): boolean =>
      ctx.threadCpu(ctx.scenario.threads.findIndex((t) => t.name === name)) === 1;
    expect(tags.every(([name, at]) => onCpu1(name) === (at as number) >= cpu1)).toBe(true);
    const seen = lines.filter((l) => /already read-only/.test(l));
    expect(seen.length).toBe(2);
    expect(seen.every((l) => l.indexOf('pte[') >= cpu1)).toBe(true);
    expect(lines.some((l) => l.indexOf('flush skipped: nothing') >= cpu1)).toBe(true);
  });
  for (const width of [72, 60, 100]) {
    test(`fits ${width} columns, wraps the violation, and splits no identifier`, () => {
      const out = cpuTableText(steps, ctx, { by: 'cpu', width }).split('\n');
      expect(out.every((l) => l.length <= width)).toBe(true);
      expect(missing(pieces(stepLines), pieces(out))).toEqual([]);
      const v = out.findIndex((l) => l.includes('*** VIOLATION'));
      expect(v).toBeGreaterThan(0);
      if (width < 100) expect(out.length - v).toBeGreaterThan(1); // the violation wrapped
      expect(
        out
          .slice(v)
          .map((l) => l.trim())
          .join(' '),
      ).toContain('apply_as_wrprotect while CPU1 still holds a writable TLB entry');
    });
  }
  test('refuses a width its identifiers do not fit, naming the width that does', () => {
    let need = 0;
    try {
      cpuTableText(steps, ctx, { by: 'thread', width: 50 });
      expect.unreachable();
    } catch (e) {
      expect(isSimError(e)).toBe(true);
      const m = /needs --width (\d+) or more .*--by cpu/.exec((e as Error).message);
      expect(m).not.toBeNull();
      need = Number(m?.[1]);
    }
    const out = cpuTableText(steps, ctx, { by: 'thread', width: need }).split('\n');
    expect(out.every((l) => l.length <= need)).toBe(true);
    expect(missing(pieces(stepLines), pieces(out))).toEqual([]);
    expect(() => cpuTableText(steps, ctx, { by: 'thread', width: need - 1 })).toThrow(/--width/);
  });
  test('Markdown by CPU names the thread in its cells', () => {
    const md = cpuTableMarkdown(steps, ctx, 'cpu').split('\n');
    expect(md[0]).toBe('| # | CPU0 | CPU1 |');
    expect(md.some((l) => /^\| \d+ \| +\| \\\[wp1\\\] lock driver\\_lock/.test(l))).toBe(true);
  });
  test('a one-step, one-thread table with a long line stays within the width', () => {
    const step: TableStep = {
      index: 0,
      tid: 0,
      lines: [`${' '.repeat(30)}${'x'.repeat(50)} ${'y '.repeat(40)}`],
      marks: [],
    };
    for (const width of [60, 72]) {
      const out = cpuTableText([step], ctx, { width }).split('\n').slice(2);
      expect(out.length).toBeGreaterThan(1);
      expect(out.every((l) => l.length <= width)).toBe(true);
      expect(out.some((l) => l.includes('x'.repeat(50)))).toBe(true);
    }
  });
});

describe('CPU-column table of a log with no steps (an imported trace)', () => {
  test('renders the header alone in either mode', () => {
    expect(cpuTableText([], ctx, { columnWidth: 38 }).split('\n')).toHaveLength(2);
    expect(cpuTableText([], ctx, { by: 'cpu' }).split('\n')).toHaveLength(2);
  });
});

describe('CPU-column table of S-1 (two madvise(MADV_DONTNEED), before and after 99baac21e458)', () => {
  // The race explore finds on s1-madvise-dontneed (14 steps).
  const table = (name: string): string[] => {
    const l = recordedLog(builtin(name), { schedule: '0*2.1*6.0.1*5' });
    const c = makeRunContext(l.header.scenario, l.header.arch);
    const m = violationMarksOf(l);
    return cpuTableText(tableSteps(l.events, c, { marks: m }), c, { by: 'cpu', width: 200 }).split(
      '\n',
    );
  };
  test('before the fix the second madvise finds the PTE already none and skips its flush', () => {
    const lines = table('s1-madvise-dontneed');
    const cpu1 = (lines[0] as string).indexOf('CPU1');
    const at = (re: RegExp) => lines.findIndex((l) => re.test(l) && l.search(re) >= cpu1);
    expect(at(/pte\[0\] already none/)).toBeGreaterThan(0);
    expect(at(/flush skipped: nothing gathered in \[0,1\)/)).toBeGreaterThan(
      at(/pte\[0\] already none/),
    );
    expect(lines.some((l) => l.includes('nested flush forced'))).toBe(false);
    expect(
      lines.some((l) =>
        /VIOLATION wrprotect-post: thread 1 returned from madvise_dontneed/.test(l),
      ),
    ).toBe(true);
  });
  test('after it the same schedule reads "nested flush forced" and the flush', () => {
    const lines = table('s1-madvise-dontneed-fixed');
    const nested = lines.findIndex((l) =>
      l.includes('nested flush forced (mm_tlb_flush_nested) [0,1)'),
    );
    expect(nested).toBeGreaterThan(0);
    expect(lines.slice(nested).some((l) => l.includes('flush_tlb_range([0,1))'))).toBe(true);
    expect(lines.some((l) => l.includes('flush skipped'))).toBe(false);
    expect(lines.some((l) => l.includes('VIOLATION'))).toBe(false);
  });
});
