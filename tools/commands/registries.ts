import type { CommandModule } from './types.js';
import { json } from '../io.js';
import { listArchs, listProperties, listVariants } from '../../src/index.js';

function table(rows: { name: string; description: string }[]): string {
  const w = Math.max(...rows.map((r) => r.name.length));
  return rows.map((r) => `${r.name.padEnd(w)}  ${r.description}`).join('\n');
}

export const registriesCommand: CommandModule = {
  register(program, io) {
    program
      .command('archs')
      .description('list the architecture models')
      .option('--json', 'machine-readable output')
      .action((opts: { json?: boolean }) => {
        const rows = listArchs().map((a) => ({
          name: a.name,
          description: a.description,
          dirtyClass: a.dirtyClass,
          hypothetical: a.dirtyClass === 'hypothetical',
          flushStyle: a.flushStyle ?? 'ipi',
          options: a.optionDocs,
        }));
        if (opts.json) json(io, rows);
        else io.out(table(rows));
      });
    program
      .command('variants')
      .description('list the helper variants (seed patch, upstream, counterfactuals)')
      .option('--json', 'machine-readable output')
      .action((opts: { json?: boolean }) => {
        const rows = listVariants().map((v) => ({
          name: v.name,
          description: v.description,
          counterfactual: v.counterfactual,
          functions: v.fnNames,
          rmw: v.rmw ?? 'prot-start',
          flushPending: v.flushPending,
          flushUnderPtl: v.flushUnderPtl ?? false,
        }));
        if (opts.json) json(io, rows);
        else io.out(table(rows));
      });
    program
      .command('properties')
      .description('list the properties checked on every run')
      .option('--json', 'machine-readable output')
      .action((opts: { json?: boolean }) => {
        const rows = listProperties().map((p) => ({
          name: p.id,
          id: p.id,
          description: p.description,
          severity: p.severity,
          explanation: p.explanation,
        }));
        if (opts.json) json(io, rows);
        else io.out(table(rows));
      });
  },
};
