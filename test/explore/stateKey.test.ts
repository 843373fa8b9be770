import { describe, expect, it } from 'vitest';
import {
  applyEvent,
  initialMutableState,
  makeModel,
  runModel,
  type SimEvent,
  type SimState,
} from '../../src/index.js';
import { ShapeTable } from '../../src/explore/stateKey.js';
import { Fingerprint, FingerprintSet } from '../../src/explore/stateHash64.js';
import { STATE_OPS } from '../../src/explore/stateOps.js';
import { STATE_SCHEMA } from '../../src/state/schema.js';
import { builtin, builtinNames } from '../helpers/scenarios.js';

/** States seen along random runs of a built-in scenario (S-10 world: TLBs, frames, locks). */
function statesOf(name: string, seeds: number): SimState[] {
  const model = makeModel(builtin(name));
  const out: SimState[] = [];
  for (let seed = 1; seed <= seeds; seed++) {
    const events: SimEvent[] = [];
    runModel(model, { seed, properties: [] }, (e) => events.push(e));
    const s = initialMutableState(model.scenario);
    for (const e of events) {
      applyEvent(s, e);
      if (e.type === '@sim/sched') out.push(structuredClone(s) as unknown as SimState);
    }
  }
  return out;
}

describe('state keys, fingerprints and clones', () => {
  const states = statesOf('seed-concurrent-wrprotect', 5);

  it('decode(encode(state)) deep-equals the state', () => {
    const t = new ShapeTable();
    for (const s of states) expect(t.decode(t.encode(s))).toEqual(s);
  });

  it('equal states get equal keys and fingerprints, different states different ones', () => {
    const t = new ShapeTable();
    const f = new Fingerprint();
    const byKey = new Map<string, string>();
    for (const s of states) {
      const k = t.encode(s);
      f.of(s);
      const fp = `${f.a}:${f.b}`;
      const seen = byKey.get(k);
      if (seen !== undefined) expect(fp).toBe(seen);
      byKey.set(k, fp);
    }
    expect(new Set(byKey.values()).size).toBe(byKey.size);
    expect(byKey.size).toBeGreaterThan(20);
  });

  it('the fingerprint set stores and finds 64-bit values across growth', () => {
    const set = new FingerprintSet(4);
    for (let i = 0; i < 1000; i++) expect(set.add(i * 7919, -i)).toBe(true);
    for (let i = 0; i < 1000; i++) expect(set.add(i * 7919, -i)).toBe(false);
    expect(set.has(5, 5)).toBe(false);
    expect(set.size).toBe(1000);
  });

  it('the schema clone copies deeply and keeps key order', () => {
    for (const s of states.slice(0, 50)) {
      const c = STATE_OPS.clone(s);
      expect(c).toEqual(s);
      expect(Object.keys(c)).toEqual(Object.keys(s));
      (c.pages[0] as { version: number }).version += 1;
      expect(c).not.toEqual(s);
    }
  });

  it('refuses a state whose known objects grew a field it would not walk', () => {
    const s = structuredClone(states[3]) as unknown as {
      tlbs: Record<string, unknown>[][];
      pages: Record<string, unknown>[];
    };
    STATE_OPS.verify(s as unknown as SimState);
    (s.pages[0] as Record<string, unknown>)['extra'] = 1;
    expect(() => STATE_OPS.verify(s as unknown as SimState)).toThrow(/pages objects/);
  });
});

describe('symmetry bookkeeping', () => {
  it("renames the helper frame bitmap slot the helper machine declares (its 'bm' local)", async () => {
    const { HELPER, helperArgs, helperProgram } = await import('../../src/kernel/helper.js');
    const { permute } = await import('../../src/explore/symmetry.js');
    const l = HELPER.args(helperArgs('clean', 0, 1, 7));
    const slots = helperProgram.ids?.bitmap ?? [];
    expect(slots.map((k) => l[k])).toEqual([7]);
    expect(slots).toEqual([HELPER.slot.bm]);
    // A helper frame holding bitmap 1 gets bitmap 2 when bitmaps 1 and 2 swap.
    const s = structuredClone(states3()) as unknown as ReturnType<typeof initialMutableState>;
    const slot = slots[0] as number;
    const frame = { fn: 'helper', pc: 1, l: HELPER.args(helperArgs('clean', 0, 1, 1)) };
    s.threads[0] = { stack: [...(s.threads[0]?.stack ?? []), frame] };
    s.bitmaps = [[0], [1], [0]];
    const ident = s.threads.map((_, t) => t);
    const cpus = s.tlbs.map((_, c) => c);
    const out = permute(s as unknown as SimState, ident, cpus, [0, 2, 1]);
    const top = out.threads[0]?.stack.at(-1);
    expect(top?.l[slot]).toBe(2);
    expect(out.bitmaps).toEqual([[0], [0], [1]]);
    expect(s.threads[0]?.stack.at(-1)?.l[slot]).toBe(1);
  });
});

describe('what recipes touch (the explorer relies on it)', () => {
  it('only thread/* events touch threads, each only its own (copy-on-write shares the others)', async () => {
    const { Footprints } = await import('../../src/explore/footprint.js');
    const fp = new Footprints();
    const names = builtinNames();
    let checked = 0;
    for (const name of names) {
      const model = makeModel(builtin(name));
      for (let seed = 1; seed <= 3; seed++) {
        const events: SimEvent[] = [];
        runModel(model, { seed, properties: [], maxSteps: 400 }, (e) => events.push(e));
        const s = initialMutableState(model.scenario);
        for (const e of events) {
          const touched = new Set<number>();
          fp.track(s as unknown as SimState, touched, (v) =>
            applyEvent(v as unknown as typeof s, e),
          );
          const threadIds = [...touched]
            .map(
              (id) =>
                [...(fp as unknown as { ids: Map<string, number> }).ids].find(
                  ([, v]) => v === id,
                )?.[0] ?? '',
            )
            .filter((n) => n.startsWith('threads'));
          const own = e.type.startsWith('thread/') ? [`threads.${(e as { tid: number }).tid}`] : [];
          for (const r of threadIds) expect(own, `${name}: ${e.type} touched ${r}`).toContain(r);
          checked++;
        }
      }
    }
    expect(checked).toBeGreaterThan(1000);
  });
});

describe('copy-on-write successors (cloneTouched)', () => {
  it('planOf lists every part a recipe touches, on every built-in scenario', async () => {
    const { Footprints } = await import('../../src/explore/footprint.js');
    const { planOf } = await import('../../src/explore/cloneTouched.js');
    const fp = new Footprints();
    const ids = (fp as unknown as { ids: Map<string, number> }).ids;
    const roots = STATE_SCHEMA.map((p) => p.key);
    const seenParts = new Set<string>();
    const names = builtinNames();
    // Every built-in scenario, plus per-CPU flush bookkeeping (T2 lazy CPU, T3 nosync TLBI).
    const seed = builtin('seed-concurrent-wrprotect');
    const models = [
      ...names.map((n) => [n, makeModel(builtin(n))] as const),
      [
        'lazy CPU 1',
        makeModel({ ...seed, options: { ...seed.options, arch: { lazyCpus: '1' } } }),
      ] as const,
      [
        'arm64 nosync',
        makeModel(
          { ...seed, options: { ...seed.options, arch: { tlbi: 'nosync' } } },
          {
            arch: 'arm64-dbm',
          },
        ),
      ] as const,
    ];
    let checked = 0;
    for (const [name, model] of models) {
      for (let seed = 1; seed <= 3; seed++) {
        const events: SimEvent[] = [];
        runModel(model, { seed, properties: [], maxSteps: 400 }, (e) => events.push(e));
        const s = initialMutableState(model.scenario);
        for (const e of events) {
          const touched = new Set<number>();
          fp.track(s as unknown as SimState, touched, (v) =>
            applyEvent(v as unknown as typeof s, e),
          );
          const plan = planOf([e]);
          for (const id of touched) {
            const path = [...ids].find(([, v]) => v === id)?.[0] ?? '';
            const [root, index] = path.split('.');
            const r = roots.indexOf(root ?? '');
            const part = STATE_SCHEMA[r];
            // Scalars are always copied; every other part must be planned.
            if (!part || (part.per === undefined && part.shape.t === 'int')) continue;
            seenParts.add(part.key);
            const m = plan[r] as number;
            const copied =
              part.per === undefined
                ? m !== 0
                : m === -1 || (index !== '*' && (m & (1 << Number(index))) !== 0);
            expect(copied, `${name}: ${e.type} touched ${path}`).toBe(true);
          }
          checked++;
        }
      }
    }
    // Every changeable part was exercised (including the later ones: cpus, PG_dirty, ubc, VM_WRITE).
    for (const p of STATE_SCHEMA)
      if (!(p.per === undefined && p.shape.t === 'int')) expect(seenParts).toContain(p.key);
    expect(checked).toBeGreaterThan(1000);
  });

  it('a successor built by cloneTouched never changes its parent, on every built-in scenario', async () => {
    const { cloneTouched } = await import('../../src/explore/cloneTouched.js');
    const { decide, stepOptions } = await import('../../src/sim/decide.js');
    const names = builtinNames();
    let checked = 0;
    for (const name of names) {
      const model = makeModel(builtin(name));
      const events: SimEvent[] = [];
      runModel(model, { seed: 2, properties: [], maxSteps: 300 }, (e) => events.push(e));
      let s = initialMutableState(model.scenario);
      for (const e of events) {
        if (e.type !== '@sim/sched') continue;
        const n = stepOptions(model, s as unknown as SimState, e.tid);
        // Every alternative of this thread from here: the parent must stay as it was.
        for (let c = 0; c < Math.max(1, n); c++) {
          const step = decide(model, s as unknown as SimState, e.tid, c);
          const before = structuredClone(s);
          const want = structuredClone(s);
          for (const x of step) applyEvent(want, x);
          const child = cloneTouched(s, step);
          for (const x of step) applyEvent(child, x);
          expect(s, `${name}: ${step.map((x) => x.type).join(',')}`).toEqual(before);
          expect(child).toEqual(want);
          checked++;
        }
        const next = cloneTouched(s, decide(model, s as unknown as SimState, e.tid, 0));
        for (const x of decide(model, s as unknown as SimState, e.tid, 0)) applyEvent(next, x);
        s = next;
      }
    }
    expect(checked).toBeGreaterThan(300);
  });

  it('shares what the events do not touch and copies what they do', async () => {
    const { cloneTouched } = await import('../../src/explore/cloneTouched.js');
    const s = structuredClone(states3()) as unknown as ReturnType<typeof initialMutableState>;
    const c = cloneTouched(s, [
      { type: 'thread/goto', tid: 1, pc: 3 },
      { type: 'pte/set', tid: 1, mm: 0, vpn: 0, pte: 0, src: 'sw', fn: 'x' },
    ]);
    expect(c).toEqual(s);
    expect(Object.keys(c)).toEqual(Object.keys(s));
    expect(c.threads[1]).not.toBe(s.threads[1]);
    expect(c.threads[0]).toBe(s.threads[0]);
    expect(c.mms[0]).not.toBe(s.mms[0]);
    expect(c.mms[0]?.ptes).not.toBe(s.mms[0]?.ptes);
    expect(c.tlbs).toBe(s.tlbs);
    expect(c.locks).toBe(s.locks);
    // A planOf-unknown event copies everything.
    const all = cloneTouched(s, [{ type: 'nonsense' } as unknown as SimEvent]);
    expect(all.tlbs).not.toBe(s.tlbs);
    expect(all.threads[0]).not.toBe(s.threads[0]);
  });
});

function states3(): SimState {
  const model = makeModel(builtin('seed-concurrent-wrprotect'));
  const events: SimEvent[] = [];
  runModel(model, { seed: 3, properties: [], maxSteps: 40 }, (e) => events.push(e));
  const s = initialMutableState(model.scenario);
  for (const e of events) applyEvent(s, e);
  return s as unknown as SimState;
}
