import type { SimEvent } from '../../src/index.js';
import { cleanA } from '../../src/check/cleanA.js';
import { cleanB } from '../../src/check/cleanB.js';
import { builders, world } from './fixtures.js';
import { ruleTester } from './ruleTester.js';

const model = world();
const b = builders(model);
const CLEAN = model.variant.fnNames.clean;
const dirty = (tid: number, cpu: number, vpn: number): SimEvent[] => [
  b.pte(tid, vpn, b.wd(vpn), 'X86-W3', 'hw'),
  b.fill(cpu, vpn, 1, 1),
  b.store(tid, cpu, vpn),
];
const before = (v: number): number => (v === 0 || v === 2 ? b.wd(v) : b.wc(v));
const setup = [...dirty(0, 0, 0), ...dirty(1, 1, 2)];
const full = [...setup, ...b.helper(2, 'clean', 0, 4, before)];
// A walk that stops after the first table (H3/S-18 shape) while the call covers all 4 pages.
const stopped = b.helper(2, 'clean', 0, 2, before);
stopped[0] = b.call(2, CLEAN, 0, 4);
const stoppedRun = [...setup, ...stopped];

// §1.4 (a): dirty at start ⇒ recorded at return.
// O2 (H11): the clean helper's guarantees (a) and (b) at each return.
ruleTester(cleanA, model, {
  valid: [
    { name: 'a correct clean records both dirty pages (H8)', events: full },
    { name: 'a clean with nothing dirty', events: b.helper(2, 'clean', 0, 4, b.wc) },
    {
      name: 'a page already recorded in the bitmap before the call',
      events: [...dirty(0, 0, 3), b.setBit(2, 1, 3), ...stopped.slice(0, -1), b.ret(2, CLEAN)],
    },
  ],
  invalid: [
    {
      name: 'a walk that stopped early leaves page 2 unrecorded (H11, S-18)',
      events: stoppedRun,
      errors: [stoppedRun.length - 1],
      message: 'without recording page 2',
    },
    {
      name: 'a clean that cleans without setting the bit',
      events: full.filter((e) => !(e.type === 'bitmap/set' && e.bit === 0)),
      errors: [full.length - 2],
      message: 'page 0',
    },
  ],
});

// §1.4 (b): written after start ⇒ still dirty or recorded.
const h = b.helper(2, 'clean', 0, 4, b.wc);
const mid = h.findIndex((e) => e.type === 'pending/inc') + 1;
// An earlier clean by thread 3 cleaned vpn 1 and never flushed; its bit was consumed. CPU0 keeps a
// stale writable+dirty entry, so a store during the next clean leaves no trace (the S-20 worry
// when the bit was consumed too early).
const stale: SimEvent[] = [
  ...dirty(0, 0, 1),
  b.acq(3, b.ptl(1)),
  b.protStart(3, 1),
  b.pte(3, 1, b.wc(1)),
  b.rel(3, b.ptl(1)),
];
const lost = [...stale, ...h.slice(0, mid), b.store(0, 0, 1), ...h.slice(mid)];
ruleTester(cleanB, model, {
  valid: [
    {
      name: 'a write during the clean that set D in the PTE (X86-W3)',
      events: [...h.slice(0, mid), ...dirty(0, 0, 3), ...h.slice(mid)],
    },
    {
      name: 'a write through a stale dirty entry to a page the clean recorded (S-20)',
      events: (() => {
        const hc = b.helper(2, 'clean', 0, 4, before);
        const after = hc.findIndex((e) => e.type === 'bitmap/set') + 1;
        return [...setup, ...hc.slice(0, after), b.store(0, 0, 0), ...hc.slice(after)];
      })(),
    },
  ],
  invalid: [
    {
      name: 'a write through a stale entry to a clean, unrecorded page',
      events: lost,
      errors: [lost.length - 1],
      message: 'neither dirty in any PTE nor recorded',
    },
  ],
});
