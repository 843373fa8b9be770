import { stringify } from 'yaml';
import type { CommandModule } from './types.js';
import { json } from '../io.js';
import { PROTOCOLS, SimError } from '../../src/index.js';

/**
 * `ptesim protocols [name]`: the library of named caller programs, as YAML a scenario's
 * `program:` takes (copy one and change it).
 */
export const protocolsCommand: CommandModule = {
  register(program, io) {
    program
      .command('protocols [name]')
      .description('the named caller programs (driver protocols), as YAML to copy into program:')
      .option('--json', 'machine-readable output')
      .action((name: string | undefined, opts: { json?: boolean }) => {
        const rows = PROTOCOLS.filter((p) => name === undefined || p.name === name);
        if (rows.length === 0)
          throw new SimError(
            'BAD_ARGUMENT',
            `no protocol '${name ?? ''}' (known: ${PROTOCOLS.map((p) => p.name).join(', ')})`,
            'protocols',
          );
        if (opts.json) return json(io, rows);
        const op = (o: unknown, indent: string): string =>
          `${indent}- ${stringify(o, { collectionStyle: 'flow', aliasDuplicateObjects: false }).trim()}`;
        io.out(
          rows
            .map((p) =>
              [
                `# ${p.name}: ${p.description}`,
                'program:',
                ...p.program.map((o) => op(o, '  ')),
              ].join('\n'),
            )
            .join('\n\n'),
        );
      });
  },
};
