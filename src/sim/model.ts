import type { ArchModel } from '../arch/types.js';
import { getArch } from '../arch/registry.js';
import { checkArchOptions } from '../arch/options.js';
import type { Scenario } from '../scenario/types.js';
import { layoutOf, type Layout } from '../state/layout.js';
import type { HelperVariant } from '../kernel/variants/types.js';
import { getVariant } from '../kernel/variants/registry.js';

/** A scenario bound to an architecture and a helper variant: everything decide() needs. */
export interface Model {
  readonly scenario: Scenario;
  readonly layout: Layout;
  readonly arch: ArchModel;
  readonly variant: HelperVariant;
}

/**
 * Bind a scenario; `arch`/`variant` override the scenario's own. Unknown names and per-arch
 * options that no architecture declares (or with a value it does not take) throw.
 */
export function makeModel(
  scenario: Scenario,
  over: { arch?: string; variant?: string } = {},
): Model {
  const s: Scenario =
    (over.arch === undefined || over.arch === scenario.arch) &&
    (over.variant === undefined || over.variant === scenario.variant)
      ? scenario
      : {
          ...scenario,
          arch: over.arch ?? scenario.arch,
          variant: over.variant ?? scenario.variant,
        };
  checkArchOptions(s);
  return {
    scenario: s,
    layout: layoutOf(s),
    arch: getArch(s.arch),
    variant: getVariant(s.variant),
  };
}
