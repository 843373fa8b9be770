import { isAccessOp, type Scenario } from '../scenario/types.js';
import { cleansPtes } from '../scenario/program.js';
import { initialMutableState } from '../sim/init.js';
import { pteIsPresent, ptePfn } from '../state/pte.js';
import type { Property } from './types.js';

/**
 * Runs this property judges: "wrprotect mode" (SPIN anchor MODE 0). No thread may clean PTEs
 * legitimately: no caller program with a `clean` (protocols `clean`, `vmwgfx-pagetable`), no writeback
 * (page_mkclean_one moves D into the page's dirty flag) and no reclaim (unmapping moves it
 * too). In every other run a clean PTE of a written page can be correct, so it holds vacuously.
 */
export function judgesDirtyBits(scenario: Scenario): boolean {
  return scenario.threads.every((t) => {
    // A user thread's msync (writeback) and zap (munmap, MADV_DONTNEED) clean PTEs (U1, U3).
    if (t.kind === 'user') return t.ops.every((op) => isAccessOp(op) || op.op === 'mprotect');
    if (t.kind === 'caller' || t.kind === 'drain') return !cleansPtes(t.program);
    return (
      t.kind === 'consumer' ||
      t.kind === 'mprotect' ||
      t.kind === 'clear-refs' ||
      t.kind === 'device'
    );
  });
}

/**
 * `dirty-bit-lost` (the SPIN anchor's DIRTY, `anchors/spin/README.md`, "at the end every written
 * page has PTE.d == 1"): in a wrprotect-mode run (see judgesDirtyBits) that completed, every page
 * with at least one completed store (ghost version > 0) is mapped by at least one present PTE
 * (any mm) for which the arch's pte_dirty() is true. Nothing in such a run is meant to clean a
 * PTE: write-protect keeps dirtiness (X86-E SavedDirty, A64-WP fixed, RV keeps D), so a written
 * page with only clean PTEs is a dirty bit overwritten by a non-atomic update: naive-rmw on
 * atomic-hardware archs (P1), the pre-5.10 arm64 pte_wrprotect (S-11), or the
 * hypothetical lazy write-back. The message names the last event that turned a dirty PTE of
 * that page clean.
 */
export const dirtyBitLost: Property = {
  id: 'dirty-bit-lost',
  description:
    'in a wrprotect-mode run every written page ends with pte_dirty() in some PTE mapping it',
  explanation:
    "SPIN anchor's DIRTY. Judged only when no thread may legitimately clean a PTE (no clean_record " +
    'caller, writeback or reclaim); elsewhere it holds vacuously. A written page whose PTEs are ' +
    'all clean lost its dirty bit to a non-atomic PTE update: naive-rmw on x86/Svadu (no atomic start, P1), ' +
    'pte_wrprotect before v5.10 on arm64 with DBM (S-11), or the hypothetical lazy write-back.',
  expectation:
    'write-protect must carry dirtiness along (pte_wrprotect keeps it; ptep_modify_prot_start stops the MMU from racing)',
  severity: 'failure',
  statePure: true,
  start(model) {
    const judged = judgesDirtyBits(model.scenario);
    const arch = model.arch;
    const shadow = initialMutableState(model.scenario).mms.map((m) => m.ptes.slice());
    const lastDrop = new Map<number, { index: number; fn: string }>();
    return {
      onEvent(e, index, state) {
        if (!judged) return null;
        if (e.type === 'pte/set') {
          const ptes = shadow[e.mm];
          if (!ptes) return null;
          const old = ptes[e.vpn] ?? 0;
          if (
            pteIsPresent(old) &&
            arch.pteDirty(old) &&
            pteIsPresent(e.pte) &&
            !arch.pteDirty(e.pte)
          )
            lastDrop.set(ptePfn(e.pte), { index, fn: e.fn });
          // A commit after ptep_modify_prot_start compares against the value it cleared.
          if (!(e.pte === 0 && e.fn === 'ptep_modify_prot_start')) ptes[e.vpn] = e.pte;
          return null;
        }
        if (e.type !== '@sim/end' || e.reason !== 'done') return null;
        for (let p = 0; p < state.pages.length; p++) {
          const version = state.pages[p]?.version ?? 0;
          if (version === 0) continue;
          let dirty = false;
          for (const mm of state.mms)
            for (const pte of mm.ptes)
              if (pteIsPresent(pte) && ptePfn(pte) === p && arch.pteDirty(pte)) dirty = true;
          if (dirty) continue;
          const drop = lastDrop.get(p);
          return {
            index,
            message:
              `page ${p} was written (version ${version}) but no PTE mapping it is dirty on ${arch.name}` +
              (drop ? `; its dirty bit was last dropped at event ${drop.index} by ${drop.fn}` : ''),
          };
        }
        return null;
      },
    };
  },
};
