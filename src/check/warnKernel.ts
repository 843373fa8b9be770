import type { Property } from './types.js';

/**
 * `warn-kernel` (H3-v4, H6): the kernel's own WARN_ON conditions that the model
 * records as `warn` events — a v4 helper meeting a VMA without VM_IO or with VM_HUGETLB, a
 * huge pmd/pud leaf that is writable or dirty. A warning, not a failure: the kernel goes on.
 */
export const warnKernel: Property = {
  id: 'warn-kernel',
  description: 'a kernel WARN_ON fired',
  explanation:
    'H3-v4: apply_as_range() WARNs and skips a VMA that lacks VM_IO or has VM_HUGETLB; H6: ' +
    'wp_clean_pmd_entry()/wp_clean_pud_entry() WARN when a huge leaf is writable or dirty and skip ' +
    'it. Reported as warnings: the kernel prints a splat and carries on.',
  expectation: 'no WARN_ON condition of the kernel code is met',
  severity: 'warning',
  events: ['warn'],
  start() {
    return {
      onEvent(e, index) {
        if (e.type !== 'warn') return null;
        return { index, message: `thread ${e.tid}: WARN_ON: ${e.what}` };
      },
    };
  },
};
