import { describe, expect, it } from 'vitest';
import {
  PTE_PRESENT,
  PTE_RDONLY,
  PTE_SWDIRTY,
  PTE_WRITE,
  PTE_YOUNG,
  pteWithPfn,
} from '../../src/index.js';
import { freshState, step, tinyModel, types } from '../helpers/world.js';
import { accessCtx, archWorld, getArch } from './archWorld.js';

const a = getArch('arm64-nodbm');
const V = PTE_PRESENT | PTE_YOUNG;
const CLEAN_RW = pteWithPfn(0, V | PTE_WRITE | PTE_RDONLY);
const DIRTY_RW = pteWithPfn(0, V | PTE_WRITE | PTE_SWDIRTY);

describe('arm64 without DBM (SWD-*)', () => {
  it('SWD-1: hwWritable = write && dirty; a store to a clean writable PTE faults', () => {
    expect(a.hwWritable(CLEAN_RW)).toBe(false);
    expect(a.hwWritable(DIRTY_RW)).toBe(true);
    const r = a.store(accessCtx(archWorld('arm64-nodbm', CLEAN_RW)));
    expect(r).toEqual({ events: [], outcome: 'fault' });
  });
  it('SWD-2: the hardware never writes a PTE (no A/D update on any access)', () => {
    for (const pte of [CLEAN_RW, DIRTY_RW, CLEAN_RW & ~PTE_YOUNG, pteWithPfn(0, V | PTE_RDONLY)])
      for (const tlb of [
        undefined,
        { w: 0 as const, d: 0 as const },
        { w: 1 as const, d: 1 as const },
      ])
        for (const access of [a.store, a.load])
          expect(
            access(accessCtx(archWorld('arm64-nodbm', pte, tlb))).events.some(
              (e) => e.type === 'pte/set',
            ),
          ).toBe(false);
  });
  it('SWD-2/F4: the write fault marks the PTE dirty under the PTL, then the retried store completes', () => {
    const model = tinyModel({
      arch: 'arm64-nodbm',
      users: [{ cpu: 0, ops: [{ op: 'write', vpn: 0 }] }],
    });
    const s = freshState(model);
    const all = [];
    for (let i = 0; i < 12 && (s.threads[0]?.stack.length ?? 0) > 0; i++)
      all.push(...step(model, s, 0));
    const set = all.find((e) => e.type === 'pte/set');
    expect(set).toMatchObject({ src: 'sw', fn: 'ptep_set_access_flags' });
    expect(types(all)).toContain('mem/store');
    expect(a.pteDirty(s.mms[0]?.ptes[0] ?? 0)).toBe(true);
  });
  it('SWD-3: after mkclean a stale writable TLB entry remains usable until flushed', () => {
    const s = archWorld('arm64-nodbm', a.pteMkclean(DIRTY_RW), { w: 1, d: 1 });
    const r = a.store(accessCtx(s));
    expect(r.outcome).toBe('done');
    expect(r.events.map((e) => e.type)).toEqual(['mem/store']);
  });
  it('A64-E: same encoding as arm64-dbm (the kernel code is shared)', () => {
    const dbm = getArch('arm64-dbm');
    for (const pte of [CLEAN_RW, DIRTY_RW, pteWithPfn(0, V | PTE_RDONLY | PTE_SWDIRTY)]) {
      expect(a.pteDirty(pte)).toBe(dbm.pteDirty(pte));
      expect(a.pteWrprotect(pte, {})).toBe(dbm.pteWrprotect(pte, {}));
      expect(a.pteMkclean(pte)).toBe(dbm.pteMkclean(pte));
    }
  });
});
