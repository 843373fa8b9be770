import { describe, expect, it } from 'vitest';
import {
  makeModel,
  PTE_HWDIRTY,
  PTE_PRESENT,
  PTE_WRITE,
  PTE_YOUNG,
  pteWithPfn,
  runModel,
} from '../../src/index.js';
import { builtin } from '../helpers/scenarios.js';
import { accessCtx, archWorld, getArch } from './archWorld.js';

const lazy = getArch('lazy-dirty-writeback');
const x86 = getArch('x86-64');
const V = PTE_PRESENT | PTE_YOUNG;

describe('lazy-dirty-writeback (hypothetical, non-atomic dirty write-back)', () => {
  it('is labelled hypothetical', () => {
    expect(lazy.dirtyClass).toBe('hypothetical');
    expect(lazy.description).toMatch(/HYPOTHETICAL/);
  });
  it('a store through a w=1,d=0 entry writes back a whole writable+dirty PTE: it undoes a concurrent write-protect', () => {
    const ro = pteWithPfn(0, V); // write-protected since the entry was filled
    const r = lazy.store(accessCtx(archWorld('lazy-dirty-writeback', ro, { w: 1, d: 0 })));
    expect(r.outcome).toBe('done');
    const set = r.events.find((e) => e.type === 'pte/set');
    expect(set).toMatchObject({ src: 'hw', fn: 'LAZY-writeback' });
    expect(lazy.pteWrite((set as { pte: number }).pte)).toBe(true);
    // x86 (X86-W2) re-checks the live PTE and faults instead.
    expect(x86.store(accessCtx(archWorld('x86-64', ro, { w: 1, d: 0 }))).outcome).toBe('fault');
  });
  it('it even resurrects a PTE that ptep_modify_prot_start cleared (P3 does not hold)', () => {
    const r = lazy.store(accessCtx(archWorld('lazy-dirty-writeback', 0, { w: 1, d: 0 })));
    expect(r.events.find((e) => e.type === 'pte/set')).toMatchObject({
      pte: pteWithPfn(0, V | PTE_WRITE | PTE_HWDIRTY),
    });
  });
  it('misses walk atomically as on x86 (X86-W3)', () => {
    const clean = pteWithPfn(0, V | PTE_WRITE);
    expect(lazy.store(accessCtx(archWorld('lazy-dirty-writeback', clean))).events).toEqual(
      x86
        .store(accessCtx(archWorld('x86-64', clean)))
        .events.map((e) => (e.type === 'pte/set' ? { ...e, fn: 'LAZY(X86-W3)' } : e)),
    );
  });
});

describe('scenario lazy-writeback-undo (why atomic hardware A/D updates matter)', () => {
  const seeds = Array.from({ length: 60 }, (_, i) => i + 1);
  const failing = (arch: string, id: string) => {
    const model = makeModel(builtin('lazy-writeback-undo'), { arch });
    return seeds.filter((seed) =>
      runModel(model, { seed }).verdicts.some((v) => v.id === id && v.ok === false),
    );
  };
  it('the hypothetical write-back undoes the write-protect and a write is lost to the device', () => {
    expect(failing('lazy-dirty-writeback', 'lost-write').length).toBeGreaterThan(0);
  });
  it('x86-64 (X86-W2 re-checks the live PTE) loses nothing with the same seeds', () => {
    expect(failing('x86-64', 'lost-write')).toEqual([]);
    expect(failing('x86-64', 'dirty-bit-lost')).toEqual([]);
  });
});
