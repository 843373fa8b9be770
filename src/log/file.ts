import {
  closeSync,
  existsSync,
  fstatSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readSync,
  renameSync,
  rmSync,
  statSync,
  writeSync,
} from 'node:fs';
import { dirname } from 'node:path';
import { SimError } from '../errors.js';
import { LogReader, type OpenOptions } from './logReader.js';
import { readAll, type ParsedLog } from './reader.js';
import type { ByteSource } from './source.js';
import type { ByteSink } from './writer.js';

const bad = (m: string, where: string): SimError => new SimError('BAD_ARGUMENT', m, where);

/**
 * Refuse an output path that cannot become a file, before any work is done: empty, a
 * directory, in a directory that does not exist, or the same file as one of `inputs` (writing
 * `export x.ptesim -o x.ptesim` would destroy the log it reads).
 */
export function checkOutputPath(path: string, inputs: readonly string[] = []): void {
  if (path === '') throw bad('the output path is empty', '--out');
  const st = statSync(path, { throwIfNoEntry: false });
  if (st?.isDirectory()) throw bad('the output path is a directory; name a file in it', path);
  const dir = statSync(dirname(path), { throwIfNoEntry: false });
  if (!dir?.isDirectory()) throw bad(`no directory ${dirname(path)} to write into`, path);
  if (!st) return;
  for (const input of inputs) {
    const i = statSync(input, { throwIfNoEntry: false });
    if (i && i.dev === st.dev && i.ino === st.ino)
      throw bad(`refusing to write onto the input ${input}; choose another output file`, path);
  }
}

/** Make the output directory (and its parents); refuse '' and an existing non-directory. */
export function prepareOutputDir(dir: string): void {
  if (dir === '') throw bad('the output directory is empty', '--out-dir');
  const st = statSync(dir, { throwIfNoEntry: false });
  if (st && !st.isDirectory()) throw bad('the output directory is a file', dir);
  try {
    mkdirSync(dir, { recursive: true });
  } catch (e) {
    throw new SimError('LOG_IO', `cannot create the directory: ${errnoOf(e)}`, dir);
  }
}

const errnoOf = (e: unknown): string => (e as NodeJS.ErrnoException).code ?? (e as Error).message;

/** After a rename, make the directory entry durable too (where the platform allows it). */
function fsyncDir(dir: string): void {
  let fd = -1;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch {
    // Some platforms and file systems cannot fsync a directory; the file itself is durable.
  } finally {
    if (fd >= 0) closeSync(fd);
  }
}

/**
 * Write a whole output file or nothing: `<path>.partial`, fsync, rename into place, fsync the
 * directory. Checks the path first (`checkOutputPath`); on failure nothing is left behind.
 */
export function writeFileAtomic(
  path: string,
  data: string | Uint8Array,
  inputs: readonly string[] = [],
): void {
  const sink = new FileSink(path, inputs);
  try {
    sink.write(typeof data === 'string' ? Buffer.from(data, 'utf8') : data);
  } catch (e) {
    sink.abort();
    throw new SimError('LOG_IO', `cannot write output: ${errnoOf(e)}`, path);
  }
  sink.commit();
}

/**
 * The only file I/O under src/ (STYLE §4). A log is written to `<path>.partial` and renamed
 * into place when complete (after an fsync of the file, then of its directory), so a failed or
 * killed run never leaves a half-written file under the requested name (and the .partial still
 * reads up to its last complete chunk). The path is checked first (`checkOutputPath`).
 */
export class FileSink implements ByteSink {
  private fd: number;
  private readonly tmp: string;
  constructor(
    private readonly path: string,
    inputs: readonly string[] = [],
  ) {
    checkOutputPath(path, inputs);
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
    try {
      fsyncSync(this.fd);
      closeSync(this.fd);
      this.fd = -1;
      renameSync(this.tmp, this.path);
    } catch (e) {
      this.abort();
      throw new SimError('LOG_IO', `cannot write output: ${errnoOf(e)}`, this.path);
    }
    fsyncDir(dirname(this.path));
  }
  /** Give up: remove the partial file. */
  abort(): void {
    try {
      if (this.fd >= 0) closeSync(this.fd);
      this.fd = -1;
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
