import { describe, expect, it } from 'vitest';
import {
  listArchs,
  listProperties,
  makeModel,
  parseScenario,
  runModel,
  type SimEvent,
} from '../../src/index.js';
import { lostWrite } from '../../src/check/lostWrite.js';
import { wrprotectPost } from '../../src/check/wrprotectPost.js';
import { builtin } from '../helpers/scenarios.js';
import { builders, mkwriteWorld, world } from './fixtures.js';
import { lostWriteMkwrite } from '../../src/check/lostWriteMkwrite.js';
import { ruleTester } from './ruleTester.js';

const SCENARIOS = ['seed-clean', 'seed-concurrent-wrprotect', 'seed-wrprotect-mkwrite'];
/** Properties about the model's own discipline: they must hold on every run of a shipped variant. */
const DISCIPLINE = listProperties()
  .map((p) => p.id)
  .filter((id) => id !== 'lost-write' && id !== 'wrprotect-post' && !id.startsWith('warn-'));

describe('every notifier-/lock-/flush-/clean- property holds on real runs of upstream', () => {
  for (const name of SCENARIOS)
    for (const arch of listArchs())
      it(`${name} on ${arch.name}, seeds 1..15`, () => {
        const model = makeModel(builtin(name), { arch: arch.name, variant: 'upstream' });
        for (let seed = 1; seed <= 15; seed++) {
          const bad = runModel(model, { seed }).verdicts.filter(
            (v) => DISCIPLINE.includes(v.id) && v.ok === false,
          );
          expect(bad, `seed ${seed}`).toEqual([]);
        }
      });
});

describe('they also hold next to the other PTE writers (mprotect, clear_refs, writeback, reclaim)', () => {
  const world2 = (threads: unknown[]) =>
    parseScenario({
      name: 'actors',
      pages: 2,
      cpus: 2,
      options: { tlbCapacity: 4, ptesPerTable: 512 },
      mms: [
        {
          vmas: [
            {
              start: 0,
              pgoff: 0,
              npages: 2,
              flags: ['shared', 'write', 'maywrite', 'io', 'pfnmap'],
            },
          ],
        },
      ],
      threads,
    });
  const sets: Record<string, unknown[]> = {
    mprotect: [
      { kind: 'user', cpu: 0, writes: 2 },
      { kind: 'mprotect', cpu: 1, mm: 0 },
      { kind: 'caller', cpu: 0, protocol: 'clean' },
    ],
    'clear-refs': [
      { kind: 'user', cpu: 0, writes: 2 },
      { kind: 'clear-refs', cpu: 1, mm: 0, type: 'soft-dirty' },
      { kind: 'caller', cpu: 0, protocol: 'clean' },
    ],
    writeback: [
      { kind: 'user', cpu: 0, writes: 2 },
      { kind: 'writeback', cpu: 1, first: 0, nr: 2 },
      { kind: 'caller', cpu: 0, protocol: 'clean' },
    ],
    reclaim: [
      { kind: 'user', cpu: 0, writes: 2 },
      { kind: 'reclaim', cpu: 1, page: 1 },
      { kind: 'caller', cpu: 0, protocol: 'snap' },
    ],
  };
  for (const [name, threads] of Object.entries(sets))
    it(`${name} with upstream, seeds 1..30`, () => {
      const model = makeModel(world2(threads), { variant: 'upstream' });
      for (let seed = 1; seed <= 30; seed++) {
        const bad = runModel(model, { seed }).verdicts.filter(
          (v) => DISCIPLINE.includes(v.id) && v.ok === false,
        );
        expect(bad, `seed ${seed}`).toEqual([]);
      }
    });
});

describe('the hidden broken variant (no TLB flush) makes the flush properties fail on real runs', () => {
  it.each([
    'notifier-flush-before-end',
    'flush-pending-balance',
    'flush-complete',
    'wrprotect-post',
  ])('%s', (id) => {
    const model = makeModel(builtin('seed-concurrent-wrprotect'), { variant: '__test-no-flush' });
    const failing = [1, 2, 3, 4, 5].filter((seed) =>
      runModel(model, { seed }).verdicts.some((v) => v.id === id && v.ok === false),
    );
    expect(failing.length).toBeGreaterThan(0);
  });
  it('the same seeds hold with upstream', () => {
    const model = makeModel(builtin('seed-concurrent-wrprotect'), { variant: 'upstream' });
    for (let seed = 1; seed <= 5; seed++)
      expect(
        runModel(model, { seed }).verdicts.filter((v) => v.ok === false && v.id !== 'lost-write'),
      ).toEqual([]);
  });
});

// The two properties of the core, as table tests.
const model = world();
const b = builders(model);
const WP = model.variant.fnNames.wrprotect;
// O1a: lost-write, end to end (every written page's device copy is current after the drain).
ruleTester(lostWrite, model, {
  valid: [
    {
      name: 'every written page copied at its last version',
      events: [b.store(0, 0, 1), { type: 'dev/copy', tid: 2, page: 1 }, b.end_()],
    },
    {
      name: 'an uncopied write in a run cut by the step bound gives no verdict',
      events: [b.store(0, 0, 1), b.end_('step-bound')],
    },
  ],
  invalid: [
    {
      name: 'a write never copied to the device',
      events: [b.store(0, 0, 1), { type: 'dev/copy', tid: 2, page: 1 }, b.store(1, 1, 1), b.end_()],
      errors: [3],
      message: 'page 1',
    },
  ],
});

// S-10: the second caller returns while another CPU still holds a writable entry it saw read-only.
const first = b.helper(2, 'wp', 0, 4, b.wc);
const commitAt =
  first.findIndex((e) => e.type === 'pte/set' && e.fn === 'ptep_modify_prot_commit') + 1;
const second: SimEvent[] = [
  b.call(3, WP, 0, 1),
  { type: 'ghost/wp-seen', tid: 3, mm: 0, vpn: 0 },
  b.ret(3, WP),
];
ruleTester(wrprotectPost, model, {
  valid: [
    { name: 'a write-protect that flushed its entries', events: [b.fill(1, 0, 1, 1), ...first] },
    {
      name: 'the second caller returns after the first one flushed',
      events: [b.fill(1, 0, 1, 1), ...first, ...second],
    },
  ],
  invalid: [
    {
      name: 'S-10: the second caller returns before the first one flushed',
      events: [
        b.fill(1, 0, 1, 1),
        ...first.slice(0, commitAt),
        ...second,
        ...first.slice(commitAt),
      ],
      errors: [commitAt + second.length],
      message: 'CPU1 still holds a writable TLB entry',
    },
  ],
});

// O1b in MKWRITE mode, S-19: the scan clears the bit between pfn_mkwrite and finish_mkwrite_fault.
const mk = mkwriteWorld();
const m = builders(mk);
const mkwriteFault = (tid: number, vpn: number): SimEvent[] => [
  { type: 'fault/enter', tid, cpu: tid, mm: 0, vpn, write: 1 },
  m.acq(tid, m.DRIVER),
  m.setBit(tid, 0, vpn),
  m.rel(tid, m.DRIVER),
];
const finish = (tid: number, vpn: number): SimEvent[] => [
  m.acq(tid, m.ptl(vpn)),
  m.pte(tid, vpn, m.wd(vpn), 'wp_page_reuse'),
  m.rel(tid, m.ptl(vpn)),
  { type: 'fault/exit', tid, result: 'retry' },
];
const scanClears: SimEvent[] = [
  m.acq(2, m.DRIVER),
  { type: 'dev/copy', tid: 2, page: 0 },
  { type: 'bitmap/clear', tid: 2, bm: 0, bit: 0 },
  m.rel(2, m.DRIVER),
];
const s19 = [...mkwriteFault(0, 0), ...scanClears, ...finish(0, 0)];
ruleTester(lostWriteMkwrite, mk, {
  valid: [
    {
      name: 'pfn_mkwrite records the bit before the PTE becomes writable (V4)',
      events: [...mkwriteFault(0, 0), ...finish(0, 0), m.fill(0, 0, 1, 1), m.store(0, 0, 0)],
    },
    {
      name: 'the scan write-protects and flushes before it clears the bit (V2)',
      events: [
        ...mkwriteFault(0, 0),
        ...finish(0, 0),
        m.acq(2, m.DRIVER),
        ...m.helper(2, 'wp', 0, 2, (v) => (v === 0 ? m.wd(0) : m.ro(1))),
        { type: 'bitmap/clear', tid: 2, bm: 0, bit: 0 },
        m.rel(2, m.DRIVER),
      ],
    },
    {
      name: 'not judged outside MKWRITE scans (pagetable world)',
      model: world(),
      events: [builders(world()).pte(0, 0, builders(world()).wd(0), 'X86-W3', 'hw')],
    },
  ],
  invalid: [
    {
      name: 'S-19: the bit is consumed inside the F3 window, then the PTE becomes writable',
      events: s19,
      errors: [s19.length - 3],
      message: 'bit 0 is clear',
    },
    {
      name: 'the bit cleared while a CPU still holds a writable entry (no write-protect)',
      events: [...mkwriteFault(0, 0), ...finish(0, 0), m.fill(0, 0, 1, 1), ...scanClears],
      errors: [mkwriteFault(0, 0).length + finish(0, 0).length + scanClears.length],
      message: 'writable',
    },
  ],
});
