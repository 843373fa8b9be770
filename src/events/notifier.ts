/** mmu_notifier invalidate windows and tlb_flush_pending (docs/rules/notifier.md §6, §1.6). */
export interface NotifierStartEvent {
  readonly type: 'notifier/start';
  readonly tid: number;
  readonly mm: number;
  readonly from: number;
  readonly to: number;
}
export interface NotifierEndEvent {
  readonly type: 'notifier/end';
  readonly tid: number;
  readonly mm: number;
  readonly from: number;
  readonly to: number;
}
export interface PendingEvent {
  readonly type: 'pending/inc' | 'pending/dec';
  readonly tid: number;
  readonly mm: number;
}
export type NotifierEvent = NotifierStartEvent | NotifierEndEvent | PendingEvent;
export const isNotifierEvent = (e: { type: string }): e is NotifierEvent =>
  e.type.startsWith('notifier/') || e.type.startsWith('pending/');
