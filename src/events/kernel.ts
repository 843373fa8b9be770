/**
 * Memory contents (ghost), the driver's bitmap, and the brackets of kernel routines (helper
 * calls, faults) that tools use to draw timelines and check properties at return.
 */
export interface MemStoreEvent {
  readonly type: 'mem/store';
  readonly tid: number;
  readonly cpu: number;
  /** Page offset in the address_space (= pfn in this model). */
  readonly page: number;
}
export interface DevCopyEvent {
  readonly type: 'dev/copy';
  readonly tid: number;
  readonly page: number;
}
export interface BitmapEvent {
  readonly type: 'bitmap/set' | 'bitmap/clear';
  readonly tid: number;
  /** 0 = the driver's shared bitmap; others are callers' private bitmaps. */
  readonly bm: number;
  readonly bit: number;
}
export interface BoundsEvent {
  readonly type: 'bounds/set';
  readonly tid: number;
  readonly start: number;
  readonly end: number;
}
/**
 * vmwgfx's dirty tracker of the BO (V5, V8): `method` (PAGETABLE or MKWRITE), `count`
 * (change_count: consecutive method-change triggers) and `res` (the resource's res_dirty flag).
 */
export interface VmwSetEvent {
  readonly type: 'vmw/set';
  readonly tid: number;
  readonly method: 'pagetable' | 'mkwrite';
  readonly count: number;
  readonly res: number;
}
export interface HelperCallEvent {
  readonly type: 'helper/call';
  readonly tid: number;
  readonly fn: string;
  readonly first: number;
  readonly nr: number;
}
export interface HelperReturnEvent {
  readonly type: 'helper/return';
  readonly tid: number;
  readonly fn: string;
  readonly total: number;
}
export interface FaultEnterEvent {
  readonly type: 'fault/enter';
  readonly tid: number;
  readonly cpu: number;
  readonly mm: number;
  readonly vpn: number;
  readonly write: 0 | 1;
}
export interface FaultExitEvent {
  readonly type: 'fault/exit';
  readonly tid: number;
  /** 'retry' = the access is re-executed (NOPAGE or success), 'sigbus' = error. */
  readonly result: string;
}
/**
 * Ghost: caller `tid` has seen (or made) the PTE of (mm, vpn) write-protected; every writable
 * TLB entry for it now owes `tid` a flush (the `wrprotect-post` property, DESIGN §4).
 */
export interface GhostWpSeenEvent {
  readonly type: 'ghost/wp-seen';
  readonly tid: number;
  readonly mm: number;
  readonly vpn: number;
}
export interface WarnEvent {
  readonly type: 'warn';
  readonly tid: number;
  /** The kernel's WARN_ON condition, e.g. 'as_dirty_helpers: VMA without VM_IO'. */
  readonly what: string;
}
export type KernelEvent =
  | MemStoreEvent
  | DevCopyEvent
  | BitmapEvent
  | BoundsEvent
  | VmwSetEvent
  | HelperCallEvent
  | HelperReturnEvent
  | FaultEnterEvent
  | FaultExitEvent
  | GhostWpSeenEvent
  | WarnEvent;
