import { listProperties } from '../check/registry.js';
import type { Property } from '../check/types.js';
import { SimError } from '../errors.js';
import type { Model } from '../sim/model.js';
import { exhaustive } from './exhaustive.js';
import { randomSearch } from './randomSearch.js';
import { Checks } from '../check/checks.js';
import type { ExploreOptions, ExploreResult } from './types.js';

/**
 * Search the interleavings of a model for a violation of its properties (DESIGN §6
 * `explore`). `dfs`/`bfs` are exhaustive (`exhaustive: true` in the result when no bound cut
 * them); `random`/`pct` sample executions. A violation comes back as scheduler picks that
 * `runModel({ schedule })` (and `ptesim run --schedule`) reproduces; see `minimise` for the
 * shortest / fewest-preemption form.
 */
export function explore(model: Model, options: ExploreOptions = {}): ExploreResult {
  const strategy = options.strategy ?? 'dfs';
  const sampling = strategy === 'random' || strategy === 'pct';
  const props = options.properties ?? defaultProperties(sampling);
  if (!sampling) {
    const bad = props.filter((p) => p.statePure !== true);
    if (bad.length > 0)
      throw new SimError(
        'BAD_ARGUMENT',
        `property ${bad.map((p) => `'${p.id}'`).join(', ')} keeps a history of past events, which an ` +
          `exhaustive search that merges states cannot check soundly; use --strategy random or pct for it, ` +
          `or one of: ${STATE_PURE_PROPERTIES.join(', ')}`,
        '--property',
      );
  }
  return sampling
    ? randomSearch(model, () => new Checks(model, props, true), { ...options, strategy })
    : exhaustive(model, new Checks(model, props, true), { ...options, strategy });
}

/**
 * Exhaustive search checks the registered properties that are pure functions of (event,
 * state); random and PCT check every failure-severity property (each execution gets fresh
 * checkers, so history-keeping audit rules are sound there).
 */
export function defaultProperties(sampling: boolean): Property[] {
  return listProperties().filter(
    (p) => p.severity === 'failure' && (sampling || p.statePure === true),
  );
}

/** Ids of the registered properties an exhaustive search can check (`Property.statePure`). */
export const STATE_PURE_PROPERTIES: readonly string[] = listProperties()
  .filter((p) => p.statePure === true)
  .map((p) => p.id);
