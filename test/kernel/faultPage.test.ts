import { describe, expect, it } from 'vitest';
import { layoutOf, PTE_NONE, type SimEvent } from '../../src/index.js';
import { mmapLock, pageLock, ptlLock } from '../../src/state/layout.js';
import { freshState, options, step, types } from '../helpers/world.js';
import { modelOf } from './actorWorld.js';

// Page-backed shared mapping (no VM_PFNMAP): wp_page_shared → page_mkwrite (docs/rules/fault.md §4 step 6, F6).
// tid 0: writer of vpn 0 on CPU 0; tid 1: writeback of page 0; tid 2 (optional): mprotect.
function world(
  opts: {
    faultPath?: 'faithful' | 'atomic';
    initialPte?: string;
    mprotect?: boolean;
    op?: 'read' | 'write';
  } = {},
) {
  return modelOf({
    pages: 1,
    cpus: 2,
    variant: 'upstream',
    options: { faultPath: opts.faultPath ?? 'faithful' },
    mms: [{ vmas: [{ start: 0, pgoff: 0, npages: 1, flags: ['shared', 'write', 'maywrite'] }] }],
    initialPte: opts.initialPte ?? 'readonly',
    driver: { mode: 'mkwrite', initialBitmap: 'none' },
    threads: [
      { kind: 'user', cpu: 0, ops: [{ op: opts.op ?? 'write', vpn: 0 }] },
      { kind: 'writeback', cpu: 1 },
      ...(opts.mprotect ? [{ kind: 'mprotect', cpu: 1 }] : []),
    ],
  });
}

function toFault(model: ReturnType<typeof world>) {
  const s = freshState(model);
  step(model, s, 0); // user → access
  step(model, s, 0); // the store faults on the read-only PTE
  expect(s.threads[0]!.stack.map((f) => f.fn)).toEqual(['user', 'access', 'fault']);
  const layout = layoutOf(model.scenario);
  return { s, ptl: ptlLock(layout, 0, 0), page: pageLock(layout, 0) };
}

describe('write fault on a page-backed VM_SHARED mapping (docs/rules/fault.md §4.6)', () => {
  it('F6: the page lock is taken in page_mkwrite and held until finish_mkwrite_fault made the PTE writable', () => {
    const model = world();
    const { s, ptl, page } = toFault(model);
    step(model, s, 0); // enter
    const drop = step(model, s, 0); // PTL, !pte_write → wp_page_shared drops the PTL
    expect(types(drop)).toEqual(['lock/acquire', 'lock/release', 'thread/goto']);
    expect(s.threads[0]!.stack.at(-1)!.pc).toBe(4);
    const mkwrite = step(model, s, 0); // ->page_mkwrite, page locked, PG_dirty
    expect(mkwrite).toContainEqual({ type: 'lock/acquire', tid: 0, lock: page, mode: 'w' });
    expect(mkwrite).toContainEqual({ type: 'page/dirty', tid: 0, page: 0, value: 1 });
    expect(mkwrite).toContainEqual({ type: 'bitmap/set', tid: 0, bm: 0, bit: 0 }); // vmw_bo_vm_mkwrite as page_mkwrite
    expect(s.locks[page]!.owner).toBe(0);
    expect(s.locks[ptl]!.owner).toBe(-1);
    // F6: writeback (page_mkclean needs the page lock) cannot run in the mkwrite → PTL gap.
    expect(options(model, s, 1)).toBe(0);
    const finish = step(model, s, 0);
    const t = types(finish);
    expect(t.indexOf('pte/set')).toBeLessThan(t.lastIndexOf('lock/release'));
    expect(finish.at(-3)).toEqual({ type: 'lock/release', tid: 0, lock: page, mode: 'w' });
    expect(model.arch.pteWrite(s.mms[0]!.ptes[0]!) && model.arch.pteDirty(s.mms[0]!.ptes[0]!)).toBe(
      true,
    );
    expect(s.locks[page]!.owner).toBe(-1);
    expect(options(model, s, 1)).toBe(1);
  });

  it('F1/F6: !pte_same at finish_mkwrite_fault unlocks the page and retries', () => {
    const model = world();
    const { s, page } = toFault(model);
    step(model, s, 0);
    step(model, s, 0);
    step(model, s, 0);
    s.mms[0]!.ptes[0] = PTE_NONE; // someone zapped it in the gap
    const ev = step(model, s, 0);
    expect(ev.some((e) => e.type === 'pte/set')).toBe(false);
    expect(ev).toContainEqual({ type: 'lock/release', tid: 0, lock: page, mode: 'w' });
    expect(ev.find((e) => e.type === 'fault/exit')).toMatchObject({ result: 'retry' });
  });

  it('a read fault on a none PTE maps the page read-only under the page lock (filemap_fault + finish_fault)', () => {
    const model = world({ initialPte: 'none', op: 'read' });
    const { s, page } = toFault(model);
    step(model, s, 0); // enter: none → do_fault
    const ev = step(model, s, 0);
    expect(ev).toContainEqual(expect.objectContaining({ type: 'pte/set', fn: 'finish_fault' }));
    expect(ev).toContainEqual({ type: 'lock/acquire', tid: 0, lock: page, mode: 'w' });
    expect(model.arch.pteWrite(s.mms[0]!.ptes[0]!)).toBe(false);
  });

  it('C-F1: a write fault on a none PTE is do_shared_fault: page_mkwrite, then one mapping writable and dirty', () => {
    for (const faultPath of ['faithful', 'atomic'] as const) {
      const model = world({ initialPte: 'none', faultPath });
      const s = freshState(model);
      const ev: SimEvent[] = [];
      do ev.push(...step(model, s, 0));
      while (s.threads[0]!.stack.length > 1);
      // One fault, as Linux traces it (scenarios/conformance/first-write): the retried store
      // goes through the writable PTE. The old fold mapped it read-only and faulted again.
      expect(ev.filter((e) => e.type === 'fault/enter')).toHaveLength(1);
      expect(ev).toContainEqual(expect.objectContaining({ type: 'bitmap/set', bit: 0 }));
      expect(model.arch.pteWrite(s.mms[0]!.ptes[0]!)).toBe(true);
      expect(model.arch.pteDirty(s.mms[0]!.ptes[0]!)).toBe(true);
      expect(s.pageDirty![0]).toBe(1);
    }
  });

  it('atomic fault path: one step takes the page lock, marks PG_dirty, makes the PTE writable', () => {
    const model = world({ faultPath: 'atomic' });
    const { s } = toFault(model);
    const ev = step(model, s, 0);
    expect(types(ev)).toContain('page/dirty');
    expect(s.pageDirty![0]).toBe(1);
    expect(model.arch.pteWrite(s.mms[0]!.ptes[0]!)).toBe(true);
  });

  it('mmap_lock: modelled when a writer exists; the fault holds it for read and waits for mprotect', () => {
    const model = world({ mprotect: true });
    const { s } = toFault(model);
    const mmap = mmapLock(layoutOf(model.scenario), 0);
    expect(mmap).toBeGreaterThan(0);
    s.locks[mmap]!.owner = 2; // mprotect holds it for write
    expect(options(model, s, 0)).toBe(0);
    s.locks[mmap]!.owner = -1;
    const enter = step(model, s, 0);
    expect(enter).toContainEqual({ type: 'lock/acquire', tid: 0, lock: mmap, mode: 'r' });
    while (s.threads[0]!.stack.length > 2) step(model, s, 0);
    expect(s.locks[mmap]!.readers).toBe(0);
  });

  it('pfn-map scenarios model neither page locks nor mmap_lock (their lock table is unchanged)', () => {
    const pfn = modelOf({
      pages: 1,
      cpus: 1,
      mms: [
        {
          vmas: [
            {
              start: 0,
              pgoff: 0,
              npages: 1,
              flags: ['shared', 'write', 'maywrite', 'io', 'pfnmap'],
            },
          ],
        },
      ],
      threads: [{ kind: 'user', cpu: 0 }],
    });
    const layout = layoutOf(pfn.scenario);
    expect([layout.pageLockBase, layout.mmapLockBase, layout.smmuLockBase]).toEqual([-1, -1, -1]);
    expect(layout.lockNames).toEqual(['i_mmap_rwsem', 'driver_lock', 'ptl[mm0:0]']);
    expect('pageDirty' in freshState(pfn)).toBe(false);
  });
});
