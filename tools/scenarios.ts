import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isSimError, makeModel, parseScenarioText, SimError, type Scenario } from '../src/index.js';

/** The package root (holds package.json and scenarios/), from source or from dist/. */
export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'scenarios'))) return dir;
    dir = dirname(dir);
  }
  throw new SimError('SCENARIO_NOT_FOUND', 'cannot find the ptesim package root (scenarios/)');
}

export function builtinDir(): string {
  return join(packageRoot(), 'scenarios');
}

export function builtinNames(): string[] {
  return readdirSync(builtinDir())
    .filter((f) => f.endsWith('.yaml'))
    .map((f) => f.slice(0, -'.yaml'.length))
    .sort();
}

/** A built-in scenario by name, or a YAML/JSON file by path. */
export function loadScenario(nameOrPath: string): Scenario {
  const builtin = join(builtinDir(), `${nameOrPath}.yaml`);
  // Built-ins: top-level names, and the conformance catalogue's `conformance/<name>`.
  const named = !nameOrPath.includes('/') || /^conformance\/[\w-]+$/.test(nameOrPath);
  const path = existsSync(builtin) && named ? builtin : resolve(nameOrPath);
  if (!existsSync(path))
    throw new SimError(
      'SCENARIO_NOT_FOUND',
      `no built-in scenario or file named '${nameOrPath}'; built-ins: ${builtinNames().join(', ')}`,
    );
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new SimError('SCENARIO_NOT_FOUND', `cannot read: ${(e as Error).message}`, path);
  }
  const where = path === builtin ? `scenarios/${nameOrPath}.yaml` : nameOrPath;
  const scenario = parseScenarioText(text, where);
  checkNames(scenario, where);
  return scenario;
}

/**
 * The names a scenario file gives (arch, variant, per-arch options) exist: an error names the
 * file and the field (`my.yaml: arch: unknown architecture 'x86_64'; did you mean 'x86-64'?`).
 */
function checkNames(scenario: Scenario, where: string): void {
  try {
    makeModel(scenario);
  } catch (e) {
    if (!isSimError(e)) throw e;
    const field =
      e.code === 'ARCH_UNKNOWN' ? 'arch: ' : e.code === 'VARIANT_UNKNOWN' ? 'variant: ' : '';
    throw new SimError(e.code, `${field}${e.message}`, where);
  }
}
