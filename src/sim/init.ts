import { hasSpecialPtes, hasVmaOps, type Scenario } from '../scenario/types.js';
import type { MutableSimState, SimState } from '../state/types.js';
import { layoutOf } from '../state/layout.js';
import { PTE_NONE } from '../state/pte.js';
import { getArch } from '../arch/registry.js';
import type { PteInit } from '../arch/types.js';
import { firstFrame } from '../kernel/programs.js';

/**
 * The state before the first event: PTEs as the scenario says (through the arch's encoding),
 * empty TLBs, free locks, bitmap all-set or empty, every thread at its entry point.
 *
 * It lives in sim/ because it needs the architecture (PTE encoding) and the kernel (entry
 * points): state/ and evolve/ stay free of both. A log stores this state in its header, so
 * replaying a log folds it with the recipes alone (src/log/format.ts).
 */
export function initialState(scenario: Scenario): SimState {
  return initialMutableState(scenario);
}

/** How a PTE of the initial state is made: the arch's `mkPte` (or a neutral one for shapes). */
export type MkPte = (pfn: number, init: PteInit) => number;

/**
 * T2/T3 bookkeeping only for scenarios that use it (arch options `lazyCpus`, `tlbi: nosync`,
 * kernel threads that CPUs switch to, T9).
 */
function cpuStateOf(scenario: Scenario): Pick<MutableSimState, 'cpus'> {
  const lazy = lazyCpusOf(scenario);
  if (
    lazy.length === 0 &&
    scenario.options.arch['tlbi'] !== 'nosync' &&
    !scenario.threads.some((t) => t.kind === 'kthread')
  )
    return {};
  return {
    cpus: Array.from({ length: scenario.cpus }, (_, c) => ({
      lazy: lazy.includes(c) ? (1 as const) : (0 as const),
      owed: 0,
    })),
  };
}

/** CPUs that start in lazy-TLB mode: arch option `lazyCpus`, e.g. "1" or "1,2" (T2). */
export function lazyCpusOf(scenario: Scenario): number[] {
  const v = scenario.options.arch['lazyCpus'];
  if (typeof v !== 'string' || v.trim() === '') return [];
  return v
    .split(',')
    .map((x) => Number(x.trim()))
    .filter((c) => Number.isInteger(c) && c >= 0 && c < scenario.cpus);
}

export function initialMutableState(
  scenario: Scenario,
  mkPte: MkPte = archMkPte(scenario),
): MutableSimState {
  const layout = layoutOf(scenario);
  const mms = scenario.mms.map((mm, m) => {
    const ptes: number[] = new Array<number>(layout.mmSize[m] ?? 0).fill(PTE_NONE);
    for (const vma of mm.vmas) {
      for (let i = 0; i < vma.npages; i++) {
        const pfn = vma.pgoff + i;
        const writable = vma.flags.includes('write') && vma.flags.includes('shared');
        ptes[vma.start + i] =
          scenario.initialPte === 'none'
            ? PTE_NONE
            : mkPte(pfn, {
                write: writable && scenario.initialPte !== 'readonly',
                dirty: writable && scenario.initialPte === 'writable-dirty',
                special: hasSpecialPtes(vma),
              });
      }
    }
    return { ptes, pending: 0, seq: 0, active: 0 };
  });
  const bitmaps: number[][] = [];
  for (let b = 0; b < layout.nBitmaps; b++) {
    bitmaps.push(
      new Array<number>(scenario.pages).fill(
        b === 0 && scenario.driver.initialBitmap === 'all' ? 1 : 0,
      ),
    );
  }
  const extra: Pick<MutableSimState, 'pageDirty' | 'ubc' | 'vmWrite' | 'vmw'> = {};
  if (layout.pageBacked) {
    // PG_dirty starts set for pages a writable PTE maps: on a write-notify mapping a PTE
    // only becomes writable through page_mkwrite + fault_dirty_shared_page (docs/rules/fault.md).
    const dirty = new Array<number>(scenario.pages).fill(0);
    if (scenario.initialPte === 'writable-dirty' || scenario.initialPte === 'writable-clean')
      for (const mm of scenario.mms)
        for (const vma of mm.vmas)
          if (vma.flags.includes('write') && vma.flags.includes('shared'))
            for (let i = 0; i < vma.npages; i++) dirty[vma.pgoff + i] = 1;
    extra.pageDirty = dirty;
  }
  if (layout.batchedFlush) extra.ubc = scenario.mms.map(() => ({ pending: 0, flushed: 0 }));
  if (scenario.threads.some((t) => t.kind === 'mprotect') || hasVmaOps(scenario))
    extra.vmWrite = scenario.mms.map((mm) =>
      mm.vmas.map((v) => (v.flags.includes('write') ? 1 : 0)),
    );
  if (layout.vmwTracker)
    extra.vmw = {
      method: scenario.driver.mode === 'mkwrite' ? 1 : 0,
      count: scenario.driver.changeCount ?? 0,
      res: scenario.driver.resDirty === true ? 1 : 0,
    };
  return {
    pages: Array.from({ length: scenario.pages }, () => ({ version: 0, device: 0 })),
    mms,
    tlbs: Array.from({ length: scenario.cpus }, () => []),
    locks: layout.lockNames.map(() => ({ owner: -1, readers: 0 })),
    bitmaps,
    bounds:
      scenario.driver.initialBitmap === 'all'
        ? { start: 0, end: scenario.pages }
        : { start: scenario.pages, end: 0 },
    threads: scenario.threads.map((_, tid) => ({ stack: [firstFrame(scenario, tid)] })),
    smmus: scenario.secondaryMmus.map((m) => ({
      mm: m.mm,
      seq: 0,
      sptes: new Array<number>(layout.mmSize[m.mm] ?? 0).fill(0),
      susp: new Array<number>(layout.mmSize[m.mm] ?? 0).fill(0),
    })),
    warnings: 0,
    ...cpuStateOf(scenario),
    ...extra,
  };
}

function archMkPte(scenario: Scenario): MkPte {
  const arch = getArch(scenario.arch);
  return (pfn, init) => arch.mkPte(pfn, init);
}

/**
 * The shape of the scenario's state (every part, key and array length as `initialMutableState`
 * makes them) without asking the architecture: PTEs are 0. Readers of untrusted logs check a
 * recorded state against it, so a log whose arch is unknown or re-encoded still validates.
 */
export function stateShape(scenario: Scenario): MutableSimState {
  return initialMutableState(scenario, () => 0);
}
