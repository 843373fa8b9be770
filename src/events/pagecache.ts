/**
 * Page-cache and reclaim facts of the other actors of an mm (docs/rules/fault.md §4 step 6, §5, S-6):
 * PG_dirty of a page and reclaim's batched-flush generations of an mm.
 */
export interface PageDirtyEvent {
  readonly type: 'page/dirty';
  readonly tid: number;
  /** Page offset in the address_space. */
  readonly page: number;
  /** 1: folio_mark_dirty / set_page_dirty; 0: folio_clear_dirty_for_io's test-and-clear. */
  readonly value: 0 | 1;
}
/** set_tlb_ubc_flush_pending(): reclaim cleared a PTE of `mm` and deferred its flush. */
export interface UbcPendingEvent {
  readonly type: 'ubc/pending';
  readonly tid: number;
  readonly mm: number;
}
/** flush_tlb_batched_pending(): after flush_tlb_mm, `flushed` catches up with `gen`. */
export interface UbcFlushedEvent {
  readonly type: 'ubc/flushed';
  readonly tid: number;
  readonly mm: number;
  readonly gen: number;
}
export type PageCacheEvent = PageDirtyEvent | UbcPendingEvent | UbcFlushedEvent;
export const isPageCacheEvent = (e: { type: string }): e is PageCacheEvent =>
  e.type.startsWith('page/') || e.type.startsWith('ubc/');
