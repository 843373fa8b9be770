import type { CommandModule } from './types.js';
import { json } from '../io.js';
import { builtinNames, loadScenario } from '../scenarios.js';
import { scenarioJsonSchema } from '../../src/index.js';

export const scenariosCommand: CommandModule = {
  register(program, io) {
    program
      .command('scenarios')
      .description('list the built-in scenarios (scenarios/*.yaml)')
      .option('--json', 'machine-readable output')
      .option('--schema', 'print the JSON Schema of the scenario format instead')
      .action((opts: { json?: boolean; schema?: boolean }) => {
        if (opts.schema) return json(io, scenarioJsonSchema());
        const list = builtinNames().map((name) => {
          const s = loadScenario(name);
          return {
            name,
            description: s.description,
            arch: s.arch,
            variant: s.variant,
            threads: s.threads.length,
          };
        });
        if (opts.json) return json(io, list);
        const w = Math.max(...list.map((s) => s.name.length));
        for (const s of list) io.out(`${s.name.padEnd(w)}  ${s.description}`);
      });
  },
};
