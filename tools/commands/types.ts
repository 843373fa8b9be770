import type { Command } from 'commander';
import type { Io } from '../io.js';

/** A CLI command: registers itself on the program; sets `exit.code` for its outcome. */
export interface CommandModule {
  register(program: Command, io: Io, exit: { code: number }): void;
}
