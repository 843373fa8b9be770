import {
  closeSync,
  existsSync,
  fstatSync,
  fsyncSync,
  openSync,
  readSync,
  renameSync,
  rmSync,
  writeSync,
} from 'node:fs';
import { SimError } from '../errors.js';
import { LogReader, type OpenOptions } from './logReader.js';
import { readAll, type ParsedLog } from './reader.js';
import type { ByteSource } from './source.js';
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
    let done = 0;
    while (done < bytes.length) done += writeSync(this.fd, bytes, done, bytes.length - done);
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

function ioError(path: string, e: unknown): SimError {
  const code = (e as NodeJS.ErrnoException).code;
  const hint =
    code === 'ENOENT' && existsSync(`${path}.partial`)
      ? `; ${path}.partial exists (a run that did not finish): read it with --salvage`
      : '';
  return new SimError('LOG_IO', `cannot read log: ${code ?? (e as Error).message}${hint}`, path);
}

/** Positional reads from an open file: the reader pulls one record at a time. */
export function fileSource(path: string): ByteSource {
  let fd: number;
  let size: number;
  try {
    fd = openSync(path, 'r');
    size = fstatSync(fd).size;
  } catch (e) {
    throw ioError(path, e);
  }
  return {
    size,
    read(offset, length) {
      const buf = Buffer.allocUnsafe(length);
      let got = 0;
      while (got < length) {
        const n = readSync(fd, buf, got, length - got, offset + got);
        if (n === 0)
          throw new SimError('LOG_IO', `file shrank while reading (byte ${offset + got})`, path);
        got += n;
      }
      return buf;
    },
    close() {
      closeSync(fd);
    },
  };
}

/** Open a log file for streaming (`LogReader`); close it when done. */
export function openLogFile(path: string, opts: OpenOptions = {}): LogReader {
  const src = fileSource(path);
  try {
    return LogReader.open(src, path, opts);
  } catch (e) {
    src.close();
    throw e;
  }
}

/** Read a whole log file into memory (every event): fine for logs of up to a few million events. */
export function readLogFile(path: string, opts: OpenOptions = {}): ParsedLog {
  const r = openLogFile(path, opts);
  try {
    return readAll(r);
  } finally {
    r.close();
  }
}
