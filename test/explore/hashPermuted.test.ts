import { describe, expect, it } from 'vitest';
import { execute } from '../../src/explore/transition.js';
import { Fingerprint } from '../../src/explore/stateHash64.js';
import { Symmetry } from '../../src/explore/symmetry.js';
import { STATE_OPS, fnHash } from '../../src/explore/stateOps.js';
import { STEP_MACHINES } from '../../src/kernel/programs.js';
import { Checks, enabledSteps, makeModel, initialMutableState, Prng } from '../../src/index.js';
import type { SimState } from '../../src/index.js';
import { spinScenario } from '../../tools/bench/spin/config.js';

/**
 * The explorer fingerprints a state's symmetry image without building it
 * (`Symmetry.sortedFingerprint`, the compiled `hashPermuted`): on states along random runs of
 * scenarios whose callers and writers (with their CPUs and private bitmaps) are interchangeable,
 * it must equal the fingerprint of the built image, or the visited set would merge or split
 * states differently from the images.
 */
/**
 * Every state along `runs` random runs of `model` (seeded, at most `steps` steps each), and the
 * model's symmetry; `visit` sees each.
 */
function walkStates(
  model: ReturnType<typeof makeModel>,
  seed: number,
  runs: number,
  steps: number,
  visit: (s: SimState, sym: Symmetry) => void,
): Symmetry {
  const sym = Symmetry.of(model) as Symmetry;
  expect(sym).not.toBeNull();
  const checks = new Checks(model, [], true);
  const rng = new Prng(seed);
  const en = { tids: [] as number[], opts: [] as number[] };
  for (let run = 0; run < runs; run++) {
    let s = initialMutableState(model.scenario) as unknown as SimState;
    for (let step = 0; step < steps; step++) {
      enabledSteps(model, s, en);
      if (en.tids.length === 0) break;
      const k = rng.int(en.tids.length);
      const tid = en.tids[k] as number;
      const of = en.opts[k] as number;
      s = execute(model, checks, s, tid, rng.int(of), of, step).state as unknown as SimState;
      visit(s, sym);
    }
  }
  return sym;
}

/**
 * The direct fingerprint of `s`'s sorted image equals the built image's; whether it moved.
 * `direct` is kept across a walk, as the explorer keeps its fingerprint: element hashes cached
 * on one state (and shared with the member signatures) are read on the next ones, while the
 * built image's signatures are computed uncached.
 */
function directMatchesBuilt(
  sym: Symmetry,
  s: SimState,
  direct: Fingerprint,
): { permuted: boolean; built: Fingerprint } {
  const img = sym.sortedImage(s);
  expect(sym.sortedFingerprint(s, undefined, direct)).toBe(img.permuted);
  const built = new Fingerprint().of(img.state);
  expect([direct.a, direct.b]).toEqual([built.a, built.b]);
  return { permuted: img.permuted, built };
}

describe('the fingerprint of a symmetry image, without building the image', () => {
  it.each(['wrprotect', 'clean'] as const)('equals the built image’s (%s mode)', (mode) => {
    const model = makeModel(
      spinScenario({
        mode,
        variant: 'MERGED',
        arch: 'A',
        callers: 2,
        pages: 2,
        cpus: 2,
        prop: 'DATA',
      }),
    );
    let permuted = 0;
    let compared = 0;
    const direct = new Fingerprint();
    walkStates(model, 7, 30, 200, (s, sym) => {
      const { permuted: moved, built } = directMatchesBuilt(sym, s, direct);
      // Signatures do not see renamed ids, so the sorted image is already sorted.
      expect(sym.sortedImage(sym.sortedImage(s).state).permuted).toBe(false);
      compared++;
      if (moved) {
        permuted++;
        // The test tells a permuted image from the state itself.
        const plain = new Fingerprint().of(s);
        expect([plain.a, plain.b]).not.toEqual([built.a, built.b]);
      }
    });
    expect(compared).toBeGreaterThan(1000);
    expect(permuted).toBeGreaterThan(compared / 10);
  });

  it('sorts groups of three: each image is its own sorted image, fingerprinted alike', () => {
    // Three writers on three CPUs (one group of 3, moving their CPUs' TLBs) and two callers.
    const model = makeModel(
      spinScenario({
        mode: 'wrprotect',
        variant: 'MERGED',
        arch: 'A',
        callers: 2,
        pages: 2,
        cpus: 3 as 2,
        prop: 'DATA',
      }),
    );
    let permuted = 0;
    let compared = 0;
    const direct = new Fingerprint();
    const sym = walkStates(model, 11, 40, 150, (s, sym) => {
      const { permuted: moved } = directMatchesBuilt(sym, s, direct);
      // Signatures do not see renamed ids, so the sorted image is already sorted.
      expect(sym.sortedImage(sym.sortedImage(s).state).permuted).toBe(false);
      compared++;
      if (moved) permuted++;
    });
    expect(sym.size).toBe(12);
    expect(compared).toBeGreaterThan(1000);
    expect(permuted).toBeGreaterThan(compared / 4);
  });
});

describe('the names of step machines in a fingerprint', () => {
  it('get the same id from the fingerprint and from the uncached signature path', () => {
    const f = new Fingerprint();
    for (const m of STEP_MACHINES) {
      expect(f.fnId(m.layout.name)).toBe(fnHash(m.layout.name));
      // Again, from the fingerprint's list of names seen.
      expect(f.fnId(m.layout.name)).toBe(fnHash(m.layout.name));
    }
    expect(new Set(STEP_MACHINES.map((m) => fnHash(m.layout.name))).size).toBe(
      STEP_MACHINES.length,
    );
  });
});

describe('a thread signature from the fingerprint cache (StateOps.contentHash)', () => {
  it('equals the uncached element hash: first look, from a fresh cache, and cached', () => {
    const model = makeModel(
      spinScenario({
        mode: 'wrprotect',
        variant: 'MERGED',
        arch: 'A',
        callers: 2,
        pages: 2,
        cpus: 2,
        prop: 'DATA',
      }),
    );
    const part = STATE_OPS.schema.findIndex((p) => p.key === 'threads');
    const kept = new Fingerprint();
    let compared = 0;
    walkStates(model, 3, 10, 100, (s) => {
      // Highest position first: a fresh cache must grow to hold it.
      for (let k = s.threads.length - 1; k >= 0; k--) {
        const el = s.threads[k];
        const want = STATE_OPS.contentHash(part, k, el, null);
        expect(STATE_OPS.contentHash(part, k, el, new Fingerprint())).toBe(want);
        expect(STATE_OPS.contentHash(part, k, el, kept)).toBe(want);
        expect(STATE_OPS.contentHash(part, k, el, kept)).toBe(want);
        compared++;
      }
    });
    expect(compared).toBeGreaterThan(1000);
  });
});
