import { describe, expect, it } from 'vitest';
import type { Model, SimEvent } from '../../src/index.js';
import { freshState, step } from '../helpers/world.js';
import { modelOf } from './actorWorld.js';

// A user thread's mprotect through the mprotect step machine (src/kernel/mprotect.ts):
// MP1 (current kernels: MM_CP_TRY_CHANGE_WRITABLE, can_change_pte_writable() = pte_dirty() for
// VM_SHARED, tlb_flush_pte_range only if pte_needs_flush) and MP2 (before 6.0: dirty_accountable,
// flush_tlb_range of the whole range if any PTE changed).

const SHARED = ['shared', 'mayshare', 'write', 'maywrite'];
const PFNMAP = [...SHARED, 'io', 'pfnmap'];

function model(
  flags: string[],
  ops: Record<string, unknown>[],
  over: { kernel?: string; mode?: string; initialPte?: string; pages?: number } = {},
): Model {
  const pages = over.pages ?? 1;
  return modelOf({
    pages,
    cpus: 1,
    variant: 'upstream',
    options: { ...(over.kernel ? { kernel: over.kernel } : {}) },
    mms: [{ vmas: [{ start: 0, pgoff: 0, npages: pages, flags }] }],
    initialPte: over.initialPte ?? 'none',
    driver: { mode: over.mode ?? 'pagetable', initialBitmap: 'none' },
    threads: [{ kind: 'user', cpu: 0, ops }],
  });
}

function run(m: Model): { ev: SimEvent[]; s: ReturnType<typeof freshState> } {
  const s = freshState(m);
  const ev: SimEvent[] = [];
  while (s.threads[0]!.stack.length > 0) ev.push(...step(m, s, 0));
  return { ev, s };
}

/** The events after the n-th actor/return (0-based). */
function afterReturn(ev: SimEvent[], n: number): SimEvent[] {
  let seen = -1;
  const i = ev.findIndex((e) => e.type === 'actor/return' && ++seen === n);
  expect(i).toBeGreaterThanOrEqual(0);
  return ev.slice(i + 1);
}

const RO_RW = [
  { op: 'write', vpn: 0 },
  { op: 'mprotect', prot: 'read' },
  { op: 'mprotect', prot: 'read-write' },
];

describe('mprotect back to read-write (MP1, MP2)', () => {
  for (const kernel of ['current', 'pre-6.0']) {
    it(`${kernel}: a dirty PTE becomes writable again without page_mkwrite; the next write does not fault`, () => {
      const m = model(SHARED, [...RO_RW, { op: 'write', vpn: 0 }], { kernel });
      const { ev, s } = run(m);
      const rw = ev.filter((e) => e.type === 'pte/set' && e.fn === 'ptep_modify_prot_commit');
      expect(rw).toHaveLength(2);
      expect(m.arch.pteWrite((rw[1] as { pte: number }).pte)).toBe(true);
      const last = afterReturn(ev, 1);
      expect(last.some((e) => e.type === 'fault/enter')).toBe(false);
      expect(last.some((e) => e.type === 'mem/store')).toBe(true);
      expect(m.arch.pteWrite(s.mms[0]!.ptes[0]!)).toBe(true);
    });
  }

  it('MP1: a clean PTE stays read-only (write-notify): the next write faults into page_mkwrite', () => {
    const m = model(SHARED, [
      { op: 'write', vpn: 0 },
      { op: 'msync' },
      { op: 'mprotect', prot: 'read' },
      { op: 'mprotect', prot: 'read-write' },
      { op: 'write', vpn: 0 },
    ]);
    const { ev } = run(m);
    const last = afterReturn(ev, 2);
    expect(last).toContainEqual(expect.objectContaining({ type: 'fault/enter', write: 1 }));
    expect(last).toContainEqual(expect.objectContaining({ type: 'page/dirty', page: 0 }));
  });

  it('MP1, MP3: vmwgfx MKWRITE mode — after the upgrade a write reaches the page with no pfn_mkwrite, so no bit is recorded', () => {
    const m = model(PFNMAP, [...RO_RW, { op: 'write', vpn: 0 }], { mode: 'mkwrite' });
    const s = freshState(m);
    const ev: SimEvent[] = [];
    // The driver consumed the bit after its scan: clear it once the first write recorded it.
    while (s.threads[0]!.stack.length > 0) {
      ev.push(...step(m, s, 0));
      if (ev.filter((e) => e.type === 'actor/call').length === 1 && s.bitmaps[0]![0] === 1)
        s.bitmaps[0]![0] = 0;
    }
    const last = afterReturn(ev, 1);
    expect(last.some((e) => e.type === 'mem/store')).toBe(true);
    expect(last.some((e) => e.type === 'bitmap/set')).toBe(false);
    expect(s.bitmaps[0]![0]).toBe(0);
  });

  it('MP1: pte_needs_flush decides what is gathered; MP2 flushed the whole range when any PTE changed', () => {
    const ops = [
      { op: 'write', vpn: 0 },
      { op: 'read', vpn: 1 },
      { op: 'mprotect', prot: 'read' },
    ];
    const flushes = (kernel: string): unknown[] =>
      run(model(SHARED, ops, { kernel, pages: 2 }))
        .ev.filter((e) => e.type === 'flush/start')
        .map((e) => [(e as { from: number }).from, (e as { to: number }).to]);
    // vpn 1 was mapped read-only by the read fault: RO → RO needs no flush on x86.
    expect(flushes('current')).toEqual([[0, 1]]);
    expect(flushes('pre-6.0')).toEqual([[0, 2]]);
  });

  it('mprotect_fixup: unchanged flags touch no PTE (current: the gather is still opened and finished)', () => {
    const ops = [
      { op: 'write', vpn: 0 },
      { op: 'mprotect', prot: 'read-write' },
    ];
    const cur = run(model(SHARED, ops)).ev;
    const pre = run(model(SHARED, ops, { kernel: 'pre-6.0' })).ev;
    const call = (ev: SimEvent[]) => ev.slice(ev.findIndex((e) => e.type === 'actor/call'));
    expect(call(cur).some((e) => e.type === 'pte/set')).toBe(false);
    expect(call(cur).some((e) => e.type === 'pending/inc')).toBe(true);
    expect(call(cur).some((e) => e.type === 'flush/start')).toBe(false);
    expect(call(pre).some((e) => e.type === 'pending/inc')).toBe(false);
    expect(call(pre).some((e) => e.type === 'pte/set')).toBe(false);
  });

  it('is a step machine: between ptep_modify_prot_start and commit the PTE is none under the PTL, the saved value in the frame', () => {
    const m = model(SHARED, [{ op: 'mprotect', prot: 'read' }], { initialPte: 'writable-dirty' });
    const s = freshState(m);
    const dirty = s.mms[0]!.ptes[0]!;
    step(m, s, 0); // user: push mprotect
    step(m, s, 0); // enter
    step(m, s, 0); // pte: ptep_modify_prot_start
    expect(s.mms[0]!.ptes[0]).toBe(0);
    const top = s.threads[0]!.stack.at(-1)!;
    expect(top.fn).toBe('mprotect');
    expect(top.l[2]).toBe(dirty); // local 'old'
    while (s.threads[0]!.stack.length > 0) step(m, s, 0);
    expect(m.arch.pteDirty(s.mms[0]!.ptes[0]!)).toBe(true);
    expect(m.arch.pteWrite(s.mms[0]!.ptes[0]!)).toBe(false);
  });
});
