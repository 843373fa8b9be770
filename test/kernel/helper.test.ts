import { describe, expect, it } from 'vitest';
import { layoutOf, PTE_NONE, type SimEvent } from '../../src/index.js';
import { ptlLock } from '../../src/state/layout.js';
import { freshState, options, step, stepUntilDepth, tinyModel, types } from '../helpers/world.js';

// Two idle users on CPUs 0 and 1 (so mm_cpumask = {0,1}) and one caller (tid 2).
const idle = [{ cpu: 0 }, { cpu: 1 }];
const CALLER = 2;

function runHelper(
  opts: Parameters<typeof tinyModel>[0],
  prep?: (s: ReturnType<typeof freshState>) => void,
) {
  const model = tinyModel({ users: idle, ...opts });
  const s = freshState(model);
  prep?.(s);
  const ev = stepUntilDepth(model, s, CALLER, 1);
  return { model, s, ev };
}

const only = (ev: SimEvent[], keep: string[]) => types(ev).filter((t) => keep.includes(t));

describe('write-protect / clean helpers (docs/rules/helpers.md §1, H rules)', () => {
  it('H4: per VMA the order is notifier start → pending+1 → PTE changes → flush → notifier end → pending-1', () => {
    const { ev } = runHelper({ callers: [{ protocol: 'snap' }] });
    expect(
      only(ev, [
        'notifier/start',
        'pending/inc',
        'pte/set',
        'flush/start',
        'flush/done',
        'notifier/end',
        'pending/dec',
      ]),
    ).toEqual([
      'notifier/start',
      'pending/inc',
      'pte/set',
      'pte/set',
      'pte/set',
      'pte/set',
      'flush/start',
      'flush/done',
      'notifier/end',
      'pending/dec',
    ]);
  });

  it('H1: the i_mmap_rwsem is held for read from entry to exit; two helpers may hold it at once', () => {
    const model = tinyModel({ users: idle, callers: [{ protocol: 'snap' }, { protocol: 'snap' }] });
    const s = freshState(model);
    const immap = layoutOf(model.scenario).immapLock;
    step(model, s, 2); // snapshot + call
    step(model, s, 2); // helper entry
    step(model, s, 3);
    step(model, s, 3);
    expect(s.locks[immap]?.readers).toBe((1 << 2) | (1 << 3));
    s.locks[immap]!.owner = 9; // a writer (VMA link/unlink) would block new helpers
    s.locks[immap]!.readers = 0;
    const m2 = tinyModel({ users: idle, callers: [{ protocol: 'snap' }] });
    const s2 = freshState(m2);
    step(m2, s2, 2);
    s2.locks[immap]!.owner = 9;
    expect(options(m2, s2, 2)).toBe(0);
  });

  it('P1/P2: ptep_modify_prot_start leaves the PTE none under the PTL, commit stores wrprotect(old)', () => {
    const model = tinyModel({ users: idle, callers: [{ protocol: 'snap' }] });
    const s = freshState(model);
    const ptl = ptlLock(layoutOf(model.scenario), 0, 0);
    step(model, s, CALLER); // snap + call
    step(model, s, CALLER); // entry + notifier start
    step(model, s, CALLER); // pending inc
    const before = s.mms[0]!.ptes[0]!;
    const start = step(model, s, CALLER);
    expect(start.find((e) => e.type === 'pte/set')).toMatchObject({
      pte: PTE_NONE,
      fn: 'ptep_modify_prot_start',
    });
    expect(s.locks[ptl]?.owner).toBe(CALLER);
    const commit = step(model, s, CALLER);
    expect(commit.find((e) => e.type === 'pte/set')).toMatchObject({
      pte: model.arch.pteWrprotect(before, {}),
      fn: 'ptep_modify_prot_commit',
    });
  });

  it('H5: with one PTE per table each PTE is processed under its own PTL', () => {
    const { ev } = runHelper({ ptesPerTable: 1, callers: [{ protocol: 'snap' }] });
    const locks = ev
      .filter((e) => e.type === 'lock/acquire' && e.lock >= 2)
      .map((e) => (e.type === 'lock/acquire' ? e.lock : -1));
    expect(locks).toEqual([2, 3]);
  });

  it('H7: wp_pte changes only writable PTEs and counts them', () => {
    const { ev, model, s } = runHelper({ callers: [{ protocol: 'snap' }] }, (s) => {
      s.mms[0]!.ptes[1] = model0.arch.pteWrprotect(s.mms[0]!.ptes[1]!, {});
    });
    expect(
      ev
        .filter((e) => e.type === 'pte/set' && e.fn === 'ptep_modify_prot_commit')
        .map((e) => (e.type === 'pte/set' ? e.vpn : -1)),
    ).toEqual([0]);
    expect(ev.find((e) => e.type === 'helper/return')).toMatchObject({ total: 1 });
    expect(s.mms[0]!.ptes.every((p) => !model.arch.pteWrite(p))).toBe(true);
  });

  it('H8: clean_record_pte cleans only dirty PTEs and records each in the bitmap', () => {
    const { ev, s, model } = runHelper({ callers: [{ protocol: 'clean' }] }, (s) => {
      s.mms[0]!.ptes[1] = model0.arch.pteMkdirty(s.mms[0]!.ptes[1]!);
    });
    expect(ev.filter((e) => e.type === 'bitmap/set')).toEqual([
      { type: 'bitmap/set', tid: CALLER, bm: 1, bit: 1 },
    ]);
    expect(model.arch.pteDirty(s.mms[0]!.ptes[1]!)).toBe(false);
    expect(s.bitmaps[1]).toEqual([0, 1]);
  });

  it('H10: the clean helper widens the driver bitmap bounds [start, end) by each bit it sets', () => {
    const model = tinyModel({ users: idle, callers: [{ protocol: 'vmwgfx-pagetable' }] });
    const s = freshState(model);
    s.mms[0]!.ptes[1] = model.arch.pteMkdirty(s.mms[0]!.ptes[1]!);
    const ev: SimEvent[] = [];
    for (let i = 0; i < 200 && !ev.some((e) => e.type === 'helper/return'); i++)
      ev.push(...step(model, s, CALLER));
    expect(ev.filter((e) => e.type === 'bitmap/set')).toEqual([
      { type: 'bitmap/set', tid: CALLER, bm: 0, bit: 1 },
    ]);
    // None set on entry ((nr, 0) after the caller's reset), so the bounds become [1, 2).
    expect(ev.filter((e) => e.type === 'bounds/set').at(-1)).toMatchObject({ start: 1, end: 2 });
    expect(s.bounds).toMatchObject({ start: 1, end: 2 });
  });

  it('H9-v4: seed-v4 flushes only its window, and nothing when it changed nothing', () => {
    const one = runHelper({ callers: [{ protocol: 'snap' }] }, (s) => {
      s.mms[0]!.ptes[1] = model0.arch.pteWrprotect(s.mms[0]!.ptes[1]!, {});
    });
    expect(one.ev.find((e) => e.type === 'flush/start')).toMatchObject({ from: 0, to: 1 });
    const none = runHelper({ initialPte: 'readonly', callers: [{ protocol: 'snap' }] });
    expect(none.ev.some((e) => e.type === 'flush/start')).toBe(false);
  });

  it('H9: upstream flushes the whole clipped range when mm_tlb_flush_nested() (pending > 1)', () => {
    const nested = runHelper(
      { variant: 'upstream', initialPte: 'readonly', callers: [{ protocol: 'snap' }] },
      (s) => {
        s.mms[0]!.pending = 1; // another caller's deferred flush
      },
    );
    expect(nested.ev.find((e) => e.type === 'flush/start')).toMatchObject({ from: 0, to: 2 });
    const alone = runHelper({
      variant: 'upstream',
      initialPte: 'readonly',
      callers: [{ protocol: 'snap' }],
    });
    expect(alone.ev.some((e) => e.type === 'flush/start')).toBe(false);
  });

  it('H2/H3: upstream stops the whole walk at the first rejected VMA; seed-v4 skips it (H3-v4)', () => {
    const vmas = [
      { start: 0, pgoff: 0, npages: 2, flags: ['io', 'pfnmap'] }, // read-only fd: no VM_SHARED/VM_MAYWRITE
      { start: 2, pgoff: 0, npages: 2, flags: ['shared', 'write', 'maywrite', 'io', 'pfnmap'] },
    ];
    const up = runHelper({ variant: 'upstream', vmas, callers: [{ protocol: 'snap' }] });
    expect(up.ev.some((e) => e.type === 'notifier/start')).toBe(false);
    expect(up.ev.find((e) => e.type === 'helper/return')).toMatchObject({ total: 0 });
    const v4 = runHelper({ vmas, callers: [{ protocol: 'snap' }] });
    expect(v4.ev.find((e) => e.type === 'notifier/start')).toMatchObject({ from: 2, to: 4 });
  });

  it('H3-v4: seed-v4 reads vm_flags when it reaches the VMA, so a VMA mprotect made read-only is skipped', () => {
    const skipped = runHelper({ callers: [{ protocol: 'snap' }] }, (s) => {
      s.vmWrite = [[0]]; // mprotect(PROT_READ) already cleared VM_WRITE
    });
    expect(skipped.ev.some((e) => e.type === 'notifier/start')).toBe(false);
    const up = runHelper({ variant: 'upstream', callers: [{ protocol: 'snap' }] }, (s) => {
      s.vmWrite = [[0]]; // upstream tests VM_MAYWRITE, which mprotect leaves alone
    });
    expect(up.ev.some((e) => e.type === 'notifier/start')).toBe(true);
  });

  it('H3-v4: seed-v4 warns and skips a shared writable VMA without VM_IO', () => {
    const { ev } = runHelper({
      vmas: [{ start: 0, pgoff: 0, npages: 2, flags: ['shared', 'write', 'maywrite', 'pfnmap'] }],
      callers: [{ protocol: 'snap' }],
    });
    expect(types(ev)).toContain('warn');
    expect(ev.some((e) => e.type === 'notifier/start')).toBe(false);
  });

  it('T1: with the per-cpu flush each CPU shootdown is its own step, the caller waiting until all are done', () => {
    const model = tinyModel({ users: idle, callers: [{ protocol: 'snap' }] });
    const s = freshState(model);
    const steps: string[][] = [types(step(model, s, CALLER))];
    while ((s.threads[CALLER]?.stack.length ?? 0) > 1) steps.push(types(step(model, s, CALLER)));
    const i = steps.findIndex((t) => t.includes('flush/start'));
    expect(steps[i]?.filter((t) => t === 'tlb/flush')).toHaveLength(1);
    expect(steps[i + 1]).toEqual(expect.arrayContaining(['tlb/flush', 'flush/done']));
    const atomic = runHelper({ flush: 'atomic', callers: [{ protocol: 'snap' }] });
    expect(only(atomic.ev, ['tlb/flush']).length).toBe(2);
  });
});

const model0 = tinyModel({});
