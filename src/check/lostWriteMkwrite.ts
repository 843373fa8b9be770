import type { Scenario } from '../scenario/types.js';
import type { SimState } from '../state/types.js';
import type { Model } from '../sim/model.js';
import { layoutOf } from '../state/layout.js';
import { pteIsPresent, ptePfn } from '../state/pte.js';
import type { Property } from './types.js';
import { owedLazyFlush, pageAt } from './track.js';

/**
 * Whether O1b judges this scenario: MKWRITE mode with every kernel caller running the vmwgfx
 * MKWRITE scan (the protocol O1b describes). Snapshot callers (`snap`) clear bits before they
 * write-protect and copy from their snapshot, so the invariant does not describe them.
 */
export function judgesMkwrite(scenario: Scenario): boolean {
  return (
    scenario.driver.mode === 'mkwrite' &&
    scenario.threads.every(
      (t) =>
        t.kind === 'user' ||
        ((t.kind === 'caller' || t.kind === 'drain') && t.protocol === 'vmwgfx-mkwrite'),
    )
  );
}

/** The first page that can be stored to without its bit set, while the driver lock is free. */
function unrecordedWritable(state: SimState, model: Model): string | null {
  const layout = layoutOf(model.scenario);
  if ((state.locks[layout.driverLock]?.owner ?? -1) !== -1) return null;
  const bits = state.bitmaps[0] ?? [];
  const arch = model.arch;
  for (let mm = 0; mm < state.mms.length; mm++) {
    const ptes = state.mms[mm]?.ptes ?? [];
    for (let vpn = 0; vpn < ptes.length; vpn++) {
      const pte = ptes[vpn] ?? 0;
      if (!pteIsPresent(pte) || !arch.hwWritable(pte)) continue;
      const page = pageAt(model.scenario, mm, vpn);
      if (page >= 0 && bits[page] !== 1)
        return `mm${mm} vpn ${vpn} (page ${page}) has a hardware-writable PTE (${arch.formatPte(pte)}) but bit ${page} is clear`;
    }
  }
  for (let cpu = 0; cpu < state.tlbs.length; cpu++) {
    for (const t of state.tlbs[cpu] ?? []) {
      if (t.w !== 1) continue;
      if (owedLazyFlush(state, cpu, t.mm)) continue; // T2: dropped before any use
      const page = pageAt(model.scenario, t.mm, t.vpn);
      const pte = state.mms[t.mm]?.ptes[t.vpn] ?? 0;
      const pfnPage = pteIsPresent(pte) ? ptePfn(pte) : t.pfn;
      if (page >= 0 && bits[page] !== 1)
        return `CPU${cpu} holds a writable TLB entry for mm${t.mm} vpn ${t.vpn} (page ${page}, pfn ${pfnPage}) but bit ${page} is clear`;
    }
  }
  for (let s = 0; s < state.smmus.length; s++) {
    const sub = state.smmus[s];
    if (!sub) continue;
    for (let vpn = 0; vpn < sub.sptes.length; vpn++) {
      if (sub.sptes[vpn] !== 2) continue;
      const page = pageAt(model.scenario, sub.mm, vpn);
      if (page >= 0 && bits[page] !== 1)
        return `secondary MMU ${s} holds a writable SPTE for mm${sub.mm} vpn ${vpn} (page ${page}) but bit ${page} is clear`;
    }
  }
  return null;
}

/**
 * `lost-write-mkwrite` (O1b, V2/V4, S-19): in MKWRITE dirty tracking the bitmap
 * is the only record of writes, so whenever the driver lock is free every page that some PTE,
 * TLB entry or secondary-MMU entry lets a CPU or device store to must have its bit set;
 * otherwise the store will never be reported (the on-the-fly form of `lost-write`).
 */
export const lostWriteMkwrite: Property = {
  id: 'lost-write-mkwrite',
  description:
    'MKWRITE mode: with the driver lock free, every store-enabled page has its bitmap bit set',
  explanation:
    'O1b: whenever the consumer lock is free, for every page p: if any PTE mapping p is hw-writable, ' +
    'or any TLB entry allows a store to p, then bit p = 1. S-19 (mkwrite sets the bit and drops the ' +
    'lock; the scan clears it; finish_mkwrite_fault then makes the PTE writable) and S-10 break it. ' +
    'Judged only for vmwgfx-mkwrite scans (V2); a state invariant, so bisect answers it in O(log n).',
  expectation:
    'a page becomes writable (PTE, TLB or SPTE) only while its bit is set, and the bit is cleared only after it is write-protected and flushed',
  severity: 'failure',
  stateCheck: (state, model) =>
    judgesMkwrite(model.scenario) ? unrecordedWritable(state, model) : null,
  start(model) {
    const judged = judgesMkwrite(model.scenario);
    /** Reported at the event that turns the state bad; again only after it was good once more. */
    let bad = false;
    return {
      onEvent(_e, index, state) {
        if (!judged) return null;
        const m = unrecordedWritable(state, model);
        const was = bad;
        bad = m !== null;
        return m !== null && !was ? { index, message: m } : null;
      },
    };
  },
};
