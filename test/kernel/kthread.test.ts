import { describe, expect, it } from 'vitest';
import { explore, getProperty, makeModel, type Model, type SimState } from '../../src/index.js';
import { builtin } from '../helpers/scenarios.js';
import { freshState, step, types } from '../helpers/world.js';
import { modelOf } from './actorWorld.js';

// T9: a CPU switches from its user task to a kernel thread (lazy TLB on x86) after filling TLB
// entries, and back; T2: the catch-up on the way back.

/** Writer tid 0 on CPU 1 (writes vpn 0 twice), kthread tid 1 on CPU 1, snap caller tid 2 on CPU 0. */
function world(arch = 'x86-64', switches = 1): Model {
  return modelOf(
    {
      pages: 1,
      cpus: 2,
      variant: 'upstream',
      mms: [
        {
          vmas: [
            {
              start: 0,
              pgoff: 0,
              npages: 1,
              flags: ['shared', 'write', 'maywrite', 'io', 'pfnmap'],
            },
          ],
        },
      ],
      initialPte: 'writable-clean',
      driver: { mode: 'mkwrite', initialBitmap: 'all' },
      threads: [
        {
          kind: 'user',
          cpu: 1,
          ops: [
            { op: 'write', vpn: 0 },
            { op: 'write', vpn: 0 },
          ],
        },
        { kind: 'kthread', cpu: 1, switches },
        { kind: 'caller', cpu: 0, protocol: 'snap' },
        { kind: 'user', cpu: 0 },
      ],
    },
    { arch },
  );
}

/** The state without the per-CPU lazy/owed bookkeeping (what a kernel without T2 would see). */
function withoutCpus(state: SimState): SimState {
  const { cpus: _ignored, ...rest } = state;
  return rest;
}

/** Run the user's first write to completion (it fills CPU 1's TLB with a writable entry). */
function firstWrite(model: Model, s: ReturnType<typeof freshState>): void {
  while ((s.tlbs[1]?.length ?? 0) === 0) step(model, s, 0);
  while ((s.threads[0]?.stack.length ?? 0) > 1) step(model, s, 0);
}

describe('T9: a CPU switches to a kernel thread and back (lazy TLB)', () => {
  it('the kthread puts its CPU in lazy mode once per switch, a no-op while already lazy, and returns after `switches`', () => {
    const model = world('x86-64', 2);
    const s = freshState(model);
    expect(s.cpus?.[1]).toEqual({ lazy: 0, owed: 0 });
    expect(step(model, s, 1)).toContainEqual({ type: 'tlb/lazy', tid: 1, cpu: 1 });
    expect(s.cpus?.[1]?.lazy).toBe(1);
    const again = step(model, s, 1);
    expect(types(again)).not.toContain('tlb/lazy');
    expect(s.threads[1]?.stack.length).toBe(0);
  });

  it('after filling its TLB the CPU goes lazy; the write-protect flush skips it (tlb/defer); switching back drops the stale writable entry, so the next store faults', () => {
    const model = world();
    const s = freshState(model);
    firstWrite(model, s);
    expect(s.tlbs[1]?.[0]).toMatchObject({ vpn: 0, w: 1 });
    step(model, s, 1); // CPU 1 switches to the kernel thread
    const wp: string[] = [];
    while ((s.threads[2]?.stack.length ?? 0) > 0)
      for (const e of step(model, s, 2)) wp.push(`${e.type}${'cpu' in e ? e.cpu : ''}`);
    expect(wp).toContain('tlb/defer1');
    expect(wp).not.toContain('tlb/flush1');
    expect(s.tlbs[1]?.length).toBe(1); // still cached while lazy
    step(model, s, 0); // the second write: call access
    const access = step(model, s, 0);
    expect(access[0]).toEqual({ type: 'tlb/catchup', cpu: 1, mm: 0, why: 'switch' });
    expect(types(access)).not.toContain('mem/store'); // faults on the write-protected PTE
    expect(s.tlbs[1]?.length).toBe(0);
  });

  it('arm64 broadcasts the TLBI to the lazy CPU too (T3): nothing is deferred', () => {
    const model = world('arm64-dbm');
    const s = freshState(model);
    firstWrite(model, s);
    step(model, s, 1);
    const wp: string[] = [];
    while ((s.threads[2]?.stack.length ?? 0) > 0)
      for (const e of step(model, s, 2)) wp.push(`${e.type}${'cpu' in e ? e.cpu : ''}`);
    expect(wp).toContain('tlb/flush1');
    expect(wp).not.toContain('tlb/defer1');
  });

  it('exhaustive: the built-in lazy-switch scenarios hold, and lose writes when the switch back skips the tlb_gen catch-up (T2 broken)', () => {
    const props = ['lost-write', 'wrprotect-post'].map((id) => getProperty(id));
    for (const name of ['lazy-switch-pagetable', 'lazy-switch-mkwrite']) {
      const model = makeModel(builtin(name), { variant: 'seed-v4' });
      const ok = explore(model, { properties: props });
      expect(ok.verdict, name).toBe('holds');
      expect(ok.exhaustive).toBe(true);
      // A kernel whose switch_mm never compares tlb_gen: the access no longer sees the lazy/owed
      // bookkeeping, so the lazy CPU keeps storing through entries a skipped flush should have killed.
      const noCatchup: Model = {
        ...model,
        arch: {
          ...model.arch,
          store: (ctx) => model.arch.store({ ...ctx, state: withoutCpus(ctx.state) }),
          load: (ctx) => model.arch.load({ ...ctx, state: withoutCpus(ctx.state) }),
        },
      };
      const bad = explore(noCatchup, { properties: props });
      expect(bad.verdict, name).toBe('violated');
    }
  });

  it('T9 bad input: switches must be 1..8', () => {
    expect(() => world('x86-64', 0)).toThrow(/threads\[1\]\.switches/);
  });
});
