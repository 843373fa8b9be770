import { PTE_NONE } from '../state/pte.js';
import { ptlLock } from '../state/layout.js';
import type { FrameView } from '../state/types.js';
import type { Emit, MachineLayout } from './machine.js';
import { canAcquire, type StepCtx } from './step.js';

/**
 * "Walk PTEs under the PTL", the building block of the five page-table walkers (the helpers,
 * mprotect, clear_refs, writeback, reclaim). Two shapes, as in the kernel:
 *
 * - a range walk (walk_page_range's pte_entry, change_pte_range): pte_offset_map_lock() on the
 *   first PTE of a table, the PTL kept across the table's PTEs (one step each), and
 *   pte_unmap_unlock() when the next PTE is under another PTL or the range ends (H5). The
 *   held PTL lives in a declared local (-1 = none), so another step can continue the table;
 * - a single PTE (the rmap walks' page_vma_mapped_walk): lock, look, unlock in one step.
 *
 * A walker names its local for the held PTL; everything else (cursor, labels) stays its own.
 */
export class PteWalk<TLocal extends string, TLabel extends string> {
  private readonly ptlSlot: number;
  constructor(
    machine: MachineLayout<TLocal, TLabel>,
    /** The local holding the PTL this walk holds (-1 = none). */
    readonly ptlLocal: TLocal,
  ) {
    this.ptlSlot = machine.slotOf(ptlLocal);
  }

  /** The PTL this walk holds now, or -1. */
  held(frame: FrameView): number {
    return frame.l[this.ptlSlot] ?? 0;
  }

  /** Options of a step at PTE (mm, vpn): 1 when the walk holds the PTL or can take it. */
  ready(ctx: StepCtx, frame: FrameView, mm: number, vpn: number): number {
    if (this.held(frame) !== -1) return 1;
    return canAcquire(ctx.state, ptlLock(ctx.layout, mm, vpn), 'w') ? 1 : 0;
  }

  /**
   * pte_offset_map_lock() unless the walk already holds the PTL: returns the PTL and whether it
   * was taken in this step (change_pte_range does work right after taking it).
   */
  lock(
    ctx: StepCtx,
    frame: FrameView,
    e: Emit<TLocal, TLabel>,
    mm: number,
    vpn: number,
  ): { ptl: number; taken: boolean } {
    const held = this.held(frame);
    if (held !== -1) return { ptl: held, taken: false };
    const ptl = ptlLock(ctx.layout, mm, vpn);
    e.acquire(ptl).set(this.ptlLocal, ptl);
    return { ptl, taken: true };
  }

  /**
   * After a PTE: pte_unmap_unlock() when the next PTE (`nextVpn`, undefined at the end of the
   * range) is under another PTL; then the caller moves its cursor.
   */
  unlockUnlessNext(
    ctx: StepCtx,
    e: Emit<TLocal, TLabel>,
    mm: number,
    ptl: number,
    nextVpn: number | undefined,
  ): void {
    if (nextVpn === undefined || ptlLock(ctx.layout, mm, nextVpn) !== ptl) {
      e.release(ptl);
      e.set(this.ptlLocal, -1);
    }
  }
}

/** The PTE at (mm, vpn) now. */
export function ptePeek(ctx: StepCtx, mm: number, vpn: number): number {
  return ctx.state.mms[mm]?.ptes[vpn] ?? PTE_NONE;
}

/** Options of a single-PTE step (rmap walks): 1 when the PTL of (mm, vpn) is free. */
export function ptlFree(ctx: StepCtx, mm: number, vpn: number): number {
  return canAcquire(ctx.state, ptlLock(ctx.layout, mm, vpn), 'w') ? 1 : 0;
}

/**
 * A single PTE under its PTL, in one step (page_vma_mapped_walk → … → page_vma_mapped_walk_done):
 * take the PTL, let `body` look at and change the PTE, drop the PTL.
 */
export function underPtl(
  ctx: StepCtx,
  e: Emit<string, string>,
  mm: number,
  vpn: number,
  body: (pte: number) => void,
): void {
  const ptl = ptlLock(ctx.layout, mm, vpn);
  e.acquire(ptl);
  body(ptePeek(ctx, mm, vpn));
  e.release(ptl);
}
