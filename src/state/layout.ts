import type { Scenario } from '../scenario/types.js';

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
    t.kind !== 'user' && t.protocol === 'clean' ? nBitmaps++ : 0,
  );
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
  };
  cache.set(scenario, layout);
  return layout;
}
