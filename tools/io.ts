/** Where commands print: process streams in the CLI, buffers in end-to-end tests. */
export interface Io {
  out(text: string): void;
  err(text: string): void;
  /** Colour and progress bars only on a terminal. */
  readonly isTty: boolean;
}

export const processIo: Io = {
  out: (t) => process.stdout.write(t.endsWith('\n') ? t : `${t}\n`),
  err: (t) => process.stderr.write(t.endsWith('\n') ? t : `${t}\n`),
  isTty: process.stdout.isTTY === true,
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
