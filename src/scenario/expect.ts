import { z } from 'zod';

/**
 * Expected verdicts of a scenario: the matrix is a regression suite. In the file,
 *
 *     expect:
 *       seed-v4: violated(wrprotect-post)
 *       upstream: holds
 *       arch:
 *         arm64-nodbm: { seed-v4: holds }    # per-arch override
 *
 * A verdict is `holds` (exhaustive search finds no violation) or `violated(<property id>)`
 * (search finds a violation of that property first). The resolved scenario keeps this shape.
 */
export const VERDICT_PATTERN = /^(holds|violated\(([a-z0-9-]+)\))$/;

const verdictSchema = z
  .string()
  .regex(VERDICT_PATTERN, "expected 'holds' or 'violated(<property id>)'")
  .describe('holds | violated(<property id>)');

export const expectSchema = z
  .object({
    arch: z
      .record(z.string(), z.record(z.string(), verdictSchema))
      .optional()
      .describe('per-arch overrides: { <arch>: { <variant>: verdict } }'),
  })
  .catchall(verdictSchema)
  .describe(
    'expected verdict per variant, e.g. { upstream: holds, seed-v4: violated(lost-write) }',
  );

export type ExpectSpec = z.output<typeof expectSchema>;

export type Expected =
  { readonly verdict: 'holds' } | { readonly verdict: 'violated'; readonly property: string };

export function parseVerdict(text: string): Expected | null {
  const m = VERDICT_PATTERN.exec(text);
  if (m === null) return null;
  return m[2] === undefined ? { verdict: 'holds' } : { verdict: 'violated', property: m[2] };
}

/** The expectation for one (arch, variant) cell: the arch override, else the variant's entry. */
export function expectedVerdict(
  expect: ExpectSpec | undefined,
  arch: string,
  variant: string,
): Expected | null {
  if (expect === undefined) return null;
  const text = expect.arch?.[arch]?.[variant] ?? (variant === 'arch' ? undefined : expect[variant]);
  return typeof text === 'string' ? parseVerdict(text) : null;
}

export function verdictText(e: Expected): string {
  return e.verdict === 'holds' ? 'holds' : `violated(${e.property})`;
}

/** Every (arch, variant) pair the expectation names: the variants × `archs`, plus overrides. */
export function expectedCells(
  expect: ExpectSpec,
  archs: readonly string[],
): { arch: string; variant: string; path: string }[] {
  const out: { arch: string; variant: string; path: string }[] = [];
  for (const variant of Object.keys(expect))
    if (variant !== 'arch')
      for (const arch of archs) out.push({ arch, variant, path: `expect.${variant}` });
  for (const [arch, byVariant] of Object.entries(expect.arch ?? {}))
    for (const variant of Object.keys(byVariant))
      out.push({ arch, variant, path: `expect.arch.${arch}.${variant}` });
  return out;
}
