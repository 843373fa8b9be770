import type { Immutable } from 'immer';

/** One cached translation (docs/rules/README.md): `{mm, vpn, pfn, hwWritable, hwDirty}`. */
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
  /** tlb_flush_pending (docs/rules/tlb.md). */
  pending: number;
  /** Interval-notifier sequence: odd while an invalidation is active (docs/rules/notifier.md). */
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

/** A secondary MMU's subscription on one mm (docs/rules/notifier.md). */
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
  /**
   * Per-CPU flush bookkeeping (T2 x86 lazy TLB, T3 arm64 nosync). Present only when the scenario
   * marks lazy CPUs or picks the nosync flavour, so other states (and their hashes) are unchanged.
   */
  cpus?: CpuState[];
  /**
   * PG_dirty of each page (1 = dirty). Present only when the scenario has page-backed
   * mappings (layout.pageBacked); pfn-map scenarios keep their old state shape and hashes.
   */
  pageDirty?: number[];
  /**
   * mm->tlb_flush_batched per mm (mm/rmap.c): reclaim's batched-flush generation `pending`
   * and the generation `flushed` by flush_tlb_batched_pending(). Present only with a reclaimer.
   */
  ubc?: UbcState[];
  /**
   * VM_WRITE of each VMA (by mm, then the VMA's index in its mm), which mprotect changes
   * under mmap_lock. Present only when the scenario has an mprotect thread; otherwise VMA
   * flags are the scenario's constants.
   */
  vmWrite?: number[][];
  /**
   * vmwgfx's dirty tracker as the BO has it now (V5, V8): the method (0 PAGETABLE, 1 MKWRITE),
   * change_count and the resource's res_dirty flag. Present only when a caller program switches
   * methods, adds the tracker, unmaps or validates (layout.vmwTracker); otherwise the method is
   * the scenario's constant `driver.mode`.
   */
  vmw?: VmwState;
}

/** vmwgfx's `struct vmw_bo_dirty` method and change_count, and `res->res_dirty`. */
export interface VmwState {
  method: number;
  count: number;
  res: number;
}

/** mm->tlb_flush_batched split into its two counters (pending != flushed: a flush is owed). */
export interface UbcState {
  pending: number;
  flushed: number;
}

/** One CPU's deferred TLB invalidations (T2/T3). */
export interface CpuState {
  /** 1 while in lazy-TLB mode (running a kernel thread with the last user mm still loaded). */
  lazy: 0 | 1;
  /** Bit m: a flush of mm m skipped this CPU (lazy) or has not completed here (nosync). */
  owed: number;
}

/** The simulator state: plain data, readonly at every level. */
export type SimState = Immutable<MutableSimState>;

/** A frame as step machines see it. */
export type FrameView = Immutable<Frame>;
