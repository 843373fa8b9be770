import { closeSync, fsyncSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { SimError } from '../errors.js';
import { parseLog, type ParsedLog } from './reader.js';
import type { ByteSink } from './writer.js';

/**
 * The only file I/O under src/ (STYLE §4). A log is written to `<path>.partial` and renamed
 * into place when complete, so a failed or killed run never leaves a half-written file under
 * the requested name (and the .partial still reads up to its last complete chunk).
 */
export class FileSink implements ByteSink {
  private fd: number;
  private readonly tmp: string;
  constructor(private readonly path: string) {
    this.tmp = `${path}.partial`;
    try {
      this.fd = openSync(this.tmp, 'w');
    } catch (e) {
      throw new SimError('LOG_IO', `cannot create ${this.tmp}: ${(e as Error).message}`, path);
    }
  }
  write(bytes: Uint8Array): void {
    writeSync(this.fd, bytes);
  }
  /** Make the file durable and move it into place. */
  commit(): void {
    fsyncSync(this.fd);
    closeSync(this.fd);
    renameSync(this.tmp, this.path);
  }
  /** Give up: remove the partial file. */
  abort(): void {
    try {
      closeSync(this.fd);
    } finally {
      rmSync(this.tmp, { force: true });
    }
  }
}

export function readLogFile(path: string, opts: { salvage?: boolean } = {}): ParsedLog {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new SimError('LOG_IO', `cannot read log: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, path);
  }
  return parseLog(bytes, path, opts);
}
