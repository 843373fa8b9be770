import { renameSync, rmSync, writeFileSync } from 'node:fs';
import { SimError } from '../../src/index.js';

/**
 * Write a whole output file or nothing: write `<path>.partial`, then rename it into place, so
 * a failure never leaves a half-written report under the requested name.
 */
export function writeOutputFile(path: string, text: string): void {
  const tmp = `${path}.partial`;
  try {
    writeFileSync(tmp, text);
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw new SimError(
      'LOG_IO',
      `cannot write output: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
      path,
    );
  }
}
