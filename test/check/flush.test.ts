import type { SimEvent } from '../../src/index.js';
import { flushComplete } from '../../src/check/flushComplete.js';
import { flushPendingBalance } from '../../src/check/flushPendingBalance.js';
import { builders, without, world } from './fixtures.js';
import { ruleTester } from './ruleTester.js';

const model = world();
const b = builders(model);
const isType = (t: SimEvent['type']) => (e: SimEvent) => e.type === t;
const wp = b.helper(2, 'wp', 0, 4, b.wc);
// CPU0 caches a writable, dirty entry for vpn 1 (X86-W3) before the walk.
const dirty1: SimEvent[] = [
  b.pte(0, 1, b.wd(1), 'X86-W3', 'hw'),
  b.fill(0, 1, 1, 1),
  b.store(0, 0, 1),
];
const before = (v: number): number => (v === 1 ? b.wd(1) : b.wc(v));
const wpNoFlush = [
  ...dirty1,
  ...without(b.helper(2, 'wp', 0, 4, before), isType('flush/done')).filter(
    (e) => e.type !== 'tlb/flush',
  ),
];
const cleanNoFlush = (bit: boolean): SimEvent[] =>
  [...dirty1, ...b.helper(2, 'clean', 0, 4, before)].filter(
    (e) => e.type !== 'tlb/flush' && e.type !== 'flush/done' && (bit || e.type !== 'bitmap/set'),
  );
const decAt = (evs: readonly SimEvent[]): number => evs.findIndex(isType('pending/dec'));

// O3: once pending is 0 no TLB entry is more permissive than its PTE.
ruleTester(flushComplete, model, {
  valid: [
    {
      name: 'a correct walk flushes the writable entry before dec (T6)',
      events: [...dirty1, ...b.helper(2, 'wp', 0, 4, before)],
    },
    {
      name: 'S-20: a stale dirty entry after clean is fine when the page is recorded',
      events: cleanNoFlush(true),
    },
    {
      name: 'nested callers: pending dropping to 1 is not checked',
      events: [b.inc(3), ...wpNoFlush.slice(0, decAt(wpNoFlush) + 1)],
    },
  ],
  invalid: [
    {
      name: 'write-protect without flush leaves a writable entry (S-10 shape)',
      events: wpNoFlush,
      errors: [decAt(wpNoFlush)],
      message: 'writable while the PTE is',
    },
    {
      name: 'clean without flush and without recording the page',
      events: cleanNoFlush(false),
      errors: [decAt(cleanNoFlush(false))],
      message: 'in no bitmap',
    },
  ],
});

// O6, T6: balanced, never negative, dec after the flush.
const early = [
  b.inc(2),
  b.acq(2, b.ptl(0)),
  b.protStart(2, 0),
  b.pte(2, 0, b.ro(0)),
  b.rel(2, b.ptl(0)),
  b.dec(2),
  ...b.flush(2, 0, 1),
];
ruleTester(flushPendingBalance, model, {
  valid: [
    { name: 'a correct walk', events: [...wp, b.end_()] },
    {
      name: 'a walk that changed nothing decrements without a flush',
      events: [...b.helper(2, 'wp', 0, 4, b.ro), b.end_()],
    },
    {
      name: 'an increment still outstanding when the step bound hit',
      events: [b.inc(2), b.end_('step-bound')],
    },
  ],
  invalid: [
    {
      name: 'dec without inc (pending negative)',
      events: [b.dec(2)],
      errors: [0],
      message: 'without an increment',
    },
    {
      name: "dec by another thread than the one that incremented (S-4: one must not clear another's pending flush)",
      events: [b.inc(2), b.dec(3)],
      errors: [1],
    },
    {
      name: 'dec before the flush of a changed PTE (T6)',
      events: early,
      errors: [5],
      message: 'before flushing',
    },
    {
      name: 'an increment never decremented in a finished run',
      events: [b.inc(2), b.end_()],
      errors: [1],
      message: 'never decremented',
    },
  ],
});
