import { describe, expect, it } from 'vitest';
import { layoutOf, parseScenario, PTE_NONE } from '../../src/index.js';
import { PTE_SPECIAL } from '../../src/state/pte.js';
import { freshState, options, step, types } from '../helpers/world.js';
import { modelOf } from './actorWorld.js';

// F7: a VM_MIXEDMAP VMA whose PTEs are special (vmf_insert_mixed → insert_pfn, TTM in the seed's
// era) has vm_normal_page() == NULL: the write fault takes wp_pfn_shared (no page lock, no
// PG_dirty) and writeback never reaches the PTE. Without `special` it stays page-backed.
// tid 0: writer of vpn 0 on CPU 0; tid 1: writeback of page 0 on CPU 1.
function world(special: boolean | undefined, initialPte = 'readonly', writeback = true) {
  return modelOf({
    pages: 1,
    cpus: 2,
    variant: 'upstream',
    options: { faultPath: 'faithful' },
    mms: [
      {
        vmas: [
          {
            start: 0,
            pgoff: 0,
            npages: 1,
            flags: ['shared', 'write', 'maywrite', 'mixedmap'],
            ...(special !== undefined && { special }),
          },
        ],
      },
    ],
    initialPte,
    driver: { mode: 'mkwrite', initialBitmap: 'none' },
    threads: [
      { kind: 'user', cpu: 0, ops: [{ op: 'write', vpn: 0 }] },
      ...(writeback ? [{ kind: 'writeback', cpu: 1 }] : []),
    ],
  });
}

/** Run the writer into the fault, through handle_pte_fault's PTL check; return the fault's pc. */
function toMkwrite(model: ReturnType<typeof world>) {
  const s = freshState(model);
  step(model, s, 0); // user → access
  step(model, s, 0); // the store faults on the read-only PTE
  step(model, s, 0); // enter: lockless orig_pte
  step(model, s, 0); // PTL, !pte_write → do_wp_page
  return s;
}

describe('F7: VM_MIXEDMAP with special PTEs', () => {
  it('the write fault goes through wp_pfn_shared: ->pfn_mkwrite with no page lock and no PG_dirty', () => {
    const model = world(true);
    const s = toMkwrite(model);
    expect(s.threads[0]!.stack.at(-1)).toMatchObject({ fn: 'fault', pc: 2 }); // pfnMkwrite
    const mkwrite = step(model, s, 0);
    expect(types(mkwrite)).not.toContain('page/dirty');
    expect(mkwrite).toContainEqual({ type: 'bitmap/set', tid: 0, bm: 0, bit: 0 });
    const finish = step(model, s, 0);
    expect(types(finish)).toContain('pte/set');
    expect(types(finish)).not.toContain('page/dirty');
  });

  it('without special the same VMA stays page-backed: wp_page_shared, page lock, PG_dirty (F6)', () => {
    const model = world(undefined);
    const s = toMkwrite(model);
    expect(s.threads[0]!.stack.at(-1)).toMatchObject({ fn: 'fault', pc: 4 }); // pageMkwrite
    const mkwrite = step(model, s, 0);
    expect(types(mkwrite)).toContain('page/dirty');
  });

  it('a fault on a none PTE inserts a special PTE (insert_pfn), read-only in MKWRITE mode (V3)', () => {
    const model = world(true, 'none');
    const s = freshState(model);
    step(model, s, 0);
    step(model, s, 0);
    step(model, s, 0); // enter: none → do_fault
    const ins = step(model, s, 0);
    const set = ins.find((e) => e.type === 'pte/set');
    expect(set).toMatchObject({ fn: 'insert_pfn' });
    const pte = (set as { pte: number }).pte;
    expect(pte & PTE_SPECIAL).toBe(PTE_SPECIAL);
    expect(model.arch.pteWrite(pte)).toBe(false);
    // The page-backed VMA maps a normal (non-special) page through finish_fault instead.
    const pb = world(undefined, 'none');
    const t = freshState(pb);
    for (let i = 0; i < 3; i++) step(pb, t, 0);
    const pbIns = step(pb, t, 0).find((e) => e.type === 'pte/set') as { pte: number; fn: string };
    expect(pbIns.fn).toBe('finish_fault');
    expect(pbIns.pte & PTE_SPECIAL).toBe(0);
  });

  it('writeback never reaches a special PTE: page_mkclean finds no mapping of the page', () => {
    for (const special of [true, undefined]) {
      const model = world(special, 'writable-dirty');
      const s = freshState(model);
      const ptes: number[] = [];
      for (let i = 0; i < 12 && s.threads[1]!.stack.length > 0; i++) {
        if (options(model, s, 1) === 0) break;
        for (const e of step(model, s, 1)) if (e.type === 'pte/set') ptes.push(e.pte);
      }
      // Page-backed: page_mkclean_one write-protects and cleans the PTE; special: untouched.
      if (special) expect(ptes).toEqual([]);
      else expect(ptes.length).toBeGreaterThan(0);
      expect(s.mms[0]!.ptes[0]).not.toBe(PTE_NONE);
    }
    // No page lock exists for a scenario whose only VMA has special PTEs and no writeback.
    expect(layoutOf(world(true, 'readonly', false).scenario).pageBacked).toBe(false);
    expect(layoutOf(world(undefined, 'readonly', false).scenario).pageBacked).toBe(true);
  });

  it('special without mixedmap is refused with the field path', () => {
    expect(() =>
      parseScenario({
        name: 'x',
        pages: 1,
        cpus: 1,
        mms: [{ vmas: [{ start: 0, pgoff: 0, npages: 1, flags: ['shared'], special: true }] }],
        threads: [{ kind: 'user', cpu: 0 }],
      }),
    ).toThrow(/mms\[0\]\.vmas\[0\]\.special/);
  });
});
