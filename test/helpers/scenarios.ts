import { readdirSync, readFileSync } from 'node:fs';
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

/** Every built-in scenario by name: scenarios/*.yaml and the catalogue's `conformance/<name>`. */
export function builtinNames(): string[] {
  const yaml = (dir: string): string[] =>
    readdirSync(join(root, 'scenarios', dir))
      .filter((f) => f.endsWith('.yaml'))
      .map((f) => f.slice(0, -'.yaml'.length))
      .sort();
  return [...yaml('.'), ...yaml('conformance').map((n) => `conformance/${n}`)];
}
