import { describe, expect, it } from 'vitest';
import {
  explore,
  getProperty,
  parseScenario,
  layoutOf,
  makeModel,
  PTE_HWDIRTY,
  type MutableSimState,
} from '../../src/index.js';
import { smmuLock } from '../../src/state/layout.js';
import { builtin } from '../helpers/scenarios.js';
import { freshState, options, step, types } from '../helpers/world.js';
import { failingSeeds, modelOf } from './actorWorld.js';

// Secondary MMU device threads (docs/rules/notifier.md §6: R3, R4, R8).
const scenario = builtin('smmu-ignores-sequence');
const buggy = makeModel(scenario);
const correct = makeModel({ ...scenario, secondaryMmus: [{ mm: 0, ignoresSequence: false }] });
const wpPost = [getProperty('wrprotect-post'), getProperty('lost-write')];

/** One device (tid 0) on a 2-page pfn map, a snap caller (tid 1) and an idle user on CPU 0. */
function tiny(
  ignoresSequence: boolean,
  initialPte = 'writable-dirty',
  writableFrom?: 'write' | 'write-and-dirty',
) {
  return modelOf({
    pages: 2,
    cpus: 1,
    variant: 'upstream',
    mms: [
      {
        vmas: [
          { start: 0, pgoff: 0, npages: 2, flags: ['shared', 'write', 'maywrite', 'io', 'pfnmap'] },
        ],
      },
    ],
    initialPte,
    driver: { mode: 'mkwrite', initialBitmap: 'all' },
    secondaryMmus: [{ mm: 0, ignoresSequence, ...(writableFrom && { writableFrom }) }],
    threads: [
      { kind: 'device', sub: 0, writes: 1 },
      { kind: 'caller', cpu: 0, protocol: 'snap' },
      { kind: 'user', cpu: 0 },
    ],
  });
}

/** Step the helper of caller tid 1 until it has opened its notifier window (R1). */
function openWindow(model: ReturnType<typeof tiny>, s: MutableSimState): void {
  for (let i = 0; i < 10 && s.mms[0]!.active === 0; i++) step(model, s, 1);
  expect(s.mms[0]!.active).toBe(1);
}

describe('secondary-MMU device thread (docs/rules/notifier.md §6)', () => {
  it('R8: a subscriber that ignores the sequence keeps a writable SPTE after write-protect returns (seeded random runs)', () => {
    const seeds = failingSeeds(buggy, 'wrprotect-post', 60, wpPost);
    expect(seeds.length).toBeGreaterThan(0);
  });

  it('R8: the correct subscriber retries and never keeps one (same seeds and more)', () => {
    expect(failingSeeds(correct, 'wrprotect-post', 300, wpPost)).toEqual([]);
    expect(failingSeeds(correct, 'lost-write', 300, wpPost)).toEqual([]);
  });

  it('R8: read_retry after an overlapping invalidation discards the PTE read and starts over', () => {
    const model = tiny(false);
    const s = freshState(model);
    step(model, s, 0); // pick vpn 0
    const begin = step(model, s, 0); // read_begin + lockless read of a writable dirty PTE
    expect(types(begin)).toContain('smmu/read-begin');
    openWindow(model, s); // the helper's invalidate() makes the sequence odd (R4)
    const install = step(model, s, 0);
    expect(types(install)).not.toContain('smmu/install');
    expect(s.smmus[0]!.sptes[0]).toBe(0);
    expect(s.threads[0]!.stack.at(-1)!.pc).toBe(1); // back to read_begin
  });

  it('R8 broken: ignoresSequence installs a writable SPTE from the stale read inside the window', () => {
    const model = tiny(true);
    const s = freshState(model);
    step(model, s, 0);
    step(model, s, 0);
    openWindow(model, s);
    const install = step(model, s, 0);
    expect(install).toContainEqual(expect.objectContaining({ type: 'smmu/install', vpn: 0, w: 1 }));
    expect(s.smmus[0]!.sptes[0]).toBe(2);
  });

  it('R3/R4: read_begin is not enabled while an invalidation overlapping the subscription is active', () => {
    const model = tiny(false);
    const s = freshState(model);
    step(model, s, 0); // pick vpn 0
    openWindow(model, s);
    expect(s.smmus[0]!.seq % 2).toBe(1);
    expect(options(model, s, 0)).toBe(0);
  });

  it('R4: the driver user_lock orders install against invalidate (install waits for it)', () => {
    const model = tiny(false);
    const s = freshState(model);
    step(model, s, 0);
    step(model, s, 0);
    s.locks[smmuLock(layoutOf(model.scenario), 0)]!.owner = 1;
    expect(options(model, s, 0)).toBe(0);
  });

  it("§6: device stores go through the SPTE and never set the CPU PTE's D bit", () => {
    const model = tiny(false);
    const s = freshState(model);
    s.mms[0]!.ptes[0] = s.mms[0]!.ptes[0]! & ~PTE_HWDIRTY; // clean it as clean_record would
    s.smmus[0]!.sptes[0] = 2; // a writable SPTE that survived (the buggy case)
    step(model, s, 0);
    const store = step(model, s, 0);
    expect(store).toContainEqual({ type: 'mem/store', tid: 0, cpu: -1, page: 0 });
    expect(types(store)).not.toContain('pte/set');
    expect(s.mms[0]!.ptes[0]! & PTE_HWDIRTY).toBe(0);
  });

  it('a write-protected PTE is faulted in through the CPU fault path (hmm_range_fault → handle_mm_fault), which records it (V4)', () => {
    const model = tiny(false, 'readonly');
    const s = freshState(model);
    s.bitmaps[0]![0] = 0;
    step(model, s, 0);
    step(model, s, 0); // read_begin, PTE not writable → fault
    expect(s.threads[0]!.stack.map((f) => f.fn)).toEqual(['device', 'fault']);
    const ev: string[] = [];
    while (s.threads[0]!.stack.length > 1) ev.push(...types(step(model, s, 0)));
    expect(ev).toContain('bitmap/set');
    expect(s.bitmaps[0]![0]).toBe(1);
    // Back at read_begin: the PTE is now writable+dirty, the SPTE gets installed, the store completes.
    while (s.threads[0]!.stack.length > 0) ev.push(...types(step(model, s, 0)));
    expect(ev.filter((t) => t === 'smmu/install' || t === 'mem/store')).toEqual([
      'smmu/install',
      'mem/store',
    ]);
  });

  it('PAGETABLE mode: device stores are reported through the D bit its write fault set (the SPTE dies with the mkclean, R4); the buggy subscriber loses some', () => {
    const pagetable = (ignoresSequence: boolean) =>
      modelOf({
        pages: 2,
        cpus: 2,
        variant: 'upstream',
        mms: [
          {
            vmas: [
              {
                start: 0,
                pgoff: 0,
                npages: 2,
                flags: ['shared', 'write', 'maywrite', 'io', 'pfnmap'],
              },
            ],
          },
        ],
        initialPte: 'writable-clean',
        driver: { mode: 'pagetable', initialBitmap: 'none' },
        secondaryMmus: [{ mm: 0, ignoresSequence }],
        threads: [
          { kind: 'device', sub: 0, writes: 3 },
          { kind: 'user', cpu: 0, writes: 1 },
          { kind: 'caller', cpu: 1, protocol: 'clean' },
          { kind: 'drain', cpu: 0, protocol: 'clean' },
        ],
      });
    const lost = [getProperty('lost-write')];
    expect(failingSeeds(pagetable(false), 'lost-write', 300, lost)).toEqual([]);
    expect(failingSeeds(pagetable(true), 'lost-write', 300, lost).length).toBeGreaterThan(0);
  });
});

describe('R11: a mirror that maps writable from pte_write alone (HMM, KVM pfnmap)', () => {
  it('installs a writable SPTE from a clean writable PTE without a fault, and its store leaves the PTE clean', () => {
    const model = tiny(false, 'writable-clean', 'write');
    const s = freshState(model);
    step(model, s, 0); // pick vpn 0
    const read = step(model, s, 0); // read_begin + lockless read: W=1, D=0
    expect(types(read)).not.toContain('thread/call');
    expect(s.threads[0]!.stack.map((f) => f.fn)).toEqual(['device']);
    expect(types(step(model, s, 0))).toContain('smmu/install');
    expect(step(model, s, 0)).toContainEqual({ type: 'mem/store', tid: 0, cpu: -1, page: 0 });
    expect(model.arch.pteDirty(s.mms[0]!.ptes[0]!)).toBe(false);
  });

  it('the default mirror (write-and-dirty) write-faults the same clean PTE first, which dirties it', () => {
    for (const model of [
      tiny(false, 'writable-clean'),
      tiny(false, 'writable-clean', 'write-and-dirty'),
    ]) {
      const s = freshState(model);
      step(model, s, 0);
      step(model, s, 0);
      expect(s.threads[0]!.stack.map((f) => f.fn)).toEqual(['device', 'fault']);
      while (s.threads[0]!.stack.length > 0) step(model, s, 0);
      expect(model.arch.pteDirty(s.mms[0]!.ptes[0]!)).toBe(true);
    }
  });

  it('a read-only PTE is still write-faulted (hmm_vma_fault / fixup_user_fault), recording the page (V4)', () => {
    const model = tiny(false, 'readonly', 'write');
    const s = freshState(model);
    s.bitmaps[0]![0] = 0;
    step(model, s, 0);
    step(model, s, 0);
    expect(s.threads[0]!.stack.map((f) => f.fn)).toEqual(['device', 'fault']);
    while (s.threads[0]!.stack.length > 0) step(model, s, 0);
    expect(s.bitmaps[0]![0]).toBe(1);
  });

  it('vmwgfx PAGETABLE loses the device write with the pte_write mirror and not with the default one (exhaustive)', () => {
    const sc = builtin('mirror-pte-write-pagetable');
    const lost = [getProperty('lost-write')];
    for (const variant of ['seed-v4', 'upstream']) {
      const bad = explore(makeModel(sc, { variant }), { properties: lost });
      expect(bad.verdict).toBe('violated');
      const fixed = makeModel(
        { ...sc, secondaryMmus: [{ mm: 0, ignoresSequence: false }] },
        { variant },
      );
      const ok = explore(fixed, { properties: lost });
      expect(ok.verdict).toBe('holds');
      expect(ok.exhaustive).toBe(true);
    }
  });

  it('an unknown writableFrom is bad input naming the field', () => {
    expect(() =>
      parseScenario({
        ...builtin('mirror-pte-write-pagetable'),
        secondaryMmus: [{ mm: 0, writableFrom: 'dirty' }],
      }),
    ).toThrow(/secondaryMmus\[0\]\.writableFrom/);
  });
});
