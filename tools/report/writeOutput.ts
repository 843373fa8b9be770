import { writeFileAtomic } from '../../src/index.js';

/**
 * Write a whole output file or nothing (src/log/file.ts `writeFileAtomic`: checked path, never
 * onto one of `inputs`, fsync, rename, fsync of the directory).
 */
export function writeOutputFile(path: string, text: string, inputs: readonly string[] = []): void {
  writeFileAtomic(path, text, inputs);
}
