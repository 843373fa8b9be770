import type { VmaSpec } from '../../scenario/types.js';

/** What the helper does with a VMA from the interval tree (H3 / H3-v4). */
export type VmaVerdict = 'process' | 'skip' | 'skip-warn' | 'stop';

export interface FlushInput {
  /** tlb_flush_pending of the mm, read at post_vma (T5: one instant). */
  readonly pending: number;
  /** The window of PTEs this caller changed, [from, to); empty when from >= to. */
  readonly window: readonly [number, number];
  /** The clipped VMA range [from, to). */
  readonly clip: readonly [number, number];
}

/**
 * A version of the dirty-tracking helpers: the seed patch, the merged code, or a counterfactual
 * a reviewer asks about. Adding one is one file in src/kernel/variants/ and one registry line.
 */
export interface HelperVariant {
  readonly name: string;
  readonly description: string;
  /** Kernel function names, for the timeline. */
  readonly fnNames: { readonly wrprotect: string; readonly clean: string };
  /** A counterfactual or a test-only break, not kernel code that ever shipped. */
  readonly counterfactual: boolean;
  vmaVerdict(vma: VmaSpec): VmaVerdict;
  /**
   * Why vmaVerdict left `vma` out, in the kernel's flag names ('!VM_WRITE'), for the
   * `decide/skip-vma` event; absent: the event says which variant rejected it.
   */
  vmaReason?(vma: VmaSpec): string;
  /** The range to flush at post_vma, or null for no flush (H9 / H9-v4). */
  flushRange(input: FlushInput): readonly [number, number] | null;
  /** inc/dec_tlb_flush_pending around the walk (H4). */
  readonly flushPending: boolean;
  /**
   * How a PTE is modified under the PTL (H7/H8): 'prot-start' = ptep_modify_prot_start /
   * commit (P1/P2: the PTE is none in between, so hardware cannot set A/D in it); 'naive' =
   * read the PTE, then in a later step store the modified value read earlier (set_pte_at),
   * which overwrites any A/D the hardware set in between (docs/rules/ptep.md §2 "Why it exists").
   * @default 'prot-start'
   */
  readonly rmw?: 'prot-start' | 'naive';
  /**
   * Flush each changed PTE's TLB entries on every CPU before releasing its PTL (the review's
   * suggestion); post_vma then flushes only what flushRange says. @default false
   */
  readonly flushUnderPtl?: boolean;
}

/**
 * The tested flags a VMA fails on, kernel-style: `need` it lacks as `!VM_X`, `forbid` it has as
 * `VM_X` ('!VM_SHARED VM_HUGETLB'); '' when it passes.
 */
export function failedFlags(
  vma: VmaSpec,
  need: readonly VmaSpec['flags'][number][],
  forbid: readonly VmaSpec['flags'][number][] = [],
): string {
  const name = (f: string): string => `VM_${f.toUpperCase()}`;
  return [
    ...need.filter((f) => !vma.flags.includes(f)).map((f) => `!${name(f)}`),
    ...forbid.filter((f) => vma.flags.includes(f)).map(name),
  ].join(' ');
}
