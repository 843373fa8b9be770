import { describe, expect, it } from 'vitest';
import {
  judgesDirtyBits,
  makeModel,
  PTE_NONE,
  runModel,
  type Model,
  type SimEvent,
} from '../../src/index.js';
import { dirtyBitLost } from '../../src/check/dirtyBitLost.js';
import { builtin } from '../helpers/scenarios.js';
import { tinyModel } from '../helpers/world.js';
import { ruleTester, violationsOf } from './ruleTester.js';

// A wrprotect-mode world (snapshot protocol), x86-64: one page written by CPU 1.
const wp: Model = tinyModel({
  pages: 1,
  users: [{ cpu: 0 }, { cpu: 1 }],
  callers: [{ protocol: 'snap' }],
  mode: 'mkwrite',
});
const arch = wp.arch;
const wc = arch.mkPte(0, { write: true, dirty: false, special: true });
const wd = arch.mkPte(0, { write: true, dirty: true, special: true });
const pte = (p: number, fn: string, src: 'hw' | 'sw' = 'sw'): SimEvent => ({
  type: 'pte/set',
  tid: 2,
  mm: 0,
  vpn: 0,
  pte: p,
  src,
  fn,
});
const store: SimEvent = { type: 'mem/store', tid: 1, cpu: 1, page: 0 };
const end: SimEvent = { type: '@sim/end', reason: 'done' };

ruleTester(dirtyBitLost, wp, {
  valid: [
    { name: 'a written page whose PTE kept D', events: [pte(wd, 'X86-W3', 'hw'), store, end] },
    {
      name: 'write-protect through ptep_modify_prot_start/commit moves D into SavedDirty (X86-E)',
      events: [
        pte(wd, 'X86-W3', 'hw'),
        store,
        pte(PTE_NONE, 'ptep_modify_prot_start'),
        pte(arch.pteWrprotect(wd, {}), 'ptep_modify_prot_commit'),
        end,
      ],
    },
    {
      name: 'a page never written needs no dirty bit',
      events: [pte(arch.pteWrprotect(wc, {}), 'ptep_modify_prot_commit'), end],
    },
    {
      name: 'a run cut by the step bound is not judged',
      events: [
        pte(wd, 'X86-W3', 'hw'),
        store,
        pte(wc, 'set_pte_at'),
        { type: '@sim/end', reason: 'step-bound' },
      ],
    },
  ],
  invalid: [
    {
      name: 'naive write-back of the value read before the hardware set D',
      events: [pte(wd, 'X86-W3', 'hw'), store, pte(arch.pteWrprotect(wc, {}), 'set_pte_at'), end],
      errors: [3],
      message: 'last dropped at event 2 by set_pte_at',
    },
  ],
});

describe('dirty-bit-lost: which runs it judges', () => {
  it('judges wrprotect-mode runs (snap, vmwgfx-mkwrite) and not runs that may clean PTEs', () => {
    expect(judgesDirtyBits(builtin('seed-concurrent-wrprotect'))).toBe(true);
    expect(judgesDirtyBits(builtin('seed-wrprotect-mkwrite'))).toBe(true);
    expect(judgesDirtyBits(builtin('seed-clean'))).toBe(false);
  });
  it('holds vacuously in a clean-mode run even when a written page ends clean', () => {
    const clean = tinyModel({
      pages: 1,
      users: [{ cpu: 0 }, { cpu: 1 }],
      callers: [{ protocol: 'clean' }],
    });
    const events = [
      pte(wd, 'X86-W3', 'hw'),
      store,
      pte(arch.pteMkclean(wd), 'ptep_modify_prot_commit'),
      end,
    ];
    expect(violationsOf(dirtyBitLost, clean, events)).toEqual([]);
    expect(violationsOf(dirtyBitLost, wp, events).length).toBe(1);
  });
  it('S-11: arm64-dbm with the pre-5.10 pte_wrprotect loses dirtiness; the fixed flavour keeps it', () => {
    const sc = builtin('arm64-wrprotect-s11');
    const bad = makeModel(sc);
    const fixed = makeModel({ ...sc, options: { ...sc.options, arch: { wrprotect: 'fixed' } } });
    const lost = (m: Model, seed: number) =>
      runModel(m, { seed }).verdicts.find((v) => v.id === 'dirty-bit-lost')?.ok === false;
    const seeds = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
    expect(seeds.filter((s) => lost(bad, s)).length).toBeGreaterThan(5);
    expect(seeds.filter((s) => lost(fixed, s))).toEqual([]);
    const msg =
      runModel(bad, { seed: 1 }).verdicts.find((v) => v.id === 'dirty-bit-lost')?.message ?? '';
    expect(msg).toContain('ptep_modify_prot_commit');
  });
});
