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
import { cloneKnown, verifyKnownShapes } from '../../src/explore/knownShape.js';
import { builtin } from '../helpers/scenarios.js';

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

  it('cloneKnown copies deeply and keeps key order', () => {
    for (const s of states.slice(0, 50)) {
      const c = cloneKnown(s);
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
    verifyKnownShapes(s as unknown as SimState);
    (s.pages[0] as Record<string, unknown>)['extra'] = 1;
    expect(() => verifyKnownShapes(s as unknown as SimState)).toThrow(/page objects/);
  });
});

describe('symmetry bookkeeping', () => {
  it('renames the helper frame bitmap slot the kernel uses (HelperSlot.Bm)', async () => {
    const { HELPER_BM_SLOT } = await import('../../src/explore/symmetry.js');
    const { helperArgs } = await import('../../src/kernel/helper.js');
    const l = helperArgs('clean', 0, 1, 7);
    expect(l[HELPER_BM_SLOT]).toBe(7);
  });
});

describe('what recipes touch (the explorer relies on it)', () => {
  it('only thread/* events touch threads, each only its own (cloneKnown shares the others)', async () => {
    const { readdirSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { Footprints } = await import('../../src/explore/footprint.js');
    const fp = new Footprints();
    const names = readdirSync(join(import.meta.dirname, '..', '..', 'scenarios')).map((f) =>
      f.replace(/\.yaml$/, ''),
    );
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
