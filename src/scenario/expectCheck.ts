import { listArchs } from '../arch/registry.js';
import { listProperties } from '../check/registry.js';
import { listVariants } from '../kernel/variants/registry.js';
import { expectedCells, expectedVerdict, type ExpectSpec } from './expect.js';

/**
 * Cross-field checks of `expect:` a schema cannot express: the archs, variants and properties it
 * names exist, and every default matrix cell (matrix.archs x matrix.variants) has a verdict, so
 * `ptesim matrix` never runs an unchecked row of a scenario that states expectations. Returns the
 * first problem with its field path, or null.
 */
export function checkExpect(
  expect: ExpectSpec,
  matrix: { readonly archs: readonly string[]; readonly variants: readonly string[] },
): { path: string; message: string } | null {
  const archs = listArchs().map((a) => a.name);
  const variants = listVariants().map((v) => v.name);
  const props = listProperties().map((p) => p.id);
  for (const arch of Object.keys(expect.arch ?? {}))
    if (!archs.includes(arch))
      return {
        path: `expect.arch.${arch}`,
        message: `unknown architecture '${arch}'; expected one of: ${archs.join(', ')}`,
      };
  for (const { arch, variant, path } of expectedCells(expect, [...matrix.archs])) {
    if (!variants.includes(variant))
      return {
        path,
        message: `unknown variant '${variant}'; expected one of: ${variants.join(', ')}`,
      };
    const e = expectedVerdict(expect, arch, variant);
    if (e?.verdict === 'violated' && !props.includes(e.property))
      return {
        path,
        message: `unknown property '${e.property}'; expected one of: ${props.join(', ')}`,
      };
  }
  for (const variant of matrix.variants)
    for (const arch of matrix.archs)
      if (expectedVerdict(expect, arch, variant) === null)
        return {
          path: 'expect',
          message: `no expected verdict for variant '${variant}' on ${arch} (a matrix cell: matrix.archs x matrix.variants)`,
        };
  return null;
}
