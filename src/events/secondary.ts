/**
 * Secondary MMUs (device TLBs) subscribed through an interval notifier (docs/rules/notifier.md §6).
 * SPTEs mirror the CPU page table of one mm, indexed by vpn.
 */
export interface SmmuInvalidateEvent {
  readonly type: 'smmu/invalidate';
  /** The thread whose invalidate_range_start ran the callback. */
  readonly tid: number;
  readonly sub: number;
  readonly mm: number;
  readonly from: number;
  readonly to: number;
  /** R4: mmu_interval_set_seq(cur_seq), odd. */
  readonly seq: number;
}
export interface SmmuReadBeginEvent {
  readonly type: 'smmu/read-begin';
  readonly tid: number;
  readonly sub: number;
  /** The sequence mmu_interval_read_begin() returned. */
  readonly seq: number;
}
export interface SmmuInstallEvent {
  readonly type: 'smmu/install';
  readonly tid: number;
  readonly sub: number;
  readonly vpn: number;
  readonly w: 0 | 1;
  /** The read_begin sequence this install relied on (R8). */
  readonly seq: number;
}
export interface SmmuZapEvent {
  readonly type: 'smmu/zap';
  readonly tid: number;
  readonly sub: number;
  readonly vpn: number;
}
export type SmmuEvent = SmmuInvalidateEvent | SmmuReadBeginEvent | SmmuInstallEvent | SmmuZapEvent;
export const isSmmuEvent = (e: { type: string }): e is SmmuEvent => e.type.startsWith('smmu/');
