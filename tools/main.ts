import { Command, CommanderError } from 'commander';
import { isModelInvariantError, isSimError, TOOL_VERSION } from '../src/index.js';
import { processIo, type Io } from './io.js';
import { COMMANDS } from './commands/index.js';
import { EXIT, exitCodeOf } from './exit.js';
import { safeIo } from './terminal.js';

/** Exit code of an internal error: a model invariant failed (a bug in ptesim, not bad input). */
export const EXIT_INTERNAL = EXIT.internal;

/**
 * The CLI, callable in-process (end-to-end tests pass a buffer Io). Returns the exit code from
 * the one table in tools/exit.ts: 0 ok, 1 violated/differs, 2 bad input, 3 inconclusive,
 * 4 internal error (a model invariant failed; `--debug` prints its stack). Everything printed
 * goes through one escaping path (tools/terminal.ts). With `--json` an error is also printed
 * as JSON on stdout: `{ "error": { "code", "message", "exit" } }`.
 */
export async function main(argv: readonly string[], rawIo: Io = processIo): Promise<number> {
  const io = safeIo(rawIo);
  const asJson = argv.includes('--json');
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
  const fail = (code: string, message: string, status: number): number => {
    if (asJson) io.out(JSON.stringify({ error: { code, message, exit: status } }, null, 2));
    return status;
  };
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return exit.code;
  } catch (e) {
    if (e instanceof CommanderError)
      return e.exitCode === 0 ? EXIT.ok : fail(e.code, e.message, EXIT.badInput);
    const status = exitCodeOf(e);
    if (status === EXIT.badInput && isSimError(e)) {
      io.err(`ptesim: ${e.message}`);
      return fail(e.code, e.message, status);
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
    return fail(isModelInvariantError(e) ? 'MODEL_INVARIANT' : 'INTERNAL', what, EXIT.internal);
  }
}
