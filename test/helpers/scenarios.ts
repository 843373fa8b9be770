import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseScenarioText, type Scenario } from '../../src/index.js';

const root = join(import.meta.dirname, '..', '..');

/** A built-in scenario (scenarios/NAME.yaml), parsed as the CLI would. */
export function builtin(name: string): Scenario {
  return parseScenarioText(
    readFileSync(join(root, 'scenarios', `${name}.yaml`), 'utf8'),
    `scenarios/${name}.yaml`,
  );
}

export function withOverrides(s: Scenario, over: Partial<Scenario>): Scenario {
  return { ...s, ...over };
}
