import { describe, expect, it } from 'vitest';
import { evolve, evolveAll, initialState, type SimEvent, type SimState } from '../../src/index.js';
import { builtin } from '../helpers/scenarios.js';

const s0 = (): SimState => initialState(builtin('seed-concurrent-wrprotect'));

describe('evolve recipes', () => {
  it('tlb/fill replaces an entry for the same (mm, vpn) and appends in fill order (X86-C)', () => {
    const s = evolveAll(s0(), [
      { type: 'tlb/fill', cpu: 0, mm: 0, vpn: 1, pfn: 1, w: 1, d: 0 },
      { type: 'tlb/fill', cpu: 0, mm: 0, vpn: 0, pfn: 0, w: 1, d: 1 },
      { type: 'tlb/fill', cpu: 0, mm: 0, vpn: 1, pfn: 1, w: 0, d: 0 },
    ]);
    expect(s.tlbs[0]?.map((t) => [t.vpn, t.w])).toEqual([
      [0, 1],
      [1, 0],
    ]);
  });

  it('tlb/flush removes exactly the entries of that mm in [from, to) on that CPU', () => {
    const s = evolveAll(s0(), [
      { type: 'tlb/fill', cpu: 0, mm: 0, vpn: 0, pfn: 0, w: 1, d: 1 },
      { type: 'tlb/fill', cpu: 0, mm: 0, vpn: 1, pfn: 1, w: 1, d: 1 },
      { type: 'tlb/fill', cpu: 1, mm: 0, vpn: 0, pfn: 0, w: 1, d: 1 },
      { type: 'tlb/flush', tid: 2, cpu: 0, mm: 0, from: 1, to: 2 },
    ]);
    expect(s.tlbs[0]?.map((t) => t.vpn)).toEqual([0]);
    expect(s.tlbs[1]).toHaveLength(1);
  });

  it('ghost/wp-seen marks only writable entries of that page, and a flush clears the mark with the entry', () => {
    let s = evolveAll(s0(), [
      { type: 'tlb/fill', cpu: 0, mm: 0, vpn: 0, pfn: 0, w: 1, d: 1 },
      { type: 'tlb/fill', cpu: 1, mm: 0, vpn: 0, pfn: 0, w: 0, d: 0 },
      { type: 'ghost/wp-seen', tid: 3, mm: 0, vpn: 0 },
    ]);
    expect(s.tlbs[0]?.[0]?.susp).toBe(1 << 3);
    expect(s.tlbs[1]?.[0]?.susp).toBe(0);
    s = evolve(s, { type: 'tlb/flush', tid: 3, cpu: 0, mm: 0, from: 0, to: 1 });
    expect(s.tlbs[0]).toHaveLength(0);
  });

  it('notifier windows keep the interval sequence odd while any is active (R7)', () => {
    const ev: SimEvent[] = [
      { type: 'notifier/start', tid: 2, mm: 0, from: 0, to: 2 },
      { type: 'notifier/start', tid: 3, mm: 0, from: 0, to: 2 },
      { type: 'notifier/end', tid: 2, mm: 0, from: 0, to: 2 },
    ];
    const s = evolveAll(s0(), ev);
    expect(s.mms[0]).toMatchObject({ active: 1, seq: 1 });
    expect(evolve(s, { type: 'notifier/end', tid: 3, mm: 0, from: 0, to: 2 }).mms[0]).toMatchObject(
      { active: 0, seq: 2 },
    );
  });

  it('locks: rwsem readers are a tid set, a spinlock has one owner, releasing a lock not held changes nothing', () => {
    let s = evolveAll(s0(), [
      { type: 'lock/acquire', tid: 2, lock: 0, mode: 'r' },
      { type: 'lock/acquire', tid: 3, lock: 0, mode: 'r' },
      { type: 'lock/acquire', tid: 2, lock: 1, mode: 'w' },
    ]);
    expect(s.locks[0]).toEqual({ owner: -1, readers: (1 << 2) | (1 << 3) });
    expect(s.locks[1]?.owner).toBe(2);
    expect(evolve(s, { type: 'lock/release', tid: 4, lock: 1, mode: 'w' })).toBe(s);
    s = evolve(s, { type: 'lock/release', tid: 2, lock: 1, mode: 'w' });
    expect(s.locks[1]?.owner).toBe(-1);
  });

  it('thread frames: call pushes, goto/set edit the top frame, return pops', () => {
    const s = evolveAll(s0(), [
      { type: 'thread/goto', tid: 0, pc: 3 },
      { type: 'thread/call', tid: 0, fn: 'access', l: [1, 1] },
      { type: 'thread/set', tid: 0, slot: 0, value: 7 },
    ]);
    expect(s.threads[0]?.stack).toEqual([
      { fn: 'user', pc: 3, l: [0, 0] },
      { fn: 'access', pc: 0, l: [7, 1] },
    ]);
    expect(evolve(s, { type: 'thread/return', tid: 0 }).threads[0]?.stack).toHaveLength(1);
  });

  it('mem/store bumps the content version, dev/copy brings the device copy up to it', () => {
    const s = evolveAll(s0(), [
      { type: 'mem/store', tid: 0, cpu: 0, page: 1 },
      { type: 'mem/store', tid: 0, cpu: 0, page: 1 },
      { type: 'dev/copy', tid: 2, page: 1 },
    ]);
    expect(s.pages[1]).toEqual({ version: 2, device: 2 });
  });
});
