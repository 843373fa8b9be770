import type { Scenario, VmaSpec } from '../scenario/types.js';
export { hasSpecialPtes } from '../scenario/types.js';

/** A VMA in the mapping's i_mmap interval tree. */
export interface MappedVma {
  readonly mm: number;
  readonly index: number;
  readonly vma: VmaSpec;
}

const cache = new WeakMap<Scenario, readonly MappedVma[]>();

/**
 * The i_mmap tree in visiting order (H2): ascending vm_pgoff, ties in insertion order (mm, then
 * the VMA's position in the scenario).
 */
export function mappingVmas(scenario: Scenario): readonly MappedVma[] {
  if (scenario === lastScenario) return lastVmas;
  const vmas = mappingVmasOf(scenario);
  lastScenario = scenario;
  lastVmas = vmas;
  return vmas;
}

/** The last scenario asked about and its tree (a helper step asks; cheaper than the WeakMap). */
let lastScenario: Scenario | null = null;
let lastVmas: readonly MappedVma[] = [];

function mappingVmasOf(scenario: Scenario): readonly MappedVma[] {
  const hit = cache.get(scenario);
  if (hit) return hit;
  const all: MappedVma[] = [];
  scenario.mms.forEach((mm, m) => mm.vmas.forEach((vma, index) => all.push({ mm: m, index, vma })));
  all.sort((a, b) => a.vma.pgoff - b.vma.pgoff); // stable: ties keep insertion order
  cache.set(scenario, all);
  return all;
}

/** The VMA of `mm` containing `vpn`, if any. */
export function vmaOf(scenario: Scenario, mm: number, vpn: number): VmaSpec | undefined {
  return scenario.mms[mm]?.vmas.find((v) => vpn >= v.start && vpn < v.start + v.npages);
}

export const hasFlag = (vma: VmaSpec, f: VmaSpec['flags'][number]): boolean =>
  vma.flags.includes(f);
