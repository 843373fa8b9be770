import { describe, expect, it } from 'vitest';
import {
  getArch,
  PTE_HWDIRTY,
  PTE_NONE,
  PTE_PRESENT,
  PTE_SWDIRTY,
  PTE_WRITE,
  PTE_YOUNG,
  pteWithPfn,
  type MutableSimState,
  type SimState,
} from '../../src/index.js';
import { freshState, step, tinyModel, types, options } from '../helpers/world.js';

const x86 = getArch('x86-64');
const ctx = (state: MutableSimState, options: Record<string, boolean> = {}) => ({
  state: state as unknown as SimState,
  tid: 0,
  cpu: 0,
  mm: 0,
  vpn: 0,
  options,
});
const RW_CLEAN = pteWithPfn(0, PTE_PRESENT | PTE_WRITE | PTE_YOUNG);

function world(pte: number, tlb?: { w: 0 | 1; d: 0 | 1 }): MutableSimState {
  const s = freshState(tinyModel({}));
  (s.mms[0] as { ptes: number[] }).ptes[0] = pte;
  if (tlb) s.tlbs[0]?.push({ mm: 0, vpn: 0, pfn: 0, w: tlb.w, d: tlb.d, susp: 0 });
  return s;
}

describe('x86-64 encoding (X86-E)', () => {
  it('pte_dirty is D or SavedDirty, pte_write is RW', () => {
    expect(x86.pteDirty(RW_CLEAN | PTE_HWDIRTY)).toBe(true);
    expect(x86.pteDirty(pteWithPfn(0, PTE_PRESENT | PTE_SWDIRTY))).toBe(true);
    expect(x86.pteDirty(RW_CLEAN)).toBe(false);
    expect(x86.pteWrite(RW_CLEAN)).toBe(true);
  });
  it('pte_wrprotect moves D into SavedDirty and pte_mkwrite moves it back (v6.6+)', () => {
    const wp = x86.pteWrprotect(RW_CLEAN | PTE_HWDIRTY, {});
    expect(wp & PTE_WRITE).toBe(0);
    expect(wp & PTE_HWDIRTY).toBe(0);
    expect(wp & PTE_SWDIRTY).toBe(PTE_SWDIRTY);
    expect(x86.pteDirty(wp)).toBe(true);
    const back = x86.pteMkwrite(wp);
    expect(back & (PTE_WRITE | PTE_HWDIRTY)).toBe(PTE_WRITE | PTE_HWDIRTY);
    expect(back & PTE_SWDIRTY).toBe(0);
  });
  it('pte_mkclean clears both D and SavedDirty', () => {
    expect(x86.pteDirty(x86.pteMkclean(RW_CLEAN | PTE_HWDIRTY | PTE_SWDIRTY))).toBe(false);
  });
});

describe('x86-64 stores', () => {
  it('X86-W1: a hit on a writable dirty entry completes without touching the PTE', () => {
    const r = x86.store(ctx(world(RW_CLEAN | PTE_HWDIRTY, { w: 1, d: 1 })));
    expect(r.outcome).toBe('done');
    expect(types(r.events)).toEqual(['mem/store']);
  });

  it('X86-W1: even when the live PTE was cleaned meanwhile (the TLB caches D, SDM §4.10)', () => {
    const r = x86.store(ctx(world(RW_CLEAN, { w: 1, d: 1 })));
    expect(types(r.events)).toEqual(['mem/store']);
  });

  it('X86-W2: a hit on a writable clean entry sets D in the live PTE atomically and completes', () => {
    const r = x86.store(ctx(world(RW_CLEAN, { w: 1, d: 0 })));
    expect(r.outcome).toBe('done');
    expect(types(r.events)).toEqual(['pte/set', 'tlb/dirty', 'mem/store']);
    const set = r.events[0];
    expect(
      set?.type === 'pte/set' &&
        set.src === 'hw' &&
        set.fn === 'X86-W2' &&
        (set.pte & PTE_HWDIRTY) !== 0,
    ).toBe(true);
  });

  it('X86-W2: if the live PTE is not present (ptep_modify_prot_start window, P3) the store faults', () => {
    const r = x86.store(ctx(world(PTE_NONE, { w: 1, d: 0 })));
    expect(r.outcome).toBe('fault');
    expect(types(r.events)).toEqual(['tlb/drop']);
  });

  it('X86-W2: if the live PTE was write-protected the store faults and sets no D (CET parts)', () => {
    const r = x86.store(ctx(world(pteWithPfn(0, PTE_PRESENT), { w: 1, d: 0 })));
    expect(r.outcome).toBe('fault');
    expect(r.events.some((e) => e.type === 'pte/set')).toBe(false);
  });

  it('X86-W2-stray-D option: a non-CET part may leave D=1 on the read-only PTE, still faulting', () => {
    const r = x86.store(
      ctx(world(pteWithPfn(0, PTE_PRESENT), { w: 1, d: 0 }), { strayDirty: true }),
    );
    expect(r.outcome).toBe('fault');
    const set = r.events.find((e) => e.type === 'pte/set');
    expect(
      set?.type === 'pte/set' && (set.pte & PTE_HWDIRTY) !== 0 && (set.pte & PTE_WRITE) === 0,
    ).toBe(true);
    expect(set).toMatchObject({ fn: 'X86-W2-stray-D' });
  });

  it('X86-W3: a miss on a writable PTE fills {w=1,d=1} and sets A and D', () => {
    const r = x86.store(ctx(world(RW_CLEAN)));
    expect(types(r.events)).toEqual(['pte/set', 'tlb/fill', 'mem/store']);
    const fill = r.events[1];
    expect(fill?.type === 'tlb/fill' && fill.w === 1 && fill.d === 1).toBe(true);
  });

  it('X86-W3: a miss on a read-only or absent PTE faults without filling', () => {
    expect(x86.store(ctx(world(pteWithPfn(0, PTE_PRESENT)))).outcome).toBe('fault');
    expect(x86.store(ctx(world(PTE_NONE))).events).toEqual([]);
  });

  it('a store through a read-only TLB entry faults and drops the entry', () => {
    const r = x86.store(ctx(world(RW_CLEAN, { w: 0, d: 0 })));
    expect(r.outcome).toBe('fault');
    expect(types(r.events)).toEqual(['tlb/drop']);
  });
});

describe('x86-64 loads and the TLB', () => {
  it('X86-R: a load fills the entry with hwDirty = D at fill time and sets only A', () => {
    const s = world(pteWithPfn(0, PTE_PRESENT | PTE_WRITE));
    const r = x86.load(ctx(s));
    expect(types(r.events)).toEqual(['pte/set', 'tlb/fill']);
    const fill = r.events[1];
    expect(fill?.type === 'tlb/fill' && fill.w === 1 && fill.d === 0).toBe(true);
    const set = r.events[0];
    expect(
      set?.type === 'pte/set' && (set.pte & PTE_HWDIRTY) === 0 && (set.pte & PTE_YOUNG) !== 0,
    ).toBe(true);
  });

  it('X86-C, T7: with a full TLB a miss offers one alternative per victim (eviction), recorded as a choice', () => {
    const model = tinyModel({
      tlbCapacity: 1,
      users: [
        {
          cpu: 0,
          ops: [
            { op: 'write', vpn: 0 },
            { op: 'write', vpn: 1 },
          ],
        },
      ],
    });
    const s = freshState(model);
    step(model, s, 0); // user: call access(vpn 0)
    step(model, s, 0); // access: miss, fill
    step(model, s, 0); // user: call access(vpn 1)
    expect(options(model, s, 0)).toBe(1); // one victim
    const ev = step(model, s, 0, 0);
    expect(ev[0]).toEqual({ type: 'tlb/drop', cpu: 0, mm: 0, vpn: 0, why: 'evict' });
    expect(s.tlbs[0]?.map((t) => t.vpn)).toEqual([1]);
  });
});
