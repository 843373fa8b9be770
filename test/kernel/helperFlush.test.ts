import { describe, expect, it } from 'vitest';
import type { SimEvent } from '../../src/index.js';
import { freshState, step, stepUntilDepth, tinyModel, types } from '../helpers/world.js';

// Idle users on CPUs 0 and 1 (mm_cpumask = {0,1}); the caller is tid 2 and runs on CPU 0.
const idle = [{ cpu: 0 }, { cpu: 1, ops: [{ op: 'write' as const, vpn: 0 }] }];
const CALLER = 2;
const flushEvents = (ev: readonly SimEvent[]) => ev.filter((e) => /^(flush|tlb)\//.test(e.type));

function helperRun(opts: Parameters<typeof tinyModel>[0]) {
  const model = tinyModel({ users: idle, callers: [{ protocol: 'snap' }], ...opts });
  const s = freshState(model);
  // CPU 1 caches a writable, dirty entry for vpn 0 (as if its user had written before).
  s.tlbs[1]?.push({ mm: 0, vpn: 0, pfn: 0, w: 1, d: 1, susp: 0 });
  const ev = stepUntilDepth(model, s, CALLER, 1);
  return { model, s, ev };
}

describe('TLB flush flavours (SEMANTICS §5, T1–T3)', () => {
  it('T1: x86 per-cpu shootdown: one IPI per step, flush/done only after the last CPU', () => {
    const { ev } = helperRun({});
    expect(types(flushEvents(ev))).toEqual(['flush/start', 'tlb/flush', 'tlb/flush', 'flush/done']);
  });

  it('T2: a lazy-TLB CPU is not interrupted: the flush records a deferred invalidation instead', () => {
    const { ev, s } = helperRun({ archOptions: { lazyCpus: '1' } });
    const f = flushEvents(ev);
    expect(f.map((e) => `${e.type}${'cpu' in e ? e.cpu : ''}`)).toEqual([
      'flush/start',
      'tlb/defer1',
      'tlb/flush0',
      'flush/done',
    ]);
    expect(s.cpus?.[1]).toEqual({ lazy: 1, owed: 1 });
    expect(s.tlbs[1]?.length).toBe(1); // still cached: the CPU runs no user code while lazy
  });

  it('T2: switching back to the mm drops every entry of the mm before the first user access', () => {
    const { model, s } = helperRun({ archOptions: { lazyCpus: '1' } });
    step(model, s, 1); // user program: call access
    const access = step(model, s, 1);
    expect(access[0]).toEqual({ type: 'tlb/catchup', cpu: 1, mm: 0, why: 'switch' });
    // The stale writable entry is gone: the store walks the write-protected PTE and faults.
    expect(types(access)).toContain('thread/call');
    expect(access.some((e) => e.type === 'mem/store')).toBe(false);
    expect(s.cpus?.[1]).toEqual({ lazy: 0, owed: 0 });
    expect(s.tlbs[1]?.length).toBe(0);
  });

  it('T2: switching back with no deferred flush keeps the entries (the generation did not advance)', () => {
    const model = tinyModel({ users: idle, archOptions: { lazyCpus: '1' } });
    const s = freshState(model);
    s.tlbs[1]?.push({ mm: 0, vpn: 0, pfn: 0, w: 1, d: 1, susp: 0 });
    step(model, s, 1);
    const access = step(model, s, 1);
    expect(types(access)).toEqual(['tlb/catchup', 'mem/store', 'thread/return']);
  });

  it('T3: arm64 broadcast TLBI + DSB: every CPU in one step, even with per-cpu shootdowns configured', () => {
    for (const arch of ['arm64-dbm', 'arm64-nodbm']) {
      const model = tinyModel({
        arch,
        users: idle,
        callers: [{ protocol: 'snap' }],
        flush: 'per-cpu',
      });
      const st = freshState(model);
      const all: SimEvent[][] = [];
      while ((st.threads[CALLER]?.stack.length ?? 0) > 1 || all.length === 0)
        all.push(step(model, st, CALLER));
      const flushStep = all.find((evs) => evs.some((e) => e.type === 'flush/start')) ?? [];
      expect(types(flushEvents(flushStep)), arch).toEqual([
        'flush/start',
        'tlb/flush',
        'tlb/flush',
        'flush/done',
      ]);
    }
  });

  it("T3 nosync (S-12's deferred completion): the TLBI completes only at the CPU's next barrier; until then a stale entry still stores", () => {
    const { model, s, ev } = helperRun({ arch: 'arm64-dbm', archOptions: { tlbi: 'nosync' } });
    expect(types(flushEvents(ev))).toEqual(['flush/start', 'tlb/defer', 'tlb/defer', 'flush/done']);
    expect(s.tlbs[1]?.length).toBe(1);
    step(model, s, 1); // call access
    const stale = step(model, s, 1); // the write goes through the stale writable entry
    expect(types(stale)).toEqual(['mem/store', 'thread/return']);
    expect(s.cpus?.[1]?.owed).toBe(1);
  });

  it('T3 nosync: a fault on that CPU is the barrier: the owed invalidation drops the entries', () => {
    const model = tinyModel({
      arch: 'arm64-dbm',
      users: [{ cpu: 0 }, { cpu: 1, ops: [{ op: 'write', vpn: 1 }] }],
      archOptions: { tlbi: 'nosync' },
      initialPte: 'readonly',
    });
    const s = freshState(model);
    s.tlbs[1]?.push({ mm: 0, vpn: 0, pfn: 0, w: 1, d: 1, susp: 0 });
    s.cpus![1]!.owed = 1;
    step(model, s, 1);
    const access = step(model, s, 1); // vpn 1 is read-only: permission fault
    expect(access.find((e) => e.type === 'tlb/catchup')).toEqual({
      type: 'tlb/catchup',
      cpu: 1,
      mm: 0,
      why: 'barrier',
    });
    expect(s.tlbs[1]?.length).toBe(0);
  });
});
