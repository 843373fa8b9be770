import { describe, expect, it } from 'vitest';
import { runModel, type SimEvent } from '../../src/index.js';
import { freshState, step } from '../helpers/world.js';
import { modelOf } from './actorWorld.js';

// A device write to a VMA that mprotect made read-only: hmm_vma_fault answers -EPERM (no
// VM_WRITE) and the store fails. Before, the device retried through the CPU fault path, which
// answers SIGSEGV every time, so a run with an mprotect thread and a device never ended.
describe('device store on a read-only VMA (hmm_vma_fault -EPERM)', () => {
  const model = modelOf({
    pages: 2,
    cpus: 2,
    variant: 'upstream',
    mms: [{ vmas: [{ start: 0, pgoff: 0, npages: 2, flags: ['shared', 'write', 'maywrite'] }] }],
    initialPte: 'writable-dirty',
    driver: { mode: 'mkwrite', initialBitmap: 'all' },
    secondaryMmus: [{ mm: 0 }],
    threads: [
      { kind: 'user', cpu: 0, writes: 2 },
      { kind: 'device', sub: 0, writes: 3 },
      { kind: 'mprotect', cpu: 1 },
      { kind: 'drain', cpu: 0, protocol: 'snap' },
    ],
  });

  it('every seeded run ends (the failed stores are given up, not retried forever)', () => {
    for (let seed = 1; seed <= 20; seed++) {
      const r = runModel(model, { seed, maxSteps: 5000 });
      expect(r.end, `seed ${seed}`).toBe('done');
      expect(r.steps).toBeLessThan(400);
    }
  });

  it('after mprotect(PROT_READ) returned, every device store fails without a fault', () => {
    const s = freshState(model);
    while (s.threads[2]!.stack.length > 0) step(model, s, 2);
    const ev: SimEvent[] = [];
    for (let i = 0; i < 200 && s.threads[1]!.stack.length > 0; i++) ev.push(...step(model, s, 1));
    expect(s.threads[1]!.stack).toEqual([]); // the device finished: no endless retry
    expect(ev.some((e) => e.type === 'mem/store')).toBe(false);
    expect(ev.some((e) => e.type === 'fault/enter')).toBe(false);
  });
});
