import { hasSpecialPtes, hasVmaOps, type Scenario } from '../scenario/types.js';
import { changesTracker, usesOwnBitmap } from '../scenario/program.js';

/**
 * Numbers derived once from a scenario: lock indices, page-table geometry, which CPUs each
 * mm runs on. Pure function of the scenario, so decide, evolve and tools agree without storing
 * any of it in state.
 */
export interface Layout {
  readonly scenario: Scenario;
  /** Lock index of mapping->i_mmap_rwsem. */
  readonly immapLock: number;
  /** Lock index of the driver's lock (vmwgfx: the BO reservation). */
  readonly driverLock: number;
  /** PTEs per table (PTL granularity). */
  readonly ptesPerTable: number;
  /** vpns per mm (page-table array size). */
  readonly mmSize: readonly number[];
  readonly lockNames: readonly string[];
  /** mm_cpumask: CPUs that run user threads of each mm. */
  readonly mmCpus: readonly (readonly number[])[];
  /** Private bitmap id of each thread (0 = none, uses the driver's). */
  readonly bitmapOf: readonly number[];
  readonly nBitmaps: number;
  /**
   * Some VMA maps struct pages (no VM_PFNMAP): page locks and PG_dirty are modelled
   * (F6). Off for pure pfn-map scenarios, whose state stays as before.
   */
  readonly pageBacked: boolean;
  /** Lock index of page 0's page lock (PG_locked), -1 when pages are not page-backed. */
  readonly pageLockBase: number;
  /**
   * Lock index of mm 0's mmap_lock, -1 when no thread takes it for write (mprotect,
   * clear_refs): readers of an rwsem never block each other, so it is left out then.
   */
  readonly mmapLockBase: number;
  /** Lock index of secondary MMU 0's driver user_lock (docs/rules/notifier.md), -1 when there are none. */
  readonly smmuLockBase: number;
  /** Some thread is a reclaimer: mm->tlb_flush_batched is modelled (state.ubc). */
  readonly batchedFlush: boolean;
  /**
   * A caller program changes vmwgfx's tracker (scan with method switching, dirty-add, unmap,
   * validate): the method, change_count and res_dirty are state (`vmw`), not constants.
   */
  readonly vmwTracker: boolean;
}

/** Page `page`'s lock (lock_page / folio_lock), or -1 when not modelled. */
export function pageLock(layout: Layout, page: number): number {
  return layout.pageLockBase < 0 ? -1 : layout.pageLockBase + page;
}

/** mm `mm`'s mmap_lock, or -1 when not modelled (no writer in the scenario). */
export function mmapLock(layout: Layout, mm: number): number {
  return layout.mmapLockBase < 0 ? -1 : layout.mmapLockBase + mm;
}

/** The user_lock of secondary MMU `sub`'s driver (mmu_interval_read_retry is called under it). */
export function smmuLock(layout: Layout, sub: number): number {
  return layout.smmuLockBase < 0 ? -1 : layout.smmuLockBase + sub;
}

const ptlBase = 2;

export function ptlLock(layout: Layout, mm: number, vpn: number): number {
  let idx = ptlBase;
  for (let m = 0; m < mm; m++) idx += tablesOf(layout, m);
  return idx + Math.floor(vpn / layout.ptesPerTable);
}

function tablesOf(layout: Layout, mm: number): number {
  return Math.max(1, Math.ceil((layout.mmSize[mm] ?? 0) / layout.ptesPerTable));
}

const cache = new WeakMap<Scenario, Layout>();

export function layoutOf(scenario: Scenario): Layout {
  const hit = cache.get(scenario);
  if (hit) return hit;
  const ptesPerTable = scenario.options.ptesPerTable;
  const mmSize = scenario.mms.map((mm) =>
    mm.vmas.reduce((mx, v) => Math.max(mx, v.start + v.npages), 0),
  );
  const lockNames = ['i_mmap_rwsem', 'driver_lock'];
  mmSize.forEach((size, mm) => {
    const tables = Math.max(1, Math.ceil(size / ptesPerTable));
    for (let t = 0; t < tables; t++) lockNames.push(`ptl[mm${mm}:${t}]`);
  });
  const mmCpus = scenario.mms.map((_, mm) => {
    const cpus = new Set<number>();
    for (const t of scenario.threads) if (t.kind === 'user' && t.mm === mm) cpus.add(t.cpu);
    return [...cpus].sort((a, b) => a - b);
  });
  let nBitmaps = 1;
  const bitmapOf = scenario.threads.map((t) =>
    ((t.kind === 'caller' || t.kind === 'drain') && usesOwnBitmap(t.program)) ||
    (t.kind === 'consumer' && t.from === 'own')
      ? nBitmaps++
      : 0,
  );
  // Locks beyond the PTLs are appended only when a scenario needs them, so the lock table
  // (and the state hash) of the pfn-map scenarios is unchanged.
  const kinds = new Set(scenario.threads.map((t) => t.kind));
  const pageBacked =
    scenario.mms.some((mm) => mm.vmas.some((v) => !hasSpecialPtes(v))) ||
    kinds.has('writeback') ||
    kinds.has('reclaim');
  const pageLockBase = pageBacked ? lockNames.length : -1;
  if (pageBacked) for (let p = 0; p < scenario.pages; p++) lockNames.push(`page_lock[${p}]`);
  const needsMmap = kinds.has('mprotect') || kinds.has('clear-refs') || hasVmaOps(scenario);
  const mmapLockBase = needsMmap ? lockNames.length : -1;
  if (needsMmap) scenario.mms.forEach((_, mm) => lockNames.push(`mmap_lock[mm${mm}]`));
  const smmuLockBase = scenario.secondaryMmus.length > 0 ? lockNames.length : -1;
  scenario.secondaryMmus.forEach((_, i) => lockNames.push(`user_lock[smmu${i}]`));
  const layout: Layout = {
    scenario,
    immapLock: 0,
    driverLock: 1,
    ptesPerTable,
    mmSize,
    lockNames,
    mmCpus,
    bitmapOf,
    nBitmaps,
    pageBacked,
    pageLockBase,
    mmapLockBase,
    smmuLockBase,
    batchedFlush: kinds.has('reclaim'),
    vmwTracker: scenario.threads.some(
      (t) => (t.kind === 'caller' || t.kind === 'drain') && changesTracker(t.program),
    ),
  };
  cache.set(scenario, layout);
  return layout;
}
