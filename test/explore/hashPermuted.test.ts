import { describe, expect, it } from 'vitest';
import { execute } from '../../src/explore/transition.js';
import { Fingerprint } from '../../src/explore/stateHash64.js';
import { Symmetry } from '../../src/explore/symmetry.js';
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
    const sym = Symmetry.of(model) as Symmetry;
    expect(sym).not.toBeNull();
    const checks = new Checks(model, [], true);
    const rng = new Prng(7);
    const en = { tids: [] as number[], opts: [] as number[] };
    let permuted = 0;
    let compared = 0;
    for (let run = 0; run < 30; run++) {
      let s = initialMutableState(model.scenario) as unknown as SimState;
      for (let step = 0; step < 200; step++) {
        enabledSteps(model, s, en);
        if (en.tids.length === 0) break;
        const k = rng.int(en.tids.length);
        const tid = en.tids[k] as number;
        const of = en.opts[k] as number;
        s = execute(model, checks, s, tid, rng.int(of), of, step).state as unknown as SimState;
        const direct = new Fingerprint();
        const isPermuted = sym.sortedFingerprint(s, undefined, direct);
        const img = sym.sortedImage(s);
        expect(isPermuted).toBe(img.permuted);
        const built = new Fingerprint().of(img.state);
        expect([direct.a, direct.b]).toEqual([built.a, built.b]);
        compared++;
        if (isPermuted) {
          permuted++;
          // The test tells a permuted image from the state itself.
          const plain = new Fingerprint().of(s);
          expect([plain.a, plain.b]).not.toEqual([built.a, built.b]);
        }
      }
    }
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
    const sym = Symmetry.of(model) as Symmetry;
    expect(sym.size).toBe(12);
    const checks = new Checks(model, [], true);
    const rng = new Prng(11);
    const en = { tids: [] as number[], opts: [] as number[] };
    let permuted = 0;
    let compared = 0;
    for (let run = 0; run < 40; run++) {
      let s = initialMutableState(model.scenario) as unknown as SimState;
      for (let step = 0; step < 150; step++) {
        enabledSteps(model, s, en);
        if (en.tids.length === 0) break;
        const k = rng.int(en.tids.length);
        const tid = en.tids[k] as number;
        const of = en.opts[k] as number;
        s = execute(model, checks, s, tid, rng.int(of), of, step).state as unknown as SimState;
        const img = sym.sortedImage(s);
        const direct = new Fingerprint();
        expect(sym.sortedFingerprint(s, undefined, direct)).toBe(img.permuted);
        const built = new Fingerprint().of(img.state);
        expect([direct.a, direct.b]).toEqual([built.a, built.b]);
        // Signatures do not see renamed ids, so the sorted image is already sorted.
        expect(sym.sortedImage(img.state).permuted).toBe(false);
        compared++;
        if (img.permuted) permuted++;
      }
    }
    expect(compared).toBeGreaterThan(1000);
    expect(permuted).toBeGreaterThan(compared / 4);
  });
});
