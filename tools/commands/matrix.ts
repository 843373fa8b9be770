import type { CommandModule } from './types.js';
import { json } from '../io.js';
import { collect, intArg } from '../args.js';
import { builtinNames, loadScenario } from '../scenarios.js';
import { listArchs, listVariants, makeModel, runModel } from '../../src/index.js';

interface Cell {
  scenario: string;
  variant: string;
  arch: string;
  runs: number;
  violations: Record<string, number>;
  firstSeed: Record<string, number>;
}

/** Verdict table over scenarios × variants × archs, from seeded random runs. */
export const matrixCommand: CommandModule = {
  register(program, io) {
    program
      .command('matrix [scenarios...]')
      .description('verdicts of scenarios × variants × archs as one table')
      .option('--arch <list>', "architectures, comma-separated, or 'all'", collect)
      .option('--variant <list>', "variants, comma-separated, or 'all'", collect)
      .option('--seeds <n>', 'random runs per cell', intArg('--seeds', 1_000_000), 200)
      .option('--out-dir <dir>', 'write counterexample logs here')
      .option('--json', 'machine-readable output')
      .option('--markdown', 'a Markdown table')
      .action((names: string[], opts: { arch?: string[]; variant?: string[]; seeds: number; json?: boolean; markdown?: boolean }) => {
        const scenarios = (names.length ? names : builtinNames()).map(loadScenario);
        const pick = (list: string[] | undefined, all: string[], dflt: string[]): string[] =>
          list === undefined ? dflt : list.includes('all') ? all : list;
        const archs = pick(opts.arch, listArchs().map((a) => a.name), listArchs().map((a) => a.name));
        const variants = pick(opts.variant, listVariants().map((v) => v.name), listVariants().map((v) => v.name));
        const cells: Cell[] = [];
        for (const s of scenarios)
          for (const variant of variants)
            for (const arch of archs) {
              const model = makeModel(s, { arch, variant });
              const cell: Cell = { scenario: s.name, variant, arch, runs: opts.seeds, violations: {}, firstSeed: {} };
              for (let seed = 1; seed <= opts.seeds; seed++)
                for (const v of runModel(model, { seed }).verdicts)
                  if (v.ok === false) {
                    cell.violations[v.id] = (cell.violations[v.id] ?? 0) + 1;
                    cell.firstSeed[v.id] ??= seed;
                  }
              cells.push(cell);
            }
        if (opts.json) return json(io, cells);
        const text = (c: Cell): string => {
          const ids = Object.keys(c.violations);
          return ids.length === 0 ? `holds (${c.runs} runs)` : ids.map((id) => `VIOLATED(${id}, seed ${c.firstSeed[id]})`).join(' ');
        };
        const header = ['scenario', 'variant', ...archs];
        const rows: string[][] = [];
        for (const s of scenarios)
          for (const variant of variants)
            rows.push([s.name, variant, ...archs.map((a) => text(cells.find((c) => c.scenario === s.name && c.variant === variant && c.arch === a) as Cell))]);
        if (opts.markdown) {
          io.out(`| ${header.join(' | ')} |\n|${header.map(() => '---').join('|')}|`);
          for (const r of rows) io.out(`| ${r.join(' | ')} |`);
          return;
        }
        const w = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
        io.out(header.map((h, i) => h.padEnd(w[i] ?? 0)).join('  '));
        for (const r of rows) io.out(r.map((x, i) => x.padEnd(w[i] ?? 0)).join('  '));
      });
  },
};
