import { Command, CommanderError } from 'commander';
import { isSimError, TOOL_VERSION } from '../src/index.js';
import { processIo, type Io } from './io.js';
import { COMMANDS } from './commands/index.js';

/**
 * The CLI, callable in-process (end-to-end tests pass a buffer Io). Returns the exit code:
 * 0 ok, 1 the command found a violation / a difference, 2 bad input (usage, scenario, log).
 */
export async function main(argv: readonly string[], io: Io = processIo): Promise<number> {
  const exit = { code: 0 };
  const program = new Command('ptesim')
    .description(
      'simulate Linux PTE dirty tracking: TLBs, flushes, notifiers, mapping_dirty_helpers races',
    )
    .version(TOOL_VERSION)
    .exitOverride()
    .showSuggestionAfterError()
    .configureOutput({
      writeOut: (s) => io.out(s.replace(/\n$/, '')),
      writeErr: (s) => io.err(s.replace(/\n$/, '')),
    });
  for (const c of COMMANDS) c.register(program, io, exit);
  for (const c of program.commands) c.exitOverride().configureOutput(program.configureOutput());
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return exit.code;
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : 2;
    if (isSimError(e)) {
      io.err(`ptesim: ${e.message}`);
      return 2;
    }
    throw e;
  }
}
