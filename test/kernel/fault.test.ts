import { describe, expect, it } from 'vitest';
import {
  layoutOf,
  PTE_HWDIRTY,
  PTE_NONE,
  PTE_PRESENT,
  PTE_WRITE,
  pteWithPfn,
} from '../../src/index.js';
import { ptlLock } from '../../src/state/layout.js';
import { freshState, options, step, stepUntilDepth, tinyModel, types } from '../helpers/world.js';

// World: MKWRITE mode, PTEs start read-only (vmwgfx after wp), user 0 writes vpn 0 on CPU 0;
// thread 1 is a vmwgfx-mkwrite scan (holds the driver lock across its helper call).
const mk = (faultPath: 'faithful' | 'atomic' = 'faithful') =>
  tinyModel({
    mode: 'mkwrite',
    initialPte: 'readonly',
    faultPath,
    callers: [{ protocol: 'vmwgfx-mkwrite' }],
  });

function toFault(faultPath: 'faithful' | 'atomic' = 'faithful') {
  const model = mk(faultPath);
  const s = freshState(model);
  step(model, s, 0); // user → access
  const ev = step(model, s, 0); // store faults
  expect(types(ev)).toContain('thread/call');
  expect(s.threads[0]?.stack.map((f) => f.fn)).toEqual(['user', 'access', 'fault']);
  return {
    model,
    s,
    ptl: ptlLock(layoutOf(model.scenario), 0, 0),
    driver: layoutOf(model.scenario).driverLock,
  };
}

describe('write fault on a VM_SHARED pfn mapping (docs/rules/fault.md §4)', () => {
  it('F1: orig_pte is read without the PTL, and a PTE changed before the PTL is taken means retry', () => {
    const { model, s, ptl } = toFault();
    const enter = step(model, s, 0);
    expect(types(enter)).toEqual(['fault/enter', 'thread/set', 'thread/goto']);
    expect(s.locks[ptl]?.owner).toBe(-1);
    s.mms[0]!.ptes[0] = pteWithPfn(0, PTE_PRESENT | PTE_WRITE); // someone changed it meanwhile
    const ev = step(model, s, 0);
    expect(ev.some((e) => e.type === 'pte/set')).toBe(false);
    expect(ev.find((e) => e.type === 'fault/exit')).toMatchObject({ result: 'retry' });
    expect(s.threads[0]?.stack.map((f) => f.fn)).toEqual(['user', 'access']);
  });

  it('F3: wp_pfn_shared drops the PTL before ->pfn_mkwrite', () => {
    const { model, s, ptl } = toFault();
    step(model, s, 0); // enter
    const ev = step(model, s, 0); // take PTL, !pte_write → unlock, go to pfn_mkwrite
    expect(types(ev)).toEqual(['lock/acquire', 'lock/release', 'thread/goto']);
    expect(s.locks[ptl]?.owner).toBe(-1);
    expect(s.threads[0]?.stack.at(-1)?.pc).toBe(2);
  });

  it('F2: ->pfn_mkwrite holds no PTL and blocks on the driver lock (vmw_bo_vm_mkwrite reserves the BO)', () => {
    const { model, s, driver } = toFault();
    step(model, s, 0);
    step(model, s, 0);
    s.locks[driver]!.owner = 1; // the scan holds the BO lock
    expect(options(model, s, 0)).toBe(0);
    s.locks[driver]!.owner = -1;
    const ev = step(model, s, 0);
    expect(ev).toContainEqual({ type: 'bitmap/set', tid: 0, bm: 0, bit: 0 }); // V4: MKWRITE records the page
  });

  it('F3: between ->pfn_mkwrite and finish_mkwrite_fault a helper may take the PTL; finish then retries', () => {
    const { model, s, ptl } = toFault();
    step(model, s, 0);
    step(model, s, 0);
    step(model, s, 0); // pfn_mkwrite done, PTE still read-only
    expect(s.locks[ptl]?.owner).toBe(-1);
    s.mms[0]!.ptes[0] = PTE_NONE; // a helper's ptep_modify_prot_start (P1) in the window
    const ev = step(model, s, 0);
    expect(ev.find((e) => e.type === 'fault/exit')).toMatchObject({ result: 'retry' });
    expect(ev.some((e) => e.type === 'pte/set')).toBe(false);
  });

  it('finish_mkwrite_fault → wp_page_reuse makes the PTE writable, dirty and young; F5: the access is retried', () => {
    const { model, s } = toFault();
    step(model, s, 0);
    step(model, s, 0);
    step(model, s, 0);
    const ev = step(model, s, 0);
    const set = ev.find((e) => e.type === 'pte/set');
    expect(set).toMatchObject({ fn: 'wp_page_reuse', src: 'sw' });
    expect(model.arch.pteWrite(s.mms[0]!.ptes[0]!)).toBe(true);
    expect(model.arch.pteDirty(s.mms[0]!.ptes[0]!)).toBe(true);
    const retry = step(model, s, 0); // the access runs again and completes (X86-W3)
    expect(types(retry)).toContain('mem/store');
    expect(s.pages[0]?.version).toBe(1);
  });

  it('F4: a write fault on a pte_write PTE (stale read-only TLB entry) marks it dirty under the PTL', () => {
    const model = mk();
    const s = freshState(model);
    s.mms[0]!.ptes[0] = pteWithPfn(0, PTE_PRESENT | PTE_WRITE);
    s.tlbs[0]!.push({ mm: 0, vpn: 0, pfn: 0, w: 0, d: 0, susp: 0 });
    step(model, s, 0);
    step(model, s, 0); // store through the read-only entry faults
    step(model, s, 0); // enter
    const ev = step(model, s, 0);
    expect(ev.find((e) => e.type === 'pte/set')).toMatchObject({
      fn: 'ptep_set_access_flags',
      src: 'sw',
    });
    expect(s.mms[0]!.ptes[0]! & PTE_HWDIRTY).toBe(PTE_HWDIRTY);
  });

  it('P4: a fault waiting for the PTL is not enabled while a helper holds it between prot_start and commit', () => {
    const { model, s, ptl } = toFault();
    step(model, s, 0); // enter (orig read)
    s.locks[ptl]!.owner = 1;
    expect(options(model, s, 0)).toBe(0);
  });

  it('do_fault on a none PTE inserts a read-only PTE in MKWRITE mode (V3) under the driver lock and PTL', () => {
    const { model, s } = toFault();
    s.mms[0]!.ptes[0] = PTE_NONE;
    step(model, s, 0); // enter: orig none → do_fault
    const ev = step(model, s, 0);
    expect(types(ev)).toEqual([
      'lock/acquire',
      'lock/acquire',
      'pte/set',
      'lock/release',
      'lock/release',
      'fault/exit',
      'thread/return',
    ]);
    expect(model.arch.pteWrite(s.mms[0]!.ptes[0]!)).toBe(false);
  });

  it('atomic fault path: the whole handler is one step under the PTL (the SPIN anchor granularity)', () => {
    const { model, s } = toFault('atomic');
    const ev = stepUntilDepth(model, s, 0, 2, 1);
    expect(types(ev).filter((t) => t !== 'lock/acquire' && t !== 'lock/release')).toEqual([
      'fault/enter',
      'bitmap/set',
      'bounds/set',
      'pte/set',
      'fault/exit',
      'thread/return',
    ]);
  });

  it('a write to a VMA without VM_WRITE ends in SIGSEGV and the access is abandoned', () => {
    const model = tinyModel({
      initialPte: 'readonly',
      vmas: [{ start: 0, pgoff: 0, npages: 2, flags: ['shared', 'maywrite', 'io', 'pfnmap'] }],
    });
    const s = freshState(model);
    step(model, s, 0);
    step(model, s, 0);
    step(model, s, 0);
    const ev = step(model, s, 0);
    expect(ev.find((e) => e.type === 'fault/exit')).toMatchObject({ result: 'sigsegv' });
    expect(s.threads[0]?.stack.map((f) => f.fn)).toEqual(['user']);
  });
});
