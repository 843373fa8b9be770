import type { Scenario } from '../scenario/types.js';
import type { MutableSimState, SimState } from './types.js';
import { layoutOf } from './layout.js';
import { PTE_NONE } from './pte.js';
import { getArch } from '../arch/registry.js';
import { firstFrame } from '../kernel/programs.js';

/**
 * The state before the first event: PTEs as the scenario says (through the arch's encoding),
 * empty TLBs, free locks, bitmap all-set or empty, every thread at its entry point.
 */
export function initialState(scenario: Scenario): SimState {
  return initialMutableState(scenario);
}

export function initialMutableState(scenario: Scenario): MutableSimState {
  const layout = layoutOf(scenario);
  const arch = getArch(scenario.arch);
  const mms = scenario.mms.map((mm, m) => {
    const ptes: number[] = new Array<number>(layout.mmSize[m] ?? 0).fill(PTE_NONE);
    for (const vma of mm.vmas) {
      for (let i = 0; i < vma.npages; i++) {
        const pfn = vma.pgoff + i;
        const writable = vma.flags.includes('write') && vma.flags.includes('shared');
        ptes[vma.start + i] =
          scenario.initialPte === 'none'
            ? PTE_NONE
            : arch.mkPte(pfn, {
                write: writable && scenario.initialPte !== 'readonly',
                dirty: writable && scenario.initialPte === 'writable-dirty',
                special: vma.flags.includes('pfnmap'),
              });
      }
    }
    return { ptes, pending: 0, seq: 0, active: 0 };
  });
  const bitmaps: number[][] = [];
  for (let b = 0; b < layout.nBitmaps; b++) {
    bitmaps.push(
      new Array<number>(scenario.pages).fill(b === 0 && scenario.driver.initialBitmap === 'all' ? 1 : 0),
    );
  }
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
  };
}
