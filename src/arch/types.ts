import type { SimEvent } from '../events/index.js';
import type { SimState } from '../state/types.js';

/** What a CPU access needs to know; `options` are the scenario's per-arch options. */
export interface AccessCtx {
  readonly state: SimState;
  readonly tid: number;
  readonly cpu: number;
  readonly mm: number;
  readonly vpn: number;
  readonly options: Readonly<Record<string, string | boolean>>;
}

/** The events of one access step and whether the access completed or faulted. */
export interface AccessResult {
  readonly events: SimEvent[];
  readonly outcome: 'done' | 'fault';
}

export interface PteInit {
  readonly write: boolean;
  readonly dirty: boolean;
  readonly special: boolean;
}

/**
 * An architecture: how dirtiness is encoded in a PTE, what the kernel's pte_* transforms do
 * on that encoding, and how a CPU store or load resolves against its TLB and the live PTE.
 * Stores and loads are atomic steps (the hardware's locked RMW, docs/rules/hardware.md §3).
 */
export interface ArchModel {
  readonly name: string;
  readonly description: string;
  /** docs/rules/hardware.md §3.5 class, or 'hypothetical' for hardware that does not exist. */
  readonly dirtyClass: 'atomic-hw' | 'software' | 'hypothetical';
  /**
   * How flush_tlb_range reaches other CPUs (docs/rules/tlb.md §5): 'ipi' = x86/RISC-V shootdowns, one
   * per target CPU, lazy-TLB CPUs skipped (T1, T2); 'broadcast' = arm64 TLBI ...IS + DSB ISH,
   * every PE at once with no IPI (T3). @default 'ipi'
   */
  readonly flushStyle?: 'ipi' | 'broadcast';
  /** Option names this arch understands, with a one-line description each. */
  readonly optionDocs: Readonly<Record<string, string>>;
  mkPte(pfn: number, init: PteInit): number;
  /** pte_write() */
  pteWrite(pte: number): boolean;
  /** pte_dirty() */
  pteDirty(pte: number): boolean;
  /** Can the MMU store through this entry (possibly after its own atomic D update)? */
  hwWritable(pte: number): boolean;
  pteWrprotect(pte: number, options: Readonly<Record<string, string | boolean>>): number;
  pteMkclean(pte: number): number;
  /** pte_mkwrite(): on x86 ≥ v6.6 moves SavedDirty back to D. */
  pteMkwrite(pte: number): number;
  pteMkdirty(pte: number): number;
  pteMkyoung(pte: number): number;
  /**
   * pte_needs_flush(old, new) for a present old PTE (mprotect's change_pte_range gathers the
   * page for the flush only then). Absent: the asm-generic answer, always.
   */
  pteNeedsFlush?(old: number, pte: number): boolean;
  /** Name the bits the way this arch's headers do. */
  formatPte(pte: number): string;
  store(ctx: AccessCtx): AccessResult;
  load(ctx: AccessCtx): AccessResult;
}
