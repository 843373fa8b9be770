/** Where commands print: process streams in the CLI, buffers in end-to-end tests. */
export interface Io {
  out(text: string): void;
  err(text: string): void;
  /** Whether stdout is a terminal. */
  readonly isTty: boolean;
  /** Colour on stdout: NO_COLOR / FORCE_COLOR, else whether stdout is a terminal. */
  readonly color?: boolean;
}

/**
 * Colour for one stream: off when NO_COLOR is set (non-empty, no-color.org), on when FORCE_COLOR
 * is set to anything but 0/false, else only when that stream is a terminal.
 */
export function colorWanted(
  stream: { readonly isTTY?: boolean },
  env: NodeJS.ProcessEnv = process.env,
): boolean {
  const no = env['NO_COLOR'];
  if (no !== undefined && no !== '') return false;
  const force = env['FORCE_COLOR'];
  if (force !== undefined && force !== '0' && force !== 'false') return true;
  return stream.isTTY === true;
}

export const processIo: Io = {
  out: (t) => process.stdout.write(t.endsWith('\n') ? t : `${t}\n`),
  err: (t) => process.stderr.write(t.endsWith('\n') ? t : `${t}\n`),
  isTty: process.stdout.isTTY === true,
  color: colorWanted(process.stdout),
};

export function bufferIo(): Io & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return {
    stdout,
    stderr,
    out: (t) => stdout.push(t),
    err: (t) => stderr.push(t),
    isTty: false,
  };
}

export function json(io: Io, value: unknown): void {
  io.out(JSON.stringify(value, null, 2));
}
