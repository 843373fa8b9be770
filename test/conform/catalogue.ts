import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** scenarios/conformance/: the catalogue's case names and their recorded traces. */
export const CONFORMANCE_DIR = join(import.meta.dirname, '..', '..', 'scenarios', 'conformance');

export const CASES = readdirSync(CONFORMANCE_DIR)
  .filter((f) => f.endsWith('.yaml'))
  .map((f) => f.slice(0, -'.yaml'.length))
  .sort();

export const tracePath = (name: string): string => join(CONFORMANCE_DIR, `${name}.trace.txt`);
export const traceText = (name: string): string => readFileSync(tracePath(name), 'utf8');
