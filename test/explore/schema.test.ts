import { describe, expect, it } from 'vitest';
import {
  applyEvent,
  getArch,
  initialMutableState,
  layoutOf,
  makeModel,
  runModel,
  STATE_SCHEMA,
  type Part,
  type SimEvent,
  type SimState,
} from '../../src/index.js';
import { compileStateOps, STATE_OPS } from '../../src/explore/stateOps.js';
import { Fingerprint } from '../../src/explore/stateHash64.js';
import { permute } from '../../src/explore/symmetry.js';
import { diffStates } from '../../src/analysis/diffState.js';
import { builtin } from '../helpers/scenarios.js';

/**
 * A state part added through the schema only (src/state/schema.ts) gets the explorer's fast
 * paths and symmetry: copy, copy-on-write, fingerprint, shape check, permutation and diff are
 * all derived from its description, with no code naming it.
 */
const waiters: Part = {
  key: 'waiters',
  per: 'cpu',
  shape: {
    t: 'record',
    fields: [
      { key: 'holder', shape: { t: 'int', id: 'tid' } },
      { key: 'count', shape: { t: 'int' } },
    ],
  },
  touchedBy: { 'x/wait': 'cpu' },
  section: 'waiters',
  label: 'cpu',
  path: 'waiter',
};
const schema = [...STATE_SCHEMA, waiters];
const ops = compileStateOps(schema);

type WithWaiters = ReturnType<typeof initialMutableState> & {
  waiters: { holder: number; count: number }[];
};

/** A mid-run state of a scenario with two CPUs, with the synthetic part added. */
function stateWithWaiters(): WithWaiters {
  const model = makeModel(builtin('seed-concurrent-wrprotect'));
  const events: SimEvent[] = [];
  runModel(model, { seed: 3, properties: [], maxSteps: 40 }, (e) => events.push(e));
  const s = initialMutableState(model.scenario);
  for (const e of events) applyEvent(s, e);
  expect(s.tlbs.length).toBe(2);
  return {
    ...s,
    waiters: [
      { holder: 1, count: 2 },
      { holder: -1, count: 0 },
    ],
  };
}

describe('a state part added through the schema only', () => {
  it('is copied field by field, and copied on write only where its events touch it', () => {
    const s = stateWithWaiters();
    const c = ops.clone(s) as WithWaiters;
    expect(c).toEqual(s);
    expect(Object.keys(c)).toEqual(Object.keys(s));
    expect(c.waiters).not.toBe(s.waiters);
    expect(c.waiters[0]).not.toBe(s.waiters[0]);
    const plan = ops.planOf([{ type: 'x/wait', cpu: 1 } as unknown as SimEvent]);
    expect(plan[schema.indexOf(waiters)]).toBe(1 << 1);
    const t = ops.cloneTouched(s, [
      { type: 'x/wait', cpu: 1 } as unknown as SimEvent,
    ]) as WithWaiters;
    expect(t).toEqual(s);
    expect(t.waiters[1]).not.toBe(s.waiters[1]);
    expect(t.waiters[0]).toBe(s.waiters[0]);
    expect(t.tlbs).toBe(s.tlbs);
    // The default schema does not know it: it would be deep-copied generically.
    expect(STATE_OPS.unknownRoots(s)).toEqual(['waiters']);
    expect(ops.unknownRoots(s)).toEqual([]);
  });

  it('has its shape checked', () => {
    const s = stateWithWaiters();
    ops.verify(s);
    (s.waiters[0] as Record<string, unknown>)['extra'] = 1;
    expect(() => ops.verify(s)).toThrow(/waiters objects/);
  });

  it('is fingerprinted: states differing only there differ', () => {
    const s = stateWithWaiters();
    const f = new Fingerprint(ops);
    const a = f.of(s);
    const fa = [a.a, a.b];
    const same = f.of(structuredClone(s));
    expect([same.a, same.b]).toEqual(fa);
    const t = structuredClone(s);
    (t.waiters[1] as { count: number }).count = 1;
    const b = f.of(t);
    expect([b.a, b.b]).not.toEqual(fa);
  });

  it('is fingerprinted generically by a schema that does not describe it', () => {
    const s = stateWithWaiters();
    const t = structuredClone(s);
    (t.waiters[1] as { count: number }).count = 1;
    // The first state fingerprinted has the unknown root field: every state is walked for it.
    const f = new Fingerprint();
    const a = f.of(s);
    const fa = [a.a, a.b];
    const b = f.of(t);
    expect([b.a, b.b]).not.toEqual(fa);
    // A field appearing after the first state is an error at the next shape check (every 256
    // states; the states between are hashed without it): the recipes write only described fields.
    const g = new Fingerprint();
    const { waiters: _, ...plain } = s;
    for (let i = 0; i < 256; i++) g.of(plain);
    expect(() => g.of(s)).toThrow(/root fields the schema does not describe \(waiters\)/);
  });

  it('is renamed by symmetry: moved with its CPU, its thread ids renamed', () => {
    const s = stateWithWaiters();
    const p = s.threads.map((_, t) => t);
    p[0] = 1;
    p[1] = 0;
    const out = permute(s as unknown as SimState, p, [1, 0], null, ops) as WithWaiters;
    // CPU 0's waiter (holder thread 1) is now CPU 1's, held by thread 0.
    expect(out.waiters).toEqual([
      { holder: -1, count: 0 },
      { holder: 0, count: 2 },
    ]);
    expect(out.tlbs[1]).toBe(s.tlbs[0]);
    // An involution: permuting back gives the state again.
    expect(permute(out as unknown as SimState, p, [1, 0], null, ops)).toEqual(s);
    // The image's fingerprint, computed without building it, is the built image's.
    const f = new Fingerprint(ops);
    const built = f.of(out);
    const want = [built.a, built.b];
    const direct = new Fingerprint(ops).ofPermuted(
      s as unknown as SimState,
      p,
      [1, 0],
      null,
      (_fn, l) => l,
    );
    expect([direct.a, direct.b]).toEqual(want);
    expect([f.of(s).a, f.b]).not.toEqual(want);
    // And the signature of a member does not see the renamed thread id.
    const none = () => undefined;
    const fixed = ~0b11;
    const sig = (state: WithWaiters, t: number, cpu: number): number => {
      const v = new Float64Array(1);
      ops.memberSigs([{ t, cpu, bm: 0 }], none, fixed, -1)(state as unknown as SimState, v, null);
      return v[0] as number;
    };
    expect(sig(s, 0, 0)).toBe(sig(out, 1, 1));
  });

  it('is diffed by name', () => {
    const model = makeModel(builtin('seed-concurrent-wrprotect'));
    const s = stateWithWaiters();
    const t = structuredClone(s);
    (t.waiters[1] as { holder: number }).holder = 0;
    const side = (state: SimState) => ({
      state,
      arch: getArch(model.scenario.arch),
      layout: layoutOf(model.scenario),
    });
    const d = diffStates(side(s as unknown as SimState), side(t as unknown as SimState), schema);
    expect(d).toEqual([{ path: 'cpu1.waiter.holder', a: 'none', b: 't0' }]);
    // Without the schema entry the diff falls back to generic paths.
    const g = diffStates(side(s as unknown as SimState), side(t as unknown as SimState));
    expect(g.map((c) => c.path)).toEqual(['waiters[1].holder']);
  });
});

/**
 * A part whose elements hold thread ids both in plain fields and in frame locals. Symmetry
 * hashes an image without renaming locals when no renaming of the group can change them
 * (`localsMoved` false, `ofRenamed` with null locals): such an element must still have its
 * plain fields renamed, and must not call the (absent) locals renamer. No built-in part is
 * like this today, so only a schema-added part exercises the path.
 */
const delegated: Part = {
  key: 'delegated',
  per: 'cpu',
  shape: {
    t: 'record',
    fields: [
      { key: 'fn', shape: { t: 'str' } },
      { key: 'owner', shape: { t: 'int', id: 'tid' } },
      { key: 'l', shape: { t: 'locals' } },
    ],
  },
  touchedBy: { 'x/delegate': 'cpu' },
  section: 'delegated',
  label: 'cpu',
  path: 'delegated',
};

describe('symmetry without renamed locals, on a part with ids in fields and in locals', () => {
  const ops2 = compileStateOps([...STATE_SCHEMA, delegated]);
  const state = (): SimState => {
    const { waiters: _w, ...s } = stateWithWaiters();
    const delegated = [
      { fn: 'user', owner: 1, l: [0, 0] },
      { fn: 'user', owner: -1, l: [0, 0] },
    ];
    return { ...s, delegated } as unknown as SimState;
  };

  it('renames the plain fields and hashes as the built image does (locals kept)', () => {
    const st = state();
    const p = st.threads.map((_, t) => t);
    p[0] = 1;
    p[1] = 0;
    const keep = (_fn: string, l: readonly number[]): readonly number[] => l;
    const built = ops2.permute(st, p, [1, 0], null, keep) as unknown as {
      delegated: { owner: number }[];
    };
    // CPU 0's element (owner thread 1) moves to CPU 1 and is owned by thread 0.
    expect(built.delegated.map((d) => d.owner)).toEqual([-1, 0]);
    const want = new Fingerprint(ops2).of(built as unknown as SimState);
    const r = ops2.renaming(p, [1, 0], null);
    // Twice: the first call fills the element caches, the second reads them.
    for (let i = 0; i < 2; i++) {
      const got = new Fingerprint(ops2).ofRenamed(st, r, null);
      expect([got.a, got.b]).toEqual([want.a, want.b]);
    }
    // The plain fields are what the image hash sees: without the owner renamed it differs.
    const unrenamed = new Fingerprint(ops2).of(st);
    expect([unrenamed.a, unrenamed.b]).not.toEqual([want.a, want.b]);
  });
});
