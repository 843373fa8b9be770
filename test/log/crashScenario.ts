import { parseScenarioText, type Scenario } from '../../src/index.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** seed-concurrent-wrprotect with long-running writers: millions of events, seconds of recording. */
export function crashScenario(root = join(import.meta.dirname, '..', '..')): Scenario {
  const s = parseScenarioText(
    readFileSync(join(root, 'scenarios', 'seed-concurrent-wrprotect.yaml'), 'utf8'),
    'crash',
  );
  return {
    ...s,
    threads: s.threads.map((t) => (t.kind === 'user' ? { ...t, writes: 300_000 } : t)),
  };
}
