/**
 * Brackets of the other actors' kernel routines (mprotect, clear_refs_write,
 * write_cache_pages, try_to_unmap): for timelines and checks at return. Kept apart from
 * `helper/call|return`, which belong to the dirty-tracking helpers alone (H1 holds only there).
 */
export interface ActorCallEvent {
  readonly type: 'actor/call';
  readonly tid: number;
  /** The kernel function, e.g. 'clear_refs_write'. */
  readonly fn: string;
  /** Its range: page offsets [first, first + nr) or, for mm-wide calls, vpns. */
  readonly first: number;
  readonly nr: number;
}
export interface ActorReturnEvent {
  readonly type: 'actor/return';
  readonly tid: number;
  readonly fn: string;
  /** PTEs it changed. */
  readonly total: number;
}
/** mprotect_fixup: vm_flags_reset() sets or clears VM_WRITE of one VMA (under mmap_lock). */
export interface VmaWriteEvent {
  readonly type: 'vma/write';
  readonly tid: number;
  readonly mm: number;
  /** The VMA's index in its mm. */
  readonly vma: number;
  readonly value: 0 | 1;
}
export type ActorEvent = ActorCallEvent | ActorReturnEvent | VmaWriteEvent;
export const isActorEvent = (e: { type: string }): e is ActorEvent =>
  e.type.startsWith('actor/') || e.type.startsWith('vma/');
