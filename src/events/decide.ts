/**
 * Decisions: the branch a kernel path took at a point where a race turns on it, recorded so a
 * timeline reads without the source ("VMA skipped: !VM_WRITE", "flush skipped: nothing gathered").
 * They change no state (STATE_NEUTRAL_EVENTS in src/state/schema.ts): the state already holds
 * everything the decision read; the event only names the branch.
 */
export interface DecideSkipVmaEvent {
  readonly type: 'decide/skip-vma';
  readonly tid: number;
  readonly mm: number;
  /** The VMA's index in its mm. */
  readonly vma: number;
  /** The flags the test failed on, kernel-style: '!VM_WRITE', '!VM_SHARED VM_HUGETLB'. */
  readonly why: string;
  /** 1: walk_page_mapping() stops the whole walk here (H3); 0: only this VMA (H3-v4). */
  readonly stop: 0 | 1;
}
export interface DecideSkipFlushEvent {
  readonly type: 'decide/skip-flush';
  readonly tid: number;
  readonly mm: number;
  /** The range whose flush was skipped [from, to) (the clipped VMA, the mprotect range). */
  readonly from: number;
  readonly to: number;
  /** 'empty': this caller changed no PTE (H9-v4, H9 when not nested; S-6; a zap's tlb_finish_mmu, S-1); 'variant': no range flush at all. */
  readonly why: 'empty' | 'variant';
}
export interface DecideNestedFlushEvent {
  readonly type: 'decide/nested-flush';
  readonly tid: number;
  readonly mm: number;
  /** The range flushed because mm_tlb_flush_nested() saw another batcher (H9, 99baac21e458). */
  readonly from: number;
  readonly to: number;
}
/**
 * A PTE made writable with no ->page_mkwrite / ->pfn_mkwrite call on the way (mprotect's
 * can_change_pte_writable upgrade of a dirty shared PTE, or its pre-6.0 forms): a driver that
 * tracks dirtiness through mkwrite never hears of the page.
 */
export interface DecideUpgradeWritableEvent {
  readonly type: 'decide/upgrade-writable';
  readonly tid: number;
  readonly mm: number;
  readonly vpn: number;
  /** The kernel function that made it writable, e.g. 'change_pte_range'. */
  readonly fn: string;
}
export type DecideEvent =
  DecideSkipVmaEvent | DecideSkipFlushEvent | DecideNestedFlushEvent | DecideUpgradeWritableEvent;
export const isDecideEvent = (e: { type: string }): e is DecideEvent =>
  e.type.startsWith('decide/');
