import { describe, expect, it } from 'vitest';
import {
  PTE_PRESENT,
  PTE_RDONLY,
  PTE_SWDIRTY,
  PTE_WRITE,
  PTE_YOUNG,
  pteWithPfn,
} from '../../src/index.js';
import { accessCtx, archWorld, getArch } from './archWorld.js';

const a = getArch('arm64-dbm');
const V = PTE_PRESENT | PTE_YOUNG;
const CLEAN_RW = pteWithPfn(0, V | PTE_WRITE | PTE_RDONLY); // DBM page, clean
const HW_DIRTY = pteWithPfn(0, V | PTE_WRITE); // RDONLY cleared by the MMU
const CLEAN_RO = pteWithPfn(0, V | PTE_RDONLY);

describe('arm64 encoding (A64-E, arch/arm64/include/asm/pgtable.h)', () => {
  it('A64-E: pte_dirty = DIRTY || (WRITE && !RDONLY); pte_write = WRITE; hardware obeys RDONLY', () => {
    expect(a.pteDirty(HW_DIRTY)).toBe(true);
    expect(a.pteDirty(CLEAN_RW)).toBe(false);
    expect(a.pteDirty(CLEAN_RO | PTE_SWDIRTY)).toBe(true);
    expect(a.pteWrite(CLEAN_RW)).toBe(true);
    expect(a.hwWritable(CLEAN_RW)).toBe(false);
    expect(a.hwWritable(HW_DIRTY)).toBe(true);
  });
  it('A64-E: mkPte follows the kernel state table (clean writable carries RDONLY)', () => {
    expect(a.mkPte(0, { write: true, dirty: false, special: false })).toBe(CLEAN_RW);
    expect(a.mkPte(0, { write: false, dirty: false, special: false })).toBe(CLEAN_RO);
    expect(a.pteDirty(a.mkPte(0, { write: true, dirty: true, special: false }))).toBe(true);
    expect(a.hwWritable(a.mkPte(0, { write: true, dirty: true, special: false }))).toBe(true);
  });
  it('A64-E: pte_mkclean clears DIRTY and sets RDONLY; pte_mkdirty sets DIRTY and, if writable, clears RDONLY', () => {
    expect(a.pteDirty(a.pteMkclean(HW_DIRTY))).toBe(false);
    expect(a.hwWritable(a.pteMkclean(HW_DIRTY))).toBe(false);
    expect(a.pteMkdirty(CLEAN_RW)).toBe(pteWithPfn(0, V | PTE_WRITE | PTE_SWDIRTY));
    expect(a.pteMkdirty(CLEAN_RO)).toBe(CLEAN_RO | PTE_SWDIRTY);
  });
  it('A64-WP fixed (ff1712f953e2): pte_wrprotect of a hardware-dirty PTE keeps it dirty in PTE_DIRTY', () => {
    const wp = a.pteWrprotect(HW_DIRTY, {});
    expect(a.pteWrite(wp)).toBe(false);
    expect(a.hwWritable(wp)).toBe(false);
    expect(a.pteDirty(wp)).toBe(true);
    expect(a.pteWrprotect(HW_DIRTY, { wrprotect: 'fixed' })).toBe(wp);
  });
  it('A64-WP pre-5.10 (S-11): pte_wrprotect of a hardware-dirty PTE returns a clean read-only PTE', () => {
    for (const flavour of ['pre-5.10', 'pre-v5.10']) {
      const wp = a.pteWrprotect(HW_DIRTY, { wrprotect: flavour });
      expect(a.pteWrite(wp)).toBe(false);
      expect(a.pteDirty(wp)).toBe(false);
    }
    // A software-dirty PTE keeps DIRTY in both flavours.
    expect(a.pteDirty(a.pteWrprotect(CLEAN_RW | PTE_SWDIRTY, { wrprotect: 'pre-5.10' }))).toBe(
      true,
    );
  });
});

describe('arm64 with DBM: stores (A64-W1..W3)', () => {
  it('A64-W1: a store through a cached writable entry completes without touching the PTE', () => {
    const s = archWorld('arm64-dbm', CLEAN_RO, { w: 1, d: 1 });
    const r = a.store(accessCtx(s));
    expect(r.outcome).toBe('done');
    expect(r.events.map((e) => e.type)).toEqual(['mem/store']);
  });
  it('A64-W2: a store to a clean DBM page clears RDONLY atomically in the live descriptor, no fault', () => {
    const s = archWorld('arm64-dbm', CLEAN_RW);
    const r = a.store(accessCtx(s));
    expect(r.outcome).toBe('done');
    const set = r.events.find((e) => e.type === 'pte/set');
    expect(set).toMatchObject({ src: 'hw', fn: 'A64-W2', pte: HW_DIRTY });
    expect(r.events.find((e) => e.type === 'tlb/fill')).toMatchObject({ w: 1, d: 1 });
  });
  it('A64-W2: a cached read-only entry whose live descriptor is still DBM is upgraded in place', () => {
    const s = archWorld('arm64-dbm', CLEAN_RW, { w: 0, d: 0 });
    const r = a.store(accessCtx(s));
    expect(r.outcome).toBe('done');
    expect(r.events.map((e) => e.type)).toEqual(['pte/set', 'tlb/fill', 'mem/store']);
  });
  it('A64-W2: a cached read-only entry whose live descriptor is now invalid faults and drops the entry', () => {
    const s = archWorld('arm64-dbm', 0, { w: 0, d: 0 });
    const r = a.store(accessCtx(s));
    expect(r.outcome).toBe('fault');
    expect(r.events.map((e) => e.type)).toEqual(['tlb/drop']);
  });
  it('A64-W3: RDONLY without WRITE is a permission fault, the hardware writes nothing', () => {
    const s = archWorld('arm64-dbm', CLEAN_RO, { w: 0, d: 0 });
    const r = a.store(accessCtx(s));
    expect(r.outcome).toBe('fault');
    expect(r.events.some((e) => e.type === 'pte/set')).toBe(false);
    expect(a.store(accessCtx(archWorld('arm64-dbm', CLEAN_RO))).outcome).toBe('fault');
  });
  it('A64-AF: loads fill hwWritable = !RDONLY and set AF with HA', () => {
    const r = a.load(accessCtx(archWorld('arm64-dbm', CLEAN_RW & ~PTE_YOUNG)));
    expect(r.events.find((e) => e.type === 'pte/set')).toMatchObject({
      src: 'hw',
      pte: CLEAN_RW,
      fn: 'A64-AF',
    });
    expect(r.events.find((e) => e.type === 'tlb/fill')).toMatchObject({ w: 0 });
  });
});
