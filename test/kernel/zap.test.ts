import { describe, expect, it } from 'vitest';
import {
  explore,
  getProperty,
  layoutOf,
  makeModel,
  parseSchedule,
  runModel,
  type Model,
  type Scenario,
  type SimEvent,
} from '../../src/index.js';
import { ptlLock } from '../../src/state/layout.js';
import { builtin } from '../helpers/scenarios.js';
import { freshState, options, step, types } from '../helpers/world.js';
import { modelOf } from './actorWorld.js';

// The zap as a step machine (src/kernel/zap.ts, src/kernel/unmapMapping.ts): Z1 PTE clear with
// the D bit to set_page_dirty (page-backed) or dropped (special), Z2 the mmu_gather and its
// tlb_flush_pending, Z3 unmap_mapping_range under i_mmap, Z4 refault after.

const SHARED = ['shared', 'mayshare', 'write', 'maywrite'];
const PFNMAP = [...SHARED, 'io', 'pfnmap'];
/** madvise(MADV_DONTNEED) refuses VM_PFNMAP (U3); its special PTEs come from a mixed map. */
const MIXED = [...SHARED, 'io', 'mixedmap'];

function userModel(
  flags: string[],
  ops: Record<string, unknown>[],
  extra: Record<string, unknown>[] = [],
  initialPte = 'writable-dirty',
): Model {
  return modelOf({
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
            flags,
            ...(flags.includes('mixedmap') && { special: true }),
          },
        ],
      },
    ],
    initialPte,
    threads: [{ kind: 'user', cpu: 0, ops }, ...extra],
  });
}

function runThread(model: Model, tid = 0): { ev: SimEvent[]; s: ReturnType<typeof freshState> } {
  const s = freshState(model);
  const ev: SimEvent[] = [];
  while ((s.threads[tid]?.stack.length ?? 0) > 0) ev.push(...step(model, s, tid));
  return { ev, s };
}

describe('zap (zap_pte_range under an mmu_gather)', () => {
  it('Z1: munmap of a dirty page-backed PTE marks the page dirty (set_page_dirty) and clears the PTE', () => {
    const model = userModel(SHARED, [{ op: 'munmap' }]);
    const { ev, s } = runThread(model);
    expect(s.mms[0]!.ptes).toEqual([0, 0]);
    const cleared = ev.filter((e) => e.type === 'pte/set');
    expect(cleared.map((e) => (e.type === 'pte/set' ? e.fn : ''))).toEqual([
      'ptep_get_and_clear_full',
      'ptep_get_and_clear_full',
    ]);
    // initialPte writable-dirty starts with PG_dirty set; reset it to see the transfer.
    const s2 = freshState(model);
    s2.pageDirty = [0, 0];
    const ev2: SimEvent[] = [];
    while (s2.threads[0]!.stack.length > 0) ev2.push(...step(model, s2, 0));
    expect(ev2.filter((e) => e.type === 'page/dirty')).toEqual([
      { type: 'page/dirty', tid: 0, page: 0, value: 1 },
      { type: 'page/dirty', tid: 0, page: 1, value: 1 },
    ]);
    expect(s2.pageDirty).toEqual([1, 1]);
  });

  it('Z1: the D bit of a special PTE (a VM_MIXEDMAP pfn with no struct page) is dropped', () => {
    const model = userModel(MIXED, [{ op: 'madvise-dontneed' }]);
    const { ev, s } = runThread(model);
    expect(s.mms[0]!.ptes).toEqual([0, 0]);
    expect(ev.some((e) => e.type === 'page/dirty')).toBe(false);
    expect(s.pageDirty).toBeUndefined(); // a pure pfn-map scenario has no PG_dirty at all
  });

  it('Z1: a dirty page-backed PTE forces the TLB flush before the PTL is dropped (zap_pte_range force_flush)', () => {
    const model = userModel(SHARED, [{ op: 'munmap' }]);
    const { ev } = runThread(model);
    const ptl = ptlLock(layoutOf(model.scenario), 0, 0);
    const release = ev.findIndex((e) => e.type === 'lock/release' && e.lock === ptl);
    const flush = ev.findIndex((e) => e.type === 'flush/start');
    expect(flush).toBeGreaterThan(0);
    expect(flush).toBeLessThan(release);
    // The forced flush emptied the gather: tlb_finish_mmu has nothing left to flush.
    expect(ev.filter((e) => e.type === 'flush/start')).toHaveLength(1);
  });

  it('Z2: pending is raised before any PTL, the notifier window closes before the flush, pending drops after it', () => {
    const model = userModel(PFNMAP, [{ op: 'munmap' }]);
    const { ev } = runThread(model);
    const t = types(ev);
    const ptl = ptlLock(layoutOf(model.scenario), 0, 0);
    const takePtl = ev.findIndex((e) => e.type === 'lock/acquire' && e.lock === ptl);
    expect(t.indexOf('pending/inc')).toBeLessThan(takePtl);
    expect(t.indexOf('notifier/start')).toBeLessThan(takePtl);
    expect(t.indexOf('notifier/end')).toBeLessThan(t.indexOf('flush/start'));
    expect(t.lastIndexOf('flush/done')).toBeLessThan(t.indexOf('pending/dec'));
    expect(ev.find((e) => e.type === 'flush/start')).toMatchObject({ from: 0, to: 2 });
  });

  it('Z2: tlb_finish_mmu flushes the whole mm when another gatherer is in flight (mm_tlb_flush_nested, the S-1 fix)', () => {
    const model = modelOf({
      pages: 4,
      cpus: 1,
      variant: 'upstream',
      mms: [
        {
          vmas: [
            { start: 0, pgoff: 0, npages: 2, flags: MIXED, special: true },
            { start: 2, pgoff: 2, npages: 2, flags: MIXED, special: true },
          ],
        },
      ],
      initialPte: 'readonly',
      threads: [{ kind: 'user', cpu: 0, ops: [{ op: 'madvise-dontneed', vma: 1 }] }],
    });
    const s = freshState(model);
    s.mms[0]!.pending = 1;
    const ev: SimEvent[] = [];
    while (s.threads[0]!.stack.length > 0) ev.push(...step(model, s, 0));
    expect(ev.find((e) => e.type === 'flush/start')).toMatchObject({ from: 0, to: 4 });
  });

  it('Z1/Z2: a store through a stale TLB entry completes between the PTE clear and the flush (the zap is not one step)', () => {
    // CPU0 has written page 0 (TLB W+D); CPU1 zaps. The writer runs while the zap is inside.
    const model = modelOf({
      pages: 1,
      cpus: 2,
      variant: 'upstream',
      mms: [{ vmas: [{ start: 0, pgoff: 0, npages: 1, flags: MIXED, special: true }] }],
      initialPte: 'writable-clean',
      threads: [
        {
          kind: 'user',
          cpu: 0,
          ops: [
            { op: 'write', vpn: 0 },
            { op: 'write', vpn: 0 },
          ],
        },
        { kind: 'user', cpu: 1, ops: [{ op: 'madvise-dontneed' }] },
      ],
    });
    const s = freshState(model);
    step(model, s, 0); // user: push the access of op 0
    while (s.threads[0]!.stack.length > 1) step(model, s, 0); // fault in, fill the TLB, store
    expect(s.tlbs[0]).toContainEqual(expect.objectContaining({ vpn: 0, w: 1, d: 1 }));
    const before = s.pages[0]!.version;
    step(model, s, 1); // user: push the zap
    step(model, s, 1); // enter: pending, notifier start
    step(model, s, 1); // pte: cleared under the PTL
    expect(s.mms[0]!.ptes[0]).toBe(0);
    expect(s.mms[0]!.pending).toBe(1);
    const ev: SimEvent[] = [];
    while (s.threads[0]!.stack.length > 0 && !ev.some((e) => e.type === 'mem/store'))
      ev.push(...step(model, s, 0));
    expect(ev.some((e) => e.type === 'mem/store')).toBe(true);
    expect(s.pages[0]!.version).toBe(before + 1);
    expect(s.mms[0]!.ptes[0]).toBe(0); // the store left no trace in any PTE
  });

  it('Z4: after MADV_DONTNEED the next access faults the page in again', () => {
    const model = userModel(MIXED, [{ op: 'madvise-dontneed' }, { op: 'write', vpn: 0 }]);
    const { ev, s } = runThread(model);
    const zapped = ev.findIndex((e) => e.type === 'actor/return');
    const after = ev.slice(zapped);
    expect(after.some((e) => e.type === 'fault/enter')).toBe(true);
    expect(after.some((e) => e.type === 'pte/set' && e.fn === 'insert_pfn' && e.vpn === 0)).toBe(
      true,
    );
    expect(s.mms[0]!.ptes[0]).not.toBe(0);
    expect(model.arch.pteDirty(s.mms[0]!.ptes[0]!)).toBe(true);
  });
});

describe('unmap_mapping_range (Z3)', () => {
  const scenario = (kernel?: string): Model =>
    modelOf({
      pages: 2,
      cpus: 2,
      variant: 'upstream',
      options: { ...(kernel ? { kernel } : {}) },
      mms: [
        { vmas: [{ start: 0, pgoff: 0, npages: 2, flags: PFNMAP }] },
        { vmas: [{ start: 0, pgoff: 1, npages: 1, flags: PFNMAP }] },
      ],
      initialPte: 'writable-dirty',
      threads: [
        { kind: 'caller', cpu: 0, program: [{ op: 'unmap-mapping', range: 'thread' }] },
        { kind: 'caller', cpu: 1, program: [{ op: 'wrprotect', range: 'thread' }] },
        { kind: 'user', cpu: 0 },
        { kind: 'user', cpu: 1, mm: 1 },
      ],
    });

  it('zaps every VMA of the i_mmap tree that maps the range, each with its own gather', () => {
    const model = scenario();
    const { ev, s } = runThread(model);
    expect(s.mms.map((m) => m.ptes)).toEqual([[0, 0], [0]]);
    expect(ev.filter((e) => e.type === 'pending/inc').map((e) => (e as { mm: number }).mm)).toEqual(
      [0, 1],
    );
    expect(ev.find((e) => e.type === 'actor/call')).toMatchObject({
      type: 'actor/call',
      fn: 'unmap_mapping_range',
      first: 0,
      nr: 2,
    });
  });

  it('current kernels take i_mmap for read: a helper call can run inside the unmap', () => {
    const model = scenario();
    const s = freshState(model);
    step(model, s, 0); // caller: push unmap_mapping_range
    const ev = step(model, s, 0); // i_mmap_lock_read
    expect(ev).toContainEqual(
      expect.objectContaining({
        type: 'lock/acquire',
        lock: layoutOf(model.scenario).immapLock,
        mode: 'r',
      }),
    );
    step(model, s, 1); // the wrprotect caller pushes its helper
    expect(options(model, s, 1)).toBe(1); // helper's i_mmap_lock_read: not blocked
  });

  it.each(['pre-6.0', 'pre-4.13'])(
    '%s took i_mmap for write: the helper waits until the unmap is done',
    (kernel) => {
      const model = scenario(kernel);
      const s = freshState(model);
      step(model, s, 0);
      const ev = step(model, s, 0);
      expect(ev).toContainEqual(
        expect.objectContaining({
          type: 'lock/acquire',
          lock: layoutOf(model.scenario).immapLock,
          mode: 'w',
        }),
      );
      step(model, s, 1);
      expect(options(model, s, 1)).toBe(0);
      while (s.threads[0]!.stack.length > 0) step(model, s, 0);
      expect(options(model, s, 1)).toBe(1);
    },
  );

  it('U3: madvise(MADV_DONTNEED) of a VM_PFNMAP VMA is refused as the kernel refuses it (-EINVAL)', () => {
    expect(() => userModel(PFNMAP, [{ op: 'madvise-dontneed' }])).toThrow(
      /threads\[0\]\.ops\[0\].*-EINVAL.*madvise_dontneed_free_valid_vma/,
    );
    expect(() => userModel(MIXED, [{ op: 'madvise-dontneed' }])).not.toThrow();
  });

  it('a caller program may not unmap-mapping while holding i_mmap (it takes it itself)', () => {
    expect(() =>
      modelOf({
        pages: 1,
        cpus: 1,
        mms: [{ vmas: [{ start: 0, pgoff: 0, npages: 1, flags: PFNMAP }] }],
        threads: [
          {
            kind: 'caller',
            cpu: 0,
            program: [
              { op: 'lock', lock: 'i_mmap', mode: 'read' },
              { op: 'unmap-mapping' },
              { op: 'unlock', lock: 'i_mmap', mode: 'read' },
            ],
          },
          { kind: 'user', cpu: 0 },
        ],
      }),
    ).toThrow(/unmap-mapping holding i_mmap/);
  });
});

describe('S-1: two madvise(MADV_DONTNEED) of one range (99baac21e458)', () => {
  const pre = builtin('s1-madvise-dontneed');
  const fixed = builtin('s1-madvise-dontneed-fixed');
  /** The scenario without its name, description, expectations and kernel option. */
  const shape = (sc: Scenario): unknown => {
    const { kernel: _kernel, ...options } = sc.options;
    return { ...sc, name: '', description: '', expect: {}, options };
  };
  const props = [getProperty('wrprotect-post'), getProperty('lost-write')];
  // The race, found by explore on s1-madvise-dontneed: madv1 writes (fault, mkwrite, TLB fill
  // W+D on CPU1), madv0 clears the PTE and has not flushed yet, madv1's madvise finds it none.
  const race = '0*2.1*6.0.1*5';
  const eventsOf = (sc: Scenario): SimEvent[] => {
    const ev: SimEvent[] = [];
    runModel(makeModel(sc), { seed: 1, schedule: parseSchedule(race), maxSteps: 14 }, (e) =>
      ev.push(e),
    );
    return ev;
  };
  const madv1 = 1;
  const finishOf = (ev: readonly SimEvent[]): SimEvent[] => {
    // madv1's zap from its actor/call to its actor/return
    const call = ev.findIndex((e) => e.type === 'actor/call' && e.tid === madv1);
    const ret = ev.findIndex((e) => e.type === 'actor/return' && e.tid === madv1);
    return ev.slice(call, ret + 1).filter((e) => 'tid' in e && e.tid === madv1);
  };

  it('the pair differs only in the kernel option', () => {
    expect(pre.options.kernel).toBe('pre-4.13');
    expect(fixed.options.kernel).toBeUndefined();
    expect(shape(pre)).toEqual(shape(fixed));
  });

  it('before the fix, exploration finds the second madvise returning with a stale writable entry (wrprotect-post)', () => {
    for (const arch of ['x86-64', 'arm64-dbm', 'arm64-nodbm']) {
      const r = explore(makeModel(pre, { arch }), { properties: props });
      expect(r.verdict).toBe('violated');
      expect(r.property).toBe('wrprotect-post');
      expect(r.message).toMatch(/returned from madvise_dontneed while CPU1 still holds a writable/);
    }
  });

  it('with mm_tlb_flush_nested() the same search holds, exhaustively, for the stale entry and the lost write', () => {
    for (const arch of ['x86-64', 'arm64-dbm', 'arm64-nodbm']) {
      const r = explore(makeModel(fixed, { arch }), { properties: props });
      expect(r.verdict).toBe('holds');
      expect(r.exhaustive).toBe(true);
    }
  });

  it('the race step by step: before the fix the second zap skips its flush ("nothing gathered"), after it the nested flush is forced', () => {
    const before = finishOf(eventsOf(pre));
    expect(before.map((e) => e.type)).not.toContain('pending/inc');
    expect(before.map((e) => e.type)).not.toContain('flush/start');
    expect(before).toContainEqual(
      expect.objectContaining({ type: 'ghost/wp-seen', tid: madv1, mm: 0, vpn: 0 }),
    );
    expect(before.filter((e) => e.type.startsWith('decide/'))).toEqual([
      { type: 'decide/skip-flush', tid: madv1, mm: 0, from: 0, to: 1, why: 'empty' },
    ]);
    const after = finishOf(eventsOf(fixed));
    expect(after.filter((e) => e.type.startsWith('decide/'))).toEqual([
      { type: 'decide/nested-flush', tid: madv1, mm: 0, from: 0, to: 1 },
    ]);
    const t = types(after);
    expect(t.indexOf('decide/nested-flush')).toBeLessThan(t.indexOf('flush/start'));
    expect(t.indexOf('flush/done')).toBeLessThan(t.indexOf('pending/dec'));
  });

  it('wrprotect-post is checked at the return of a zap: the same run breaks it before the fix only', () => {
    // The race's picks, then the seeded scheduler to the end of the run (a cut run decides nothing).
    const verdict = (sc: Scenario) =>
      runModel(makeModel(sc), {
        seed: 1,
        schedule: parseSchedule(race),
        properties: [getProperty('wrprotect-post')],
      }).verdicts[0];
    expect(verdict(pre)).toMatchObject({ ok: false });
    expect(verdict(fixed)).toMatchObject({ ok: true });
  });

  it('a mapping zap (unmap_mapping_range) marks nothing: its caller is checked by its own returns', () => {
    const model = modelOf({
      pages: 1,
      cpus: 1,
      variant: 'upstream',
      mms: [{ vmas: [{ start: 0, pgoff: 0, npages: 1, flags: PFNMAP }] }],
      initialPte: 'writable-dirty',
      threads: [
        { kind: 'caller', cpu: 0, program: [{ op: 'unmap-mapping', range: 'thread' }] },
        { kind: 'user', cpu: 0 },
      ],
    });
    const s = freshState(model);
    s.tlbs[0] = [{ mm: 0, vpn: 0, pfn: 0, w: 1, d: 1, susp: 0 }];
    const ev: SimEvent[] = [];
    while (s.threads[0]!.stack.length > 0) ev.push(...step(model, s, 0));
    expect(types(ev)).not.toContain('ghost/wp-seen');
  });
});

describe('pre-4.13 beyond the zap, and what a user zap marks', () => {
  it('3ea277194daa (v4.13): the mprotect syscall flushes a pending batched reclaim flush under the PTL; pre-4.13 does not', () => {
    const flushesOwed = (kernel?: 'pre-4.13') => {
      const model = modelOf({
        pages: 1,
        cpus: 1,
        variant: 'upstream',
        options: { ...(kernel && { kernel }) },
        mms: [{ vmas: [{ start: 0, pgoff: 0, npages: 1, flags: SHARED }] }],
        initialPte: 'writable-clean',
        threads: [
          { kind: 'user', cpu: 0, ops: [{ op: 'mprotect', prot: 'read' }] },
          { kind: 'reclaim', cpu: 0, page: 0 },
        ],
      });
      const s = freshState(model);
      s.ubc![0] = { pending: 1, flushed: 0 }; // a reclaim batch owes its flush (S-6)
      const ev: SimEvent[] = [];
      while ((s.threads[0]?.stack.length ?? 0) > 0) ev.push(...step(model, s, 0));
      return ev.filter((e) => e.type === 'ubc/flushed').length;
    };
    expect(flushesOwed()).toBe(1);
    expect(flushesOwed('pre-4.13')).toBe(0);
  });

  it('a user zap marks a writable SPTE left behind for its PTE, and wrprotect-post reports it at the return', () => {
    const model = modelOf({
      pages: 1,
      cpus: 1,
      variant: 'upstream',
      mms: [{ vmas: [{ start: 0, pgoff: 0, npages: 1, flags: MIXED, special: true }] }],
      initialPte: 'writable-dirty',
      threads: [{ kind: 'user', cpu: 0, ops: [{ op: 'madvise-dontneed' }] }],
      secondaryMmus: [{ mm: 0 }],
    });
    const s = freshState(model);
    const ev: SimEvent[] = [];
    // Past the notifier start (which a correct mirror obeys), a broken mirror maps writable.
    while (!ev.some((e) => e.type === 'notifier/start')) ev.push(...step(model, s, 0));
    s.smmus[0]!.sptes[0] = 2;
    while ((s.threads[0]?.stack.length ?? 0) > 0) ev.push(...step(model, s, 0));
    expect(ev).toContainEqual({ type: 'ghost/wp-seen', tid: 0, mm: 0, vpn: 0 });
    const check = getProperty('wrprotect-post')!.start(model);
    const problems = ev.map((e, i) => check.onEvent(e, i, s as never)).filter((x) => x !== null);
    expect(problems[0]?.message).toMatch(/secondary MMU 0 still holds a writable SPTE/);
  });
});
