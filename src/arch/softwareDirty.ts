import type { SimEvent } from '../events/index.js';
import { PTE_YOUNG, pteIsPresent, ptePfn } from '../state/pte.js';
import type { AccessCtx, AccessResult } from './types.js';
import { livePte, tlbLookup } from './tlbLookup.js';

/**
 * Accesses on software-dirty hardware (docs/rules/hardware.md §3.3, SWD-*; arm64 without FEAT_HAFDBS,
 * RISC-V Svade). The MMU never writes a PTE (SWD-2): no A/D updates at all. A walk that finds
 * the accessed bit clear faults (RV-Svade; arm64 without HA: access flag fault), so does a store
 * to a PTE that is not hardware-writable (SWD-1). A cached writable entry stays usable until
 * flushed (SWD-3 / A64-W1), whatever the PTE says now.
 *
 * `hwWritable` decides what the walker may store through: arm64 !RDONLY, Svade W && D.
 */
export function softwareDirtyAccess(
  ctx: AccessCtx,
  isWrite: boolean,
  hwWritable: (pte: number) => boolean,
): AccessResult {
  const { state, cpu, mm, vpn, tid } = ctx;
  const ev: SimEvent[] = [];
  const t = tlbLookup(state, cpu, mm, vpn);
  if (t) {
    if (!isWrite) return { events: ev, outcome: 'done' };
    if (t.w === 1) {
      // SWD-3 / A64-W1: a writable TLB entry is used as is, with no PTE access.
      ev.push({ type: 'mem/store', tid, cpu, page: t.pfn });
      return { events: ev, outcome: 'done' };
    }
    // SWD-1: a store through a read-only entry faults; the CPU drops the entry (F5 re-walks).
    ev.push({ type: 'tlb/drop', cpu, mm, vpn, why: 'fault' });
    return { events: ev, outcome: 'fault' };
  }
  const live = livePte(state, mm, vpn);
  // RV-Svade (and arm64 without HA): an access with A=0 raises a fault; the kernel sets young.
  if (!pteIsPresent(live) || (live & PTE_YOUNG) === 0) return { events: ev, outcome: 'fault' };
  const w = hwWritable(live);
  if (isWrite && !w) return { events: ev, outcome: 'fault' }; // SWD-1
  ev.push({ type: 'tlb/fill', cpu, mm, vpn, pfn: ptePfn(live), w: w ? 1 : 0, d: w ? 1 : 0 });
  if (isWrite) ev.push({ type: 'mem/store', tid, cpu, page: ptePfn(live) });
  return { events: ev, outcome: 'done' };
}
