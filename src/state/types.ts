import type { Immutable } from 'immer';

/** One cached translation (SEMANTICS §0): `{mm, vpn, pfn, hwWritable, hwDirty}`. */
export interface TlbEntry {
  mm: number;
  vpn: number;
  pfn: number;
  w: 0 | 1;
  d: 0 | 1;
  /**
   * Ghost: bit t set = wrprotect caller t saw this page write-protected while this entry was
   * writable, so the entry is stale for t until flushed (DESIGN §4 `wrprotect-post`).
   */
  susp: number;
}

export interface Frame {
  /** Step machine name (src/kernel/programs.ts). */
  fn: string;
  pc: number;
  /** Locals by slot; each step machine documents its slots. */
  l: number[];
}

export interface ThreadState {
  /** Call stack; empty = finished. */
  stack: Frame[];
}

export interface LockState {
  /** Exclusive holder's tid, or -1. */
  owner: number;
  /** Bitmask of tids holding it for read (rwsems only). */
  readers: number;
}

export interface MmState {
  /** Packed PTEs (src/state/pte.ts) indexed by vpn. */
  ptes: number[];
  /** tlb_flush_pending (§1.6). */
  pending: number;
  /** Interval-notifier sequence: odd while an invalidation is active (§6). */
  seq: number;
  /** Active invalidate_range_start windows: count. */
  active: number;
}

export interface PageState {
  /** Ghost content version: bumped by every completed store. */
  version: number;
  /** Ghost: the version the driver last copied to the device. */
  device: number;
}

/** A secondary MMU's subscription on one mm (SEMANTICS §6). */
export interface SmmuState {
  mm: number;
  /** Its interval sequence (mmu_interval_set_seq). */
  seq: number;
  /** SPTEs by vpn: 0 none, 1 read-only, 2 writable. */
  sptes: number[];
  /** Ghost, as TlbEntry.susp: bit t = stale for wrprotect caller t. Per vpn. */
  susp: number[];
}

export interface MutableSimState {
  pages: PageState[];
  mms: MmState[];
  /** Per CPU, its TLB entries in fill order. */
  tlbs: TlbEntry[][];
  locks: LockState[];
  /** bitmaps[0] is the driver's; bitmaps[1 + k] are private bitmaps of callers. */
  bitmaps: number[][];
  /** The driver's dirty range [start, end) (vmw_bo_dirty start/end). */
  bounds: { start: number; end: number };
  threads: ThreadState[];
  /** Secondary MMUs (interval-notifier subscribers). */
  smmus: SmmuState[];
  /** WARN_ON count (kernel warnings are recorded, not failures). */
  warnings: number;
}

/** The simulator state: plain data, readonly at every level. */
export type SimState = Immutable<MutableSimState>;

/** A frame as step machines see it. */
export type FrameView = Immutable<Frame>;
