import { verdictText, type Expected } from '../../src/index.js';
import type { ExploreJobResult } from './exploreJob.js';
import { INCONCLUSIVE } from '../verdictWords.js';
import { EXIT } from '../exit.js';

/** How a matrix cell compares with the scenario's `expect:`. */
export type CellCheck = 'ok' | 'mismatch' | 'inconclusive' | 'unchecked';

export interface MatrixCell {
  readonly scenario: string;
  readonly variant: string;
  readonly arch: string;
  readonly r: ExploreJobResult;
  readonly log: string | null;
  readonly expected: Expected | null;
}

/** holds / VIOLATED(property, length) / inconclusive (why). */
export function cellText(r: ExploreJobResult): string {
  const v = r.result;
  if (v.verdict === 'violated')
    return `VIOLATED(${v.property}, ${r.length}${r.minimised?.shortest ? '' : '+'})`;
  if (v.verdict === 'holds') return 'holds';
  // Sampling strategies prove nothing: say what was tried.
  if (v.stats.runs > 0) return `${INCONCLUSIVE} (${v.stats.runs.toLocaleString('en')} runs)`;
  return `${INCONCLUSIVE} (${v.stats.states.toLocaleString('en')} states)`;
}

export function checkCell(r: ExploreJobResult, expected: Expected | null): CellCheck {
  const v = r.result;
  if (v.verdict !== 'holds' && v.verdict !== 'violated') return 'inconclusive';
  if (expected === null) return 'unchecked';
  if (expected.verdict !== v.verdict) return 'mismatch';
  return expected.verdict === 'violated' && expected.property !== v.property ? 'mismatch' : 'ok';
}

/** 0 every cell as expected (unchecked cells aside), 1 a mismatch, 3 an inconclusive cell. */
export function matrixExitCode(checks: readonly CellCheck[]): number {
  if (checks.includes('mismatch')) return EXIT.violated;
  if (checks.includes('inconclusive')) return EXIT.inconclusive;
  return EXIT.ok;
}

const CHECK_TEXT: Record<CellCheck, string> = {
  ok: 'ok',
  mismatch: 'MISMATCH',
  inconclusive: INCONCLUSIVE,
  unchecked: 'unchecked',
};

/**
 * One row per cell (scenario, variant, arch, found, check): fits 100 columns however many
 * archs a run covers, where an arch-per-column grid would not. Consecutive rows of one scenario
 * print its name once.
 */
export function matrixRows(cells: readonly MatrixCell[]): string[][] {
  let last = '';
  return cells.map((c) => {
    const name = c.scenario === last ? '' : c.scenario;
    last = c.scenario;
    return [name, c.variant, c.arch, cellText(c.r), CHECK_TEXT[checkCell(c.r, c.expected)]];
  });
}

export const MATRIX_LEGEND = [
  'holds = exhaustive search found no violation;',
  'VIOLATED(property, n) = shortest counterexample has n steps (n+ = not proven shortest);',
  'inconclusive = state budget (--max-states) or sampling runs used up without a verdict;',
  "check = found vs the scenario's expect: (ok / MISMATCH / unchecked: no expectation); exit",
  '0 when all are ok or unchecked, 1 on a mismatch, 3 when a cell is inconclusive.',
];

export const MATRIX_HEADER = ['scenario', 'variant', 'arch', 'found', 'check'];

export function textTable(header: readonly string[], rows: readonly string[][]): string[] {
  const w = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (r: readonly string[]): string =>
    r
      .map((x, i) => x.padEnd(w[i] ?? 0))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)];
}

/** One line per cell that did not come out as expected. */
export function mismatchSummary(cells: readonly MatrixCell[]): string[] {
  const out: string[] = [];
  for (const c of cells) {
    const check = checkCell(c.r, c.expected);
    if (check !== 'mismatch' && !(check === 'inconclusive' && c.expected !== null)) continue;
    const exp = c.expected === null ? '' : verdictText(c.expected);
    out.push(
      `  ${c.scenario} ${c.variant} ${c.arch}: expected ${exp}, found ${cellText(c.r)}` +
        (check === 'inconclusive' ? ' (raise --max-states)' : ''),
    );
  }
  return out;
}
