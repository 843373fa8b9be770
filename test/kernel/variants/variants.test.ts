import { describe, expect, it } from 'vitest';
import {
  getVariant,
  listVariants,
  makeModel,
  runModel,
  type SimEvent,
} from '../../../src/index.js';
import { builtin } from '../../helpers/scenarios.js';
import {
  freshState,
  options,
  step,
  stepUntilDepth,
  tinyModel,
  types,
} from '../../helpers/world.js';

const CALLER = 2;
const idleAnd = (writer: { op: 'write'; vpn: number }[]) => [{ cpu: 0 }, { cpu: 1, ops: writer }];
const violated = (id: string, model: ReturnType<typeof makeModel>, seeds: number[]) =>
  seeds.filter((seed) =>
    runModel(model, { seed }).verdicts.some((v) => v.id === id && v.ok === false),
  );
const seeds = (n: number) => Array.from({ length: n }, (_, i) => i + 1);

/** Step the caller until its next step would be the write-back / commit of vpn 0 (helper pc 4). */
function toWriteBack(
  model: ReturnType<typeof tinyModel>,
  s: ReturnType<typeof freshState>,
): SimEvent[] {
  const ev: SimEvent[] = [];
  for (let i = 0; i < 10; i++) {
    const top = s.threads[CALLER]?.stack.at(-1);
    if (top?.fn === 'helper' && top.pc === 4) return ev;
    ev.push(...step(model, s, CALLER));
  }
  throw new Error('helper did not reach pc 4');
}

describe('the registry lists every helper variant of issue 3', () => {
  it('seed-v4, upstream and the three counterfactuals, counterfactuals flagged', () => {
    expect(listVariants().map((v) => v.name)).toEqual([
      'seed-v4',
      'upstream',
      'naive-rmw',
      'flush-under-ptl',
      'no-flush-pending',
    ]);
    for (const n of ['naive-rmw', 'flush-under-ptl', 'no-flush-pending'])
      expect(getVariant(n).counterfactual).toBe(true);
  });
});

describe('naive-rmw (docs/rules/ptep.md §2, the SPIN anchor NAIVE)', () => {
  it('reads without ptep_modify_prot_start and writes back with set_pte_at in a later step, PTL held', () => {
    const model = tinyModel({
      variant: 'naive-rmw',
      users: idleAnd([]),
      callers: [{ protocol: 'snap' }],
    });
    const s = freshState(model);
    const ev = stepUntilDepth(model, s, CALLER, 1);
    const sets = ev.filter((e) => e.type === 'pte/set');
    expect(sets.every((e) => e.type === 'pte/set' && e.fn === 'set_pte_at')).toBe(true);
    expect(sets.length).toBe(2);
  });
  it('X86-W3 between the read and the write-back: the write-back stores the stale clean value and D is lost on x86-64', () => {
    const model = tinyModel({
      variant: 'naive-rmw',
      users: idleAnd([{ op: 'write', vpn: 0 }]),
      callers: [{ protocol: 'snap' }],
    });
    const s = freshState(model);
    toWriteBack(model, s);
    step(model, s, 1); // writer: call access
    const store = step(model, s, 1); // X86-W3 sets D in the live PTE: the PTL does not stop the MMU
    expect(store.find((e) => e.type === 'pte/set')).toMatchObject({ src: 'hw' });
    expect(model.arch.pteDirty(s.mms[0]!.ptes[0]!)).toBe(true);
    step(model, s, CALLER); // set_pte_at(wrprotect(value read before the store))
    expect(s.pages[0]?.version).toBe(1);
    expect(model.arch.pteDirty(s.mms[0]!.ptes[0]!)).toBe(false);
  });
  it('the same interleaving cannot happen on arm64-nodbm: the write faults and waits for the PTL (SWD-2)', () => {
    const model = tinyModel({
      arch: 'arm64-nodbm',
      variant: 'naive-rmw',
      users: idleAnd([{ op: 'write', vpn: 0 }]),
      callers: [{ protocol: 'snap' }],
    });
    const s = freshState(model);
    toWriteBack(model, s);
    step(model, s, 1);
    const access = step(model, s, 1);
    expect(access.some((e) => e.type === 'pte/set')).toBe(false);
    step(model, s, 1); // fault entry: lockless read of orig_pte
    expect(options(model, s, 1)).toBe(0); // blocked on the PTL the helper holds
  });
  it('seeded random runs of naive-rmw-dirty lose a dirty bit on x86-64 but never on arm64-nodbm', () => {
    const sc = builtin('naive-rmw-dirty');
    expect(
      violated('dirty-bit-lost', makeModel(sc, { arch: 'x86-64' }), seeds(30)).length,
    ).toBeGreaterThan(0);
    expect(violated('dirty-bit-lost', makeModel(sc, { arch: 'arm64-nodbm' }), seeds(150))).toEqual(
      [],
    );
  });
  it('upstream (ptep_modify_prot_start/commit) keeps it on x86-64 with the same seeds', () => {
    const sc = builtin('naive-rmw-dirty');
    expect(
      violated(
        'dirty-bit-lost',
        makeModel(sc, { arch: 'x86-64', variant: 'upstream' }),
        seeds(150),
      ),
    ).toEqual([]);
  });
});

describe('flush-under-ptl (the review suggestion)', () => {
  it('flushes every changed PTE on all CPUs before releasing its PTL, and nothing at post_vma', () => {
    const model = tinyModel({
      variant: 'flush-under-ptl',
      ptesPerTable: 1,
      users: idleAnd([]),
      callers: [{ protocol: 'snap' }],
    });
    const s = freshState(model);
    const ev = stepUntilDepth(model, s, CALLER, 1);
    const t = types(ev).filter((x) => /^(flush|lock|pte)\//.test(x) || x === 'notifier/end');
    const firstRelease = t.indexOf('lock/release', t.indexOf('pte/set'));
    expect(t.slice(0, firstRelease)).toContain('flush/done');
    expect(
      ev
        .filter((e) => e.type === 'flush/start')
        .map((e) => (e.type === 'flush/start' ? e.to - e.from : 0)),
    ).toEqual([1, 1]);
    expect(t.lastIndexOf('flush/done')).toBeLessThan(t.lastIndexOf('lock/release'));
  });
  it('S-10 cannot happen: concurrent write-protects keep wrprotect-post where seed-v4 breaks it', () => {
    const sc = builtin('seed-concurrent-wrprotect');
    expect(
      violated('wrprotect-post', makeModel(sc, { variant: 'seed-v4' }), seeds(40)).length,
    ).toBeGreaterThan(0);
    expect(
      violated('wrprotect-post', makeModel(sc, { variant: 'flush-under-ptl' }), seeds(150)),
    ).toEqual([]);
  });
});

describe('no-flush-pending (upstream without inc/dec_tlb_flush_pending)', () => {
  it('never touches tlb_flush_pending', () => {
    const model = tinyModel({
      variant: 'no-flush-pending',
      users: idleAnd([]),
      callers: [{ protocol: 'snap' }],
    });
    const ev = stepUntilDepth(model, freshState(model), CALLER, 1);
    expect(ev.some((e) => e.type === 'pending/inc' || e.type === 'pending/dec')).toBe(false);
    expect(types(ev)).toContain('flush/done');
  });
  it('S-10 comes back: mm_tlb_flush_nested() never sees the other caller', () => {
    const sc = builtin('seed-concurrent-wrprotect');
    expect(
      violated('wrprotect-post', makeModel(sc, { variant: 'no-flush-pending' }), seeds(40)).length,
    ).toBeGreaterThan(0);
    expect(violated('wrprotect-post', makeModel(sc, { variant: 'upstream' }), seeds(150))).toEqual(
      [],
    );
  });
});
