/**
 * Deferred TLB invalidations (docs/rules/tlb.md §5): x86 lazy-TLB CPUs are not interrupted by a
 * shootdown and catch up when they switch back to the mm (T2); arm64's nosync TLBI has no
 * completing DSB, so entries go only at the CPU's next barrier (T3).
 */
export interface TlbDeferEvent {
  readonly type: 'tlb/defer';
  /** The flushing thread. */
  readonly tid: number;
  readonly cpu: number;
  readonly mm: number;
}
export interface TlbCatchupEvent {
  readonly type: 'tlb/catchup';
  readonly cpu: number;
  readonly mm: number;
  /** 'switch': leaves lazy mode for a user access (T2); 'barrier': reaches a DSB (T3 nosync). */
  readonly why: 'switch' | 'barrier';
}
/**
 * T9: the CPU switches from its user task to a kernel thread and enters lazy-TLB mode
 * (enter_lazy_tlb); its next user access switches back (`tlb/catchup` why 'switch').
 */
export interface TlbLazyEvent {
  readonly type: 'tlb/lazy';
  /** The kernel thread switched to. */
  readonly tid: number;
  readonly cpu: number;
}
export type CpuEvent = TlbDeferEvent | TlbCatchupEvent | TlbLazyEvent;
export const isCpuEvent = (e: { type: string }): e is CpuEvent =>
  e.type === 'tlb/defer' || e.type === 'tlb/catchup' || e.type === 'tlb/lazy';
