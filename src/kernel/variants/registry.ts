import { didYouMean, SimError } from '../../errors.js';
import type { HelperVariant } from './types.js';
import { seedV4 } from './seedV4.js';
import { upstream } from './upstream.js';
import { naiveRmw } from './naiveRmw.js';
import { flushUnderPtl } from './flushUnderPtl.js';
import { noFlushPending } from './noFlushPending.js';
import { __TEST_ONLY_noFlush } from './testBroken.js';

/** Every helper variant, by name. Adding one is one file and one line here. */
const VARIANTS: readonly HelperVariant[] = [
  seedV4,
  upstream,
  naiveRmw,
  flushUnderPtl,
  noFlushPending,
];
/** Variants that exist only to show properties can fail; accepted by name, not listed. */
const HIDDEN: readonly HelperVariant[] = [__TEST_ONLY_noFlush];

export function listVariants(): readonly HelperVariant[] {
  return VARIANTS;
}

export function getVariant(name: string): HelperVariant {
  const v = VARIANTS.find((x) => x.name === name) ?? HIDDEN.find((x) => x.name === name);
  if (!v) {
    const names = VARIANTS.map((x) => x.name);
    const near = didYouMean(name, names);
    throw new SimError(
      'VARIANT_UNKNOWN',
      `unknown variant '${name}'${near ? ` (did you mean '${near}'?)` : ''}; expected one of: ${names.join(', ')}`,
    );
  }
  return v;
}
