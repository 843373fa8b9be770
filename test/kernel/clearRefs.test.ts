import { describe, expect, it } from 'vitest';
import { getProperty, layoutOf, makeModel, PTE_YOUNG, type SimEvent } from '../../src/index.js';
import { mmapLock } from '../../src/state/layout.js';
import { builtin } from '../helpers/scenarios.js';
import { freshState, options, step, types } from '../helpers/world.js';
import { failingSeeds, modelOf, noStaleWritableAt, withThreads } from './actorWorld.js';

// clear_refs_write (fs/proc/task_mmu.c; docs/rules/bugs.md §8 S-9).
const s9 = builtin('s9-clear-refs-no-flush');
const buggy = makeModel(s9);
const fixed = makeModel(
  withThreads(s9, (t) => (t.kind === 'clear-refs' ? { ...t, missingFlush: false } : t)),
);

function tiny(type: 'soft-dirty' | 'young') {
  // VMA 0 is a pfn map (clear_refs_test_walk skips it), VMA 1 page-backed.
  return modelOf({
    pages: 2,
    cpus: 1,
    variant: 'upstream',
    mms: [
      {
        vmas: [
          { start: 0, pgoff: 0, npages: 1, flags: ['shared', 'write', 'maywrite', 'io', 'pfnmap'] },
          { start: 1, pgoff: 1, npages: 1, flags: ['shared', 'write', 'maywrite'] },
        ],
      },
    ],
    initialPte: 'writable-dirty',
    threads: [
      { kind: 'clear-refs', cpu: 0, type },
      { kind: 'user', cpu: 0 },
    ],
  });
}

function runAll(model: ReturnType<typeof tiny>) {
  const s = freshState(model);
  const ev: SimEvent[] = [];
  while (s.threads[0]!.stack.length > 0) ev.push(...step(model, s, 0));
  return { s, ev };
}

describe('clear_refs (soft-dirty write-protect, young clearing)', () => {
  it('S-9: without the flush, clear_refs returns while a CPU still holds a writable entry (seeded random runs)', () => {
    const prop = noStaleWritableAt('clear_refs_write', (p) => buggy.arch.pteWrite(p));
    expect(failingSeeds(buggy, prop.id, 40, [prop]).length).toBeGreaterThan(0);
  });

  it('S-9 fix (912efa17e512): flush_tlb_mm before dec_tlb_flush_pending leaves no stale writable entry', () => {
    const prop = noStaleWritableAt('clear_refs_write', (p) => fixed.arch.pteWrite(p));
    expect(failingSeeds(fixed, prop.id, 300, [prop, getProperty('lost-write')])).toEqual([]);
    expect(failingSeeds(fixed, 'lost-write', 100, [getProperty('lost-write')])).toEqual([]);
  });

  it('soft-dirty: ptep_modify_prot_start/commit write-protect every present page-backed PTE, skipping VM_PFNMAP VMAs', () => {
    const model = tiny('soft-dirty');
    const { s, ev } = runAll(model);
    const sets = ev.filter((e) => e.type === 'pte/set');
    expect(sets.map((e) => [e.type === 'pte/set' && e.vpn, e.type === 'pte/set' && e.fn])).toEqual([
      [1, 'ptep_modify_prot_start'],
      [1, 'ptep_modify_prot_commit'],
    ]);
    expect(model.arch.pteWrite(s.mms[0]!.ptes[0]!)).toBe(true); // the pfn map is untouched
    expect(model.arch.pteWrite(s.mms[0]!.ptes[1]!)).toBe(false);
    // §1.6 / T5: pending raised before any PTL, dropped after the flush.
    const t = types(ev);
    expect(t.indexOf('pending/inc')).toBeLessThan(t.indexOf('pte/set'));
    expect(t.indexOf('flush/done')).toBeLessThan(t.indexOf('pending/dec'));
  });

  it('soft-dirty as in the kernel: invalidate_range_end comes before flush_tlb_mm', () => {
    const { ev } = runAll(tiny('soft-dirty'));
    const t = types(ev);
    expect(t.indexOf('notifier/end')).toBeLessThan(t.indexOf('flush/start'));
  });

  it('young: ptep_test_and_clear_young clears A with no notifier, no pending and no flush', () => {
    const model = tiny('young');
    const { s, ev } = runAll(model);
    expect(types(ev)).not.toContain('flush/start');
    expect(types(ev)).not.toContain('pending/inc');
    expect(types(ev)).not.toContain('notifier/start');
    expect(s.mms[0]!.ptes[1]! & PTE_YOUNG).toBe(0);
    expect(model.arch.pteWrite(s.mms[0]!.ptes[1]!)).toBe(true);
  });

  it('takes mmap_lock for write (it waits for a fault holding it for read)', () => {
    const model = tiny('soft-dirty');
    const s = freshState(model);
    s.locks[mmapLock(layoutOf(model.scenario), 0)]!.readers = 1 << 1;
    expect(options(model, s, 0)).toBe(0);
  });
});
