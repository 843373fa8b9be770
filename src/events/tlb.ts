/** Per-CPU TLB changes and the flush protocol (docs/rules/tlb.md §5, T1). */
export interface TlbFillEvent {
  readonly type: 'tlb/fill';
  readonly cpu: number;
  readonly mm: number;
  readonly vpn: number;
  readonly pfn: number;
  readonly w: 0 | 1;
  readonly d: 0 | 1;
}
export interface TlbDirtyEvent {
  readonly type: 'tlb/dirty';
  readonly cpu: number;
  readonly mm: number;
  readonly vpn: number;
}
export interface TlbDropEvent {
  readonly type: 'tlb/drop';
  readonly cpu: number;
  readonly mm: number;
  readonly vpn: number;
  /** Why: 'fault' (the faulting CPU drops its entry) or 'evict' (capacity, X86-C/T7). */
  readonly why: 'fault' | 'evict';
}
export interface TlbFlushEvent {
  readonly type: 'tlb/flush';
  readonly tid: number;
  readonly cpu: number;
  readonly mm: number;
  /** Page range [from, to). */
  readonly from: number;
  readonly to: number;
}
export interface FlushStartEvent {
  readonly type: 'flush/start';
  readonly tid: number;
  readonly mm: number;
  readonly from: number;
  readonly to: number;
}
export interface FlushDoneEvent {
  readonly type: 'flush/done';
  readonly tid: number;
  readonly mm: number;
  readonly from: number;
  readonly to: number;
}
export type TlbEvent =
  TlbFillEvent | TlbDirtyEvent | TlbDropEvent | TlbFlushEvent | FlushStartEvent | FlushDoneEvent;
export const isTlbEvent = (e: { type: string }): e is TlbEvent =>
  e.type.startsWith('tlb/') || e.type.startsWith('flush/');
