import type { Property } from './types.js';
import { PTE_YOUNG, pteIsPresent } from '../state/pte.js';
import { PteShadow } from './track.js';

/** Software writers that change a valid PTE safely (cmpxchg loops), exempt from the check. */
const SAFE_WRITERS: ReadonlySet<string> = new Set([
  'ptep_set_access_flags',
  'ptep_set_wrprotect',
  // arm64 __ptep_test_and_clear_young() is a cmpxchg loop, not set_pte_at (clear_refs' young path).
  'ptep_test_and_clear_young',
]);

/**
 * `warn-racy-pte-update` (A64-*; arch/arm64/include/asm/pgtable.h
 * `__check_safe_pte_update()`, formerly `__check_racy_pte_update()`): on arm64 with
 * CONFIG_DEBUG_VM, `set_pte_at()` replacing a valid entry with another valid one warns if the
 * new entry is old (not young) or if the old one was writable and the new one is clean — a
 * hardware AF/DBM update in between would be lost. Only arm64 models check it, as the kernel does.
 */
export const warnRacyPteUpdate: Property = {
  id: 'warn-racy-pte-update',
  description: 'arm64 DEBUG_VM: set_pte_at on a valid entry drops the access flag or dirty state',
  explanation:
    'arm64 __check_safe_pte_update(): "racy access flag clearing" (new PTE not young) and "racy ' +
    'dirty state clearing" (old pte_write, new !pte_dirty) on a valid→valid set_pte_at. The ' +
    'ptep_modify_prot_start/commit pair avoids it by going through the none entry (P1/P2).',
  expectation:
    'software replaces a valid arm64 PTE only through none or with a cmpxchg-based helper',
  severity: 'warning',
  events: ['pte/set'],
  start(model) {
    const isArm64 = model.arch.name.startsWith('arm64');
    const shadow = new PteShadow(model);
    return {
      onEvent(e, index) {
        if (e.type !== 'pte/set') return null;
        const old = shadow.set(e);
        if (!isArm64 || e.src !== 'sw' || SAFE_WRITERS.has(e.fn)) return null;
        if (!pteIsPresent(old) || !pteIsPresent(e.pte)) return null;
        const what =
          (e.pte & PTE_YOUNG) === 0
            ? 'racy access flag clearing'
            : model.arch.pteWrite(old) && !model.arch.pteDirty(e.pte)
              ? 'racy dirty state clearing'
              : null;
        if (what === null) return null;
        return {
          index,
          message: `thread ${e.tid} ${e.fn}: ${what}: ${model.arch.formatPte(old)} -> ${model.arch.formatPte(e.pte)} on mm${e.mm} vpn ${e.vpn}`,
        };
      },
    };
  },
};
