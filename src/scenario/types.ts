import type { ExpectSpec } from './expect.js';
import type { CallerOp } from './program.js';

/**
 * A resolved scenario: every field set. The file format (YAML/JSON) is parsed and validated
 * into this shape by src/scenario/parse.ts; the schema lives in src/scenario/schema.ts.
 */
export type VmFlag =
  'shared' | 'mayshare' | 'write' | 'maywrite' | 'io' | 'pfnmap' | 'mixedmap' | 'hugetlb';

export interface VmaSpec {
  /** First virtual page number. */
  readonly start: number;
  /** Page offset into the address_space of the first page. */
  readonly pgoff: number;
  readonly npages: number;
  readonly flags: readonly VmFlag[];
  /**
   * VM_MIXEDMAP only: the PTEs are special (F7: vmf_insert_mixed → insert_pfn with pte_special),
   * so vm_normal_page() is NULL for them. Absent or false: page-backed, as before.
   */
  readonly special?: boolean | undefined;
}

export interface MmSpec {
  readonly vmas: readonly VmaSpec[];
}

/**
 * F7: the VMA's PTEs are special, so vm_normal_page() (mm/memory.c) returns NULL for them:
 * VM_PFNMAP, or VM_MIXEDMAP whose PTEs vmf_insert_mixed() made with insert_pfn (pte_special
 * arches; TTM's fault in the seed's era). Such a VMA has no page lock, no PG_dirty, and no
 * folio that writeback or reclaim could reach through the rmap.
 */
export const hasSpecialPtes = (vma: VmaSpec): boolean =>
  vma.flags.includes('pfnmap') || (vma.flags.includes('mixedmap') && vma.special === true);

export type AccessOp = { readonly op: 'write' | 'read'; readonly vpn: number };
/**
 * A system call of a user thread on one whole VMA (index `vma` in its mm): msync(MS_SYNC),
 * madvise(MADV_DONTNEED), munmap, mmap (a fresh mapping of the same file range at the same
 * place after a munmap), mprotect(PROT_READ or PROT_READ|PROT_WRITE).
 */
export type VmaOp =
  | { readonly op: 'msync' | 'madvise-dontneed' | 'munmap' | 'mmap'; readonly vma: number }
  | { readonly op: 'mprotect'; readonly vma: number; readonly prot: 'read' | 'read-write' };
export type UserOp = AccessOp | VmaOp;
export const isAccessOp = (op: UserOp): op is AccessOp => op.op === 'write' || op.op === 'read';
/** Does a user thread of the scenario make address-space calls (msync, mprotect, zap, mmap)? */
export const hasVmaOps = (s: Scenario): boolean =>
  s.threads.some((t) => t.kind === 'user' && t.ops.some((op) => !isAccessOp(op)));

export interface UserThreadSpec {
  readonly kind: 'user';
  readonly name: string;
  readonly cpu: number;
  readonly mm: number;
  /** Scripted accesses, in order. */
  readonly ops: readonly UserOp[];
  /** Then this many writes to a page chosen non-deterministically (a recorded choice). */
  readonly writes: number;
}

/**
 * A kernel-side user of the helpers (a driver): a caller program (src/scenario/program.ts),
 * given as `program` or by the name of a library protocol (src/scenario/protocols.ts: `snap`,
 * `clean`, `vmwgfx-mkwrite`, `vmwgfx-pagetable`), which parsing resolves to its program.
 * A `drain` runs once every other thread has finished; a `consumer` copies recorded pages
 * under the driver lock whenever it runs.
 */
export interface CallerThreadSpec {
  readonly kind: 'caller' | 'drain';
  readonly name: string;
  readonly cpu: number;
  /** The library protocol the program is (checks that describe one protocol read it). */
  readonly protocol?: string;
  readonly program: readonly CallerOp[];
  /** Page offset range [first, first + nr) of the address_space. */
  readonly first: number;
  readonly nr: number;
  /**
   * `copy` operations copy to the device (default). `false`: a dirty-logging consumer outside
   * the model only records (so the `device` ghost is left to writeback).
   */
  readonly copy?: boolean;
}

/** A concurrent consumer: `passes` times, under the driver lock, copy and clear recorded pages. */
export interface ConsumerThreadSpec {
  readonly kind: 'consumer';
  readonly name: string;
  readonly cpu: number;
  readonly passes: number;
  readonly from: 'driver' | 'own';
  readonly first: number;
  readonly nr: number;
}

/** mprotect(PROT_READ) of one VMA (mm/mprotect.c change_protection → change_pte_range). */
export interface MprotectThreadSpec {
  readonly kind: 'mprotect';
  readonly name: string;
  readonly cpu: number;
  readonly mm: number;
  /** Index of the VMA in its mm. */
  readonly vma: number;
  /** Call flush_tlb_batched_pending() under the PTL (3ea277194daa); false = before it (S-6). */
  readonly batchedPendingFlush: boolean;
}

/** A write to /proc/PID/clear_refs (fs/proc/task_mmu.c clear_refs_write). */
export interface ClearRefsThreadSpec {
  readonly kind: 'clear-refs';
  readonly name: string;
  readonly cpu: number;
  readonly mm: number;
  readonly type: 'soft-dirty' | 'young';
  /** The S-9 window (0758cd830494 .. 912efa17e512): no TLB flush after soft-dirty write-protect. */
  readonly missingFlush: boolean;
}

/** Writeback of page-cache pages (write_cache_pages → folio_clear_dirty_for_io → page_mkclean). */
export interface WritebackThreadSpec {
  readonly kind: 'writeback';
  readonly name: string;
  readonly cpu: number;
  readonly first: number;
  readonly nr: number;
  /** Runs once every other (non-final) thread has finished, like a drain. */
  readonly final: boolean;
  /** Counterfactual: page_mkclean_one also flushes when mm_tlb_flush_pending() (S-3's KSM fix). */
  readonly checksFlushPending: boolean;
}

/** Reclaim of one page with a batched TLB flush (mm/rmap.c try_to_unmap_one, TTU_BATCH_FLUSH). */
export interface ReclaimThreadSpec {
  readonly kind: 'reclaim';
  readonly name: string;
  readonly cpu: number;
  readonly page: number;
}

/** A secondary-MMU device thread: stores through SPTEs of subscription `sub` (docs/rules/notifier.md). */
export interface DeviceThreadSpec {
  readonly kind: 'device';
  readonly name: string;
  /** Always -1: a device runs on no CPU (its stores are `mem/store` with cpu -1). */
  readonly cpu: -1;
  readonly sub: number;
  readonly writes: number;
}

/**
 * A kernel thread CPU `cpu` switches to, `switches` times at any point (T9): lazy-TLB mode on
 * x86 (enter_lazy_tlb) until the CPU's user task runs again (switch_mm_irqs_off catch-up, T2).
 */
export interface KthreadThreadSpec {
  readonly kind: 'kthread';
  readonly name: string;
  readonly cpu: number;
  readonly switches: number;
}

/** Threads that are neither user programs nor helper callers: the other actors of an mm. */
export type ActorThreadSpec =
  | MprotectThreadSpec
  | ClearRefsThreadSpec
  | WritebackThreadSpec
  | ReclaimThreadSpec
  | DeviceThreadSpec
  | KthreadThreadSpec;

export type ThreadSpec = UserThreadSpec | CallerThreadSpec | ConsumerThreadSpec | ActorThreadSpec;

export interface ScenarioOptions {
  /** 'faithful': the PTL is dropped around pfn_mkwrite (F3). 'atomic': one step, as SPIN. */
  readonly faultPath: 'faithful' | 'atomic';
  /** 'per-cpu': each CPU's shootdown is its own step (T1). 'atomic': one step. */
  readonly flush: 'per-cpu' | 'atomic';
  /**
   * T8, per-CPU shootdowns: absent or 'any' = which owed CPU completes next is a recorded
   * choice (IPIs complete in any order); 'ascending' = lowest CPU first (the old fixed order).
   */
  readonly shootdownOrder?: 'any' | 'ascending' | undefined;
  /** TLB entries per CPU; when full, a fill evicts a victim chosen non-deterministically. */
  readonly tlbCapacity: number;
  /** PTEs per page table (one PTL each). */
  readonly ptesPerTable: number;
  /** Architecture options, e.g. { strayDirty: true } for x86 non-CET parts (X86-W2). */
  readonly arch: Readonly<Record<string, string | boolean>>;
  /**
   * The kernel generation where paths differ (src/kernel/kernelEra.ts): `current` (absent),
   * `pre-6.0` (mprotect's dirty_accountable and whole-range flush, MP2; unmap_mapping_range
   * under i_mmap for write, as until v5.17, Z3) or `pre-4.13` (also the zap's mmu_gather
   * before 99baac21e458: no tlb_flush_pending, no nested flush, Z2 / S-1).
   */
  readonly kernel?: 'current' | 'pre-6.0' | 'pre-4.13';
}

export interface Scenario {
  readonly name: string;
  readonly description: string;
  readonly arch: string;
  readonly variant: string;
  readonly options: ScenarioOptions;
  /** Pages in the driver's address_space; page i is backed by pfn i. */
  readonly pages: number;
  readonly cpus: number;
  readonly mms: readonly MmSpec[];
  /** Initial state of every mapped PTE. */
  readonly initialPte: 'writable-clean' | 'writable-dirty' | 'readonly' | 'none';
  readonly driver: {
    /** vmwgfx dirty-tracking method (docs/rules/vmwgfx.md). */
    readonly mode: 'mkwrite' | 'pagetable';
    /** 'all': every bit set at start (writable PTEs have been recorded by mkwrite already). */
    readonly initialBitmap: 'all' | 'none';
    /** change_count at start (V5; absent = 0). */
    readonly changeCount?: number | undefined;
    /**
     * S-16: how vmw_bo_dirty_transfer_to_res() clamps the end of the range it clears: `max`
     * (default; mainline, clears bits past the resource's end without copying them) or `min`
     * (the posted fix).
     */
    readonly transferClamp?: 'max' | 'min' | undefined;
    /** res_dirty of the resource at start (V8; absent = false). */
    readonly resDirty?: boolean | undefined;
  };
  readonly threads: readonly ThreadSpec[];
  /** Interval-notifier subscribers (device TLBs) on an mm (docs/rules/notifier.md). */
  readonly secondaryMmus: readonly SecondaryMmuSpec[];
  /** Which archs/variants `ptesim matrix` explores for this scenario by default. */
  readonly matrix: { readonly archs: readonly string[]; readonly variants: readonly string[] };
  /** Expected verdicts per (arch, variant) (src/scenario/expect.ts); absent = none stated. */
  readonly expect?: ExpectSpec;
}

export interface SecondaryMmuSpec {
  readonly mm: number;
  /** A buggy subscriber that installs SPTEs without mmu_interval_read_retry (R8). */
  readonly ignoresSequence: boolean;
  /**
   * R11: the PTE a writable SPTE is made from. Absent or 'write-and-dirty': writable and dirty
   * (a clean writable PTE is write-faulted first, F4). 'write': pte_write() alone, as HMM
   * (mm/hmm.c pte_to_hmm_pfn_flags) and KVM's pfnmap path (virt/kvm/kvm_main.c
   * hva_to_pfn_remapped) do: device stores then leave the CPU PTE clean.
   */
  readonly writableFrom?: 'write-and-dirty' | 'write';
}
