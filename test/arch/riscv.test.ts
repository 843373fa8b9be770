import { describe, expect, it } from 'vitest';
import {
  PTE_HWDIRTY,
  PTE_PRESENT,
  PTE_SWDIRTY,
  PTE_WRITE,
  PTE_YOUNG,
  pteWithPfn,
} from '../../src/index.js';
import { accessCtx, archWorld, getArch } from './archWorld.js';

const svade = getArch('riscv-svade');
const svadu = getArch('riscv-svadu');
const x86 = getArch('x86-64');
const V = PTE_PRESENT | PTE_YOUNG;

describe('RISC-V Svade (RV-Svade = SWD-* + A-fault)', () => {
  const CLEAN_W = pteWithPfn(0, V | PTE_WRITE);
  it('RV-Svade: an access to a PTE with A=0 faults (load and store), the MMU writes nothing', () => {
    const old = CLEAN_W & ~PTE_YOUNG;
    expect(svade.load(accessCtx(archWorld('riscv-svade', old)))).toEqual({
      events: [],
      outcome: 'fault',
    });
    expect(svade.store(accessCtx(archWorld('riscv-svade', old | PTE_SWDIRTY)))).toEqual({
      events: [],
      outcome: 'fault',
    });
  });
  it('RV-Svade/SWD-1: a store with D=0 faults; with W && D it fills a writable entry', () => {
    expect(svade.store(accessCtx(archWorld('riscv-svade', CLEAN_W))).outcome).toBe('fault');
    const r = svade.store(accessCtx(archWorld('riscv-svade', CLEAN_W | PTE_SWDIRTY)));
    expect(r.outcome).toBe('done');
    expect(r.events.map((e) => e.type)).toEqual(['tlb/fill', 'mem/store']);
  });
  it('RV-Svade: the kernel sets young on the read fault (pte_mkyoung) and dirty on the write fault', () => {
    expect(svade.pteMkyoung(CLEAN_W & ~PTE_YOUNG)).toBe(CLEAN_W);
    expect(svade.hwWritable(svade.pteMkdirty(CLEAN_W))).toBe(true);
    expect(svade.pteWrprotect(CLEAN_W | PTE_SWDIRTY, {})).toBe(pteWithPfn(0, V | PTE_SWDIRTY));
  });
});

describe('RISC-V Svadu (RV-Svadu = X86-W2/W3 without stray D)', () => {
  const CLEAN_W = pteWithPfn(0, V | PTE_WRITE);
  it('RV-Svadu: a TLB miss store sets D atomically like X86-W3', () => {
    const r = svadu.store(accessCtx(archWorld('riscv-svadu', CLEAN_W)));
    expect(r.outcome).toBe('done');
    expect(r.events.find((e) => e.type === 'pte/set')).toMatchObject({
      src: 'hw',
      pte: CLEAN_W | PTE_HWDIRTY,
    });
  });
  it('RV-Svadu: a store through a w=1,d=0 entry re-checks the live PTE like X86-W2 and faults if W was cleared', () => {
    const r = svadu.store(accessCtx(archWorld('riscv-svadu', pteWithPfn(0, V), { w: 1, d: 0 })));
    expect(r.outcome).toBe('fault');
    expect(r.events.map((e) => e.type)).toEqual(['tlb/drop']);
  });
  it('RV-Svadu: no stray-D option, even when the scenario asks for it (unlike x86 X86-W2 non-CET)', () => {
    const ro = pteWithPfn(0, V);
    const rv = svadu.store(
      accessCtx(archWorld('riscv-svadu', ro, { w: 1, d: 0 }), { strayDirty: true }),
    );
    expect(rv.events.some((e) => e.type === 'pte/set')).toBe(false);
    const xr = x86.store(accessCtx(archWorld('x86-64', ro, { w: 1, d: 0 }), { strayDirty: true }));
    expect(xr.events.some((e) => e.type === 'pte/set')).toBe(true);
    expect(Object.keys(svadu.optionDocs)).not.toContain('strayDirty');
  });
  it('RV-Svadu: pte_wrprotect clears W and keeps D (no SavedDirty on RISC-V)', () => {
    const wp = svadu.pteWrprotect(CLEAN_W | PTE_HWDIRTY, {});
    expect(wp).toBe(pteWithPfn(0, V | PTE_HWDIRTY));
    expect(svadu.pteDirty(wp)).toBe(true);
    expect(svadu.pteMkdirty(pteWithPfn(0, V))).toBe(pteWithPfn(0, V | PTE_HWDIRTY));
  });
});
