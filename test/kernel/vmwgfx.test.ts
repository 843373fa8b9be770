import { describe, expect, it } from 'vitest';
import { parseScenario, type SimEvent } from '../../src/index.js';
import { PTE_NONE, pteIsPresent } from '../../src/state/pte.js';
import { freshState, step, stepUntilDepth } from '../helpers/world.js';
import { modelOf } from './actorWorld.js';

// vmwgfx's tracker (src/kernel/vmwgfx.ts): V5 method switching and vmw_bo_dirty_add, V6 unmap,
// V8 res_dirty. Thread 0 is the caller running `ops` with the BO reserved; thread 1 (when
// `writer`) a user thread writing vpn `writer` (true: vpn 0).
const lock = { op: 'lock', lock: 'driver' };
const unlock = { op: 'unlock', lock: 'driver' };

function world(opts: {
  ops: Record<string, unknown>[];
  mode: 'mkwrite' | 'pagetable';
  pages?: number;
  initialPte?: string;
  changeCount?: number;
  resDirty?: boolean;
  initialBitmap?: 'all' | 'none';
  flags?: string[];
  writer?: boolean | number;
  kernel?: 'current' | 'pre-6.0';
}) {
  const pages = opts.pages ?? 2;
  return modelOf({
    pages,
    cpus: 2,
    variant: 'upstream',
    ...(opts.kernel !== undefined && { options: { kernel: opts.kernel } }),
    mms: [
      {
        vmas: [
          {
            start: 0,
            pgoff: 0,
            npages: pages,
            flags: opts.flags ?? ['shared', 'write', 'maywrite', 'io', 'pfnmap'],
          },
        ],
      },
    ],
    initialPte: opts.initialPte ?? 'writable-clean',
    driver: {
      mode: opts.mode,
      initialBitmap: opts.initialBitmap ?? 'none',
      ...(opts.changeCount !== undefined && { changeCount: opts.changeCount }),
      ...(opts.resDirty !== undefined && { resDirty: opts.resDirty }),
    },
    threads: [
      { kind: 'caller', cpu: 1, program: [lock, ...opts.ops, unlock] },
      ...(opts.writer !== undefined && opts.writer !== false
        ? [
            {
              kind: 'user',
              cpu: 0,
              ops: [{ op: 'write', vpn: opts.writer === true ? 0 : opts.writer }],
            },
          ]
        : []),
    ],
  });
}

/** Run the caller to its end; its events. */
function runCaller(model: ReturnType<typeof world>) {
  const s = freshState(model);
  const ev = stepUntilDepth(model, s, 0, 0, 400);
  return { s, ev };
}

const helperCalls = (ev: SimEvent[]) =>
  ev.flatMap((e) => (e.type === 'helper/call' ? [`${e.fn}(${e.first},${e.nr})`] : []));
const tracker = (ev: SimEvent[]) =>
  ev.flatMap((e) => (e.type === 'vmw/set' ? [`${e.method}/${e.count}/${e.res}`] : []));

describe('V5: vmw_bo_dirty_scan switches methods on change_count', () => {
  it('PAGETABLE: an empty clean_record counts a trigger; the third switches to MKWRITE with wp then clean', () => {
    const counted = runCaller(world({ ops: [{ op: 'scan' }], mode: 'pagetable' }));
    expect(helperCalls(counted.ev)).toEqual(['clean_record_shared_mapping_range(0,2)']);
    expect(tracker(counted.ev)).toEqual(['pagetable/1/0']);
    const sw = runCaller(world({ ops: [{ op: 'scan' }], mode: 'pagetable', changeCount: 2 }));
    expect(helperCalls(sw.ev)).toEqual([
      'clean_record_shared_mapping_range(0,2)',
      'wp_shared_mapping_range(0,2)',
      'clean_record_shared_mapping_range(0,2)',
    ]);
    expect(tracker(sw.ev)).toEqual(['mkwrite/0/0']);
    // The method is set before the helpers run: a fault after the switch inserts read-only.
    const set = sw.ev.findIndex((e) => e.type === 'vmw/set');
    const wp = sw.ev.findIndex((e) => e.type === 'helper/call' && e.fn.startsWith('wp'));
    expect(set).toBeLessThan(wp);
  });

  it('PAGETABLE: a marked page resets change_count (the helper returns its count to the scan)', () => {
    const r = runCaller(
      world({
        ops: [{ op: 'scan' }],
        mode: 'pagetable',
        changeCount: 2,
        initialPte: 'writable-dirty',
      }),
    );
    expect(helperCalls(r.ev)).toEqual(['clean_record_shared_mapping_range(0,2)']);
    expect(tracker(r.ev)).toEqual(['pagetable/0/0']);
    expect(r.s.bitmaps[0]).toEqual([1, 1]);
  });

  it('MKWRITE: empty dirty bounds return at once; else wp([start, end)) and >10% re-protected counts', () => {
    const idle = runCaller(world({ ops: [{ op: 'scan' }], mode: 'mkwrite' }));
    expect(helperCalls(idle.ev)).toEqual([]);
    // initialBitmap all: bounds [0, 2), both PTEs writable → 2 of 2 pages re-protected = 100%.
    const busy = runCaller(world({ ops: [{ op: 'scan' }], mode: 'mkwrite', initialBitmap: 'all' }));
    expect(helperCalls(busy.ev)).toEqual(['wp_shared_mapping_range(0,2)']);
    expect(tracker(busy.ev)).toEqual(['mkwrite/1/0']);
    // Nothing writable any more: 0% resets the count.
    const calm = runCaller(
      world({
        ops: [{ op: 'scan' }],
        mode: 'mkwrite',
        initialBitmap: 'all',
        initialPte: 'readonly',
        changeCount: 2,
      }),
    );
    expect(tracker(calm.ev)).toEqual(['mkwrite/0/0']);
  });

  it('MKWRITE→PAGETABLE: clean_record with local bounds, then the bitmap is exactly [start, end) of before', () => {
    // Bounds [0, 2) from initialBitmap all; page 1's harvested D bit is dropped by bitmap_clear and
    // set again only because it lies in [start, end).
    const r = runCaller(
      world({
        ops: [{ op: 'scan' }],
        mode: 'mkwrite',
        initialBitmap: 'all',
        initialPte: 'writable-dirty',
        changeCount: 2,
      }),
    );
    expect(helperCalls(r.ev)).toEqual([
      'wp_shared_mapping_range(0,2)',
      'clean_record_shared_mapping_range(0,2)',
    ]);
    expect(tracker(r.ev)).toEqual(['pagetable/0/0']);
    expect(r.s.bitmaps[0]).toEqual([1, 1]);
    expect(r.s.bounds).toEqual({ start: 0, end: 2 });
    // With the dirty bounds covering page 0 only, the harvested bit of page 1 is gone.
    const m = world({
      ops: [{ op: 'scan' }],
      mode: 'mkwrite',
      initialPte: 'writable-dirty',
      changeCount: 2,
    });
    const s = freshState(m);
    s.bitmaps[0] = [1, 0];
    s.bounds = { start: 0, end: 1 };
    stepUntilDepth(m, s, 0, 0, 400);
    // 1 of 2 pages re-protected (50%) is a trigger; the switch keeps only [0, 1).
    expect(s.vmw).toEqual({ method: 0, count: 0, res: 0 });
    expect(s.bitmaps[0]).toEqual([1, 0]);
    expect(s.mms[0]!.ptes.map((p) => m.arch.pteDirty(p))).toEqual([false, false]);
  });
});

describe('V5: vmw_bo_dirty_add', () => {
  it('PAGETABLE: a fresh tracker, no helper call; MKWRITE: write-protect, then clean_record', () => {
    const pt = runCaller(
      world({ ops: [{ op: 'dirty-add', method: 'pagetable' }], mode: 'mkwrite' }),
    );
    expect(helperCalls(pt.ev)).toEqual([]);
    expect(pt.s.vmw).toEqual({ method: 0, count: 0, res: 0 });
    const mk = runCaller(
      world({
        ops: [{ op: 'dirty-add', method: 'mkwrite' }],
        mode: 'pagetable',
        initialPte: 'writable-dirty',
      }),
    );
    expect(helperCalls(mk.ev)).toEqual([
      'wp_shared_mapping_range(0,2)',
      'clean_record_shared_mapping_range(0,2)',
    ]);
    expect(mk.s.vmw?.method).toBe(1);
    expect(mk.s.bitmaps[0]).toEqual([1, 1]);
  });
});

describe('V6: vmw_bo_dirty_unmap and ttm_bo_unmap_virtual', () => {
  it('PAGETABLE: harvest (wp, clean_record) before the zap; the zap clears every PTE', () => {
    const m = world({ ops: [{ op: 'unmap' }], mode: 'pagetable', initialPte: 'writable-dirty' });
    const s = freshState(m);
    // The caller's steps, each with its events, until the program has returned.
    const steps: SimEvent[][] = [];
    while ((s.threads[0]?.stack.length ?? 0) > 0 && steps.length < 400) steps.push(step(m, s, 0));
    const ev = steps.flat();
    const stepOf = (p: (e: SimEvent) => boolean) => steps.findIndex((x) => x.some(p));
    expect(helperCalls(ev)).toEqual([
      'wp_shared_mapping_range(0,2)',
      'clean_record_shared_mapping_range(0,2)',
    ]);
    // The harvest's clean_record has returned before unmap_mapping_range starts (V6).
    const harvested = steps.findLastIndex((x) => x.some((e) => e.type === 'helper/return'));
    const zapCall = stepOf((e) => e.type === 'actor/call' && e.fn === 'unmap_mapping_range');
    expect(harvested).toBeGreaterThanOrEqual(0);
    expect(zapCall).toBeGreaterThan(harvested);
    expect(s.bitmaps[0]).toEqual([1, 1]);
    // The zap (Z1) clears every PTE, one per step of the ZAP machine, after the call.
    const cleared = [0, 1].map((vpn) =>
      stepOf(
        (e) =>
          e.type === 'pte/set' &&
          e.vpn === vpn &&
          e.pte === PTE_NONE &&
          e.fn === 'ptep_get_and_clear_full',
      ),
    );
    expect(cleared[0]).toBeGreaterThan(zapCall);
    expect(cleared[1]).toBeGreaterThan(cleared[0]!);
    expect(s.mms[0]!.ptes).toEqual([PTE_NONE, PTE_NONE]);
  });

  it('the zap interleaves at PTE granularity: a writer stores between its two PTEs', () => {
    // ttm_bo_unmap_virtual (no harvest) of two writable PTEs; thread 1 writes vpn 1.
    const m = world({
      ops: [{ op: 'unmap', via: 'ttm_bo_unmap_virtual' }],
      mode: 'pagetable',
      writer: 1,
    });
    const s = freshState(m);
    for (let i = 0; i < 40 && s.mms[0]!.ptes[0] !== PTE_NONE; i++) step(m, s, 0);
    // Mid-zap: vpn 0 is zapped, vpn 1 not yet (a one-step zap has no such state).
    expect(s.mms[0]!.ptes[0]).toBe(PTE_NONE);
    expect(pteIsPresent(s.mms[0]!.ptes[1] ?? PTE_NONE)).toBe(true);
    expect(s.threads[0]!.stack.map((f) => f.fn)).toEqual(['caller', 'vmw', 'unmapMapping', 'zap']);
    // The writer runs here: the walk sets D in the PTE the zap has not reached, and stores.
    const w = stepUntilDepth(m, s, 1, 0, 40);
    expect(w.some((e) => e.type === 'mem/store' && e.page === 1)).toBe(true);
    expect(m.arch.pteDirty(s.mms[0]!.ptes[1]!)).toBe(true);
    // The zap goes on: the special PTE's D bit is dropped (Z1), nothing recorded it.
    const rest = stepUntilDepth(m, s, 0, 0, 200);
    expect(rest.some((e) => e.type === 'page/dirty')).toBe(false);
    expect(s.mms[0]!.ptes).toEqual([PTE_NONE, PTE_NONE]);
    expect(s.bitmaps[0]).toEqual([0, 0]);
  });

  it('takes i_mmap for read today and for write before v5.18 (Z3)', () => {
    for (const [kernel, mode] of [
      ['current', 'r'],
      ['pre-6.0', 'w'],
    ] as const) {
      const m = world({ ops: [{ op: 'unmap' }], mode: 'mkwrite', kernel });
      const r = runCaller(m);
      const immap = r.ev.filter((e) => e.type === 'lock/acquire' && e.lock === m.layout.immapLock);
      expect(immap.map((e) => (e.type === 'lock/acquire' ? e.mode : ''))).toEqual([mode]);
    }
  });

  it('ttm_bo_unmap_virtual zaps without harvesting: a special PTE loses its D bit', () => {
    const r = runCaller(
      world({
        ops: [{ op: 'unmap', via: 'ttm_bo_unmap_virtual' }],
        mode: 'pagetable',
        initialPte: 'writable-dirty',
      }),
    );
    expect(helperCalls(r.ev)).toEqual([]);
    expect(r.s.bitmaps[0]).toEqual([0, 0]);
    expect(r.s.mms[0]!.ptes).toEqual([PTE_NONE, PTE_NONE]);
    expect(r.ev.some((e) => e.type === 'page/dirty')).toBe(false);
  });

  it('a page-backed PTE dirties its page when zapped (set_page_dirty)', () => {
    const r = runCaller(
      world({
        ops: [{ op: 'unmap', via: 'ttm_bo_unmap_virtual' }],
        mode: 'pagetable',
        initialPte: 'writable-dirty',
        flags: ['shared', 'write', 'maywrite'],
      }),
    );
    expect(r.ev.filter((e) => e.type === 'page/dirty')).toEqual([]); // PG_dirty set from the start
    expect(r.s.pageDirty).toEqual([1, 1]);
  });

  it('MKWRITE: no pre_unmap harvest (the bitmap already holds the writable pages)', () => {
    const r = runCaller(world({ ops: [{ op: 'unmap' }], mode: 'mkwrite' }));
    expect(helperCalls(r.ev)).toEqual([]);
    expect(r.s.mms[0]!.ptes).toEqual([PTE_NONE, PTE_NONE]);
  });
});

describe('V8: res_dirty decides whether validation unmaps', () => {
  it('a dirtying use with res_dirty clear unmaps, transfers and leaves res_dirty set', () => {
    const r = runCaller(
      world({ ops: [{ op: 'validate', dirtying: true }], mode: 'mkwrite', initialBitmap: 'all' }),
    );
    expect(r.s.mms[0]!.ptes).toEqual([PTE_NONE, PTE_NONE]);
    expect(r.ev.filter((e) => e.type === 'dev/copy')).toHaveLength(2);
    expect(r.s.vmw).toEqual({ method: 1, count: 0, res: 1 });
  });

  it('with res_dirty set, or a non-dirtying use, validation only transfers', () => {
    for (const [resDirty, dirtying] of [
      [true, true],
      [false, false],
    ] as const) {
      const r = runCaller(
        world({
          ops: [{ op: 'validate', dirtying }],
          mode: 'mkwrite',
          resDirty,
          initialBitmap: 'all',
        }),
      );
      expect(r.ev.some((e) => e.type === 'pte/set')).toBe(false);
      expect(r.ev.filter((e) => e.type === 'dev/copy')).toHaveLength(2);
    }
  });

  it('vmw_bo_vm_fault clears res_dirty (vmw_resources_clean) before inserting the PTE', () => {
    const m = world({
      ops: [],
      mode: 'mkwrite',
      resDirty: true,
      initialPte: 'none',
      writer: true,
      // the tracker is state only with a tracker operation somewhere
    });
    const tracked = modelOf({
      ...JSON.parse(JSON.stringify(m.scenario)),
      threads: [
        { kind: 'caller', cpu: 1, program: [lock, { op: 'scan' }, unlock] },
        { kind: 'user', cpu: 0, ops: [{ op: 'write', vpn: 0 }] },
      ],
    });
    const s = freshState(tracked);
    expect(s.vmw?.res).toBe(1);
    const ev: SimEvent[] = [];
    for (let i = 0; i < 4; i++) ev.push(...step(tracked, s, 1)); // access, fault, enter, doFault
    expect(tracker(ev)).toEqual(['mkwrite/0/0']);
    expect(ev.some((e) => e.type === 'pte/set' && e.fn === 'insert_pfn')).toBe(true);
  });
});

describe('tracker operations in a program', () => {
  it('need the BO reserved (the driver lock) and must not hold i_mmap', () => {
    const base = {
      name: 'x',
      pages: 1,
      cpus: 1,
      mms: [{ vmas: [{ start: 0, pgoff: 0, npages: 1, flags: ['shared', 'write'] }] }],
    };
    expect(() =>
      parseScenario({ ...base, threads: [{ kind: 'caller', program: [{ op: 'scan' }] }] }),
    ).toThrow(/threads\[0\]\.program.*scan runs with the BO reserved/);
    expect(() =>
      parseScenario({
        ...base,
        threads: [
          {
            kind: 'caller',
            program: [
              lock,
              { op: 'lock', lock: 'i_mmap', mode: 'read' },
              { op: 'unmap' },
              { op: 'unlock', lock: 'i_mmap', mode: 'read' },
              unlock,
            ],
          },
        ],
      }),
    ).toThrow(/unmap .*do not hold i_mmap/);
  });
});
