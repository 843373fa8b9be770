import { Command, CommanderError } from 'commander';
import { isModelInvariantError, isSimError, TOOL_VERSION } from '../src/index.js';
import { processIo, type Io } from './io.js';
import { COMMANDS } from './commands/index.js';

/** Exit code of an internal error: a model invariant failed (a bug in ptesim, not bad input). */
export const EXIT_INTERNAL = 4;

/**
 * The CLI, callable in-process (end-to-end tests pass a buffer Io). Returns the exit code:
 * 0 ok, 1 the command found a violation / a difference, 2 bad input (usage, scenario, log),
 * 4 internal error (a model invariant failed; `--debug` prints its stack).
 */
export async function main(argv: readonly string[], io: Io = processIo): Promise<number> {
  const exit = { code: 0 };
  // --debug is global and may stand anywhere; commander never sees it.
  const debug = argv.includes('--debug');
  argv = argv.filter((a) => a !== '--debug');
  const program = new Command('ptesim')
    .description(
      'simulate Linux PTE dirty tracking: TLBs, flushes, notifiers, mapping_dirty_helpers races',
    )
    .version(TOOL_VERSION)
    .option('--debug', 'print the stack of an internal error')
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
    // Anything else is a bug in ptesim: a failed model invariant, or an unexpected exception.
    const what = isModelInvariantError(e)
      ? `model invariant failed: ${e.message}`
      : e instanceof Error
        ? `${e.name}: ${e.message}`
        : String(e);
    io.err(
      `ptesim: internal error: ${what} (a bug in ptesim, not in the input${debug ? '' : '; --debug prints the stack'})`,
    );
    if (debug && e instanceof Error && e.stack) io.err(e.stack);
    return EXIT_INTERNAL;
  }
}
