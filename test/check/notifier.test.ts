import type { SimEvent } from '../../src/index.js';
import { notifierPteInWindow } from '../../src/check/notifierPteInWindow.js';
import { notifierFlushBeforeEnd } from '../../src/check/notifierFlushBeforeEnd.js';
import { notifierPaired } from '../../src/check/notifierPaired.js';
import { notifierEndBeforeDec } from '../../src/check/notifierEndBeforeDec.js';
import { notifierSmmuInvalidated } from '../../src/check/notifierSmmuInvalidated.js';
import { notifierSmmuInWindow } from '../../src/check/notifierSmmuInWindow.js';
import { notifierSmmuStaleSeq } from '../../src/check/notifierSmmuStaleSeq.js';
import { builders, indexWhere, without, world } from './fixtures.js';
import { ruleTester } from './ruleTester.js';

const model = world();
const b = builders(model);
const wp = b.helper(2, 'wp', 0, 4, b.wc);
const WP = model.variant.fnNames.wrprotect;
const isType = (t: SimEvent['type']) => (e: SimEvent) => e.type === t;
const noStart = without(wp, isType('notifier/start'));

// R1, R5: software reductions only inside the thread's own window.
ruleTester(notifierPteInWindow, model, {
  valid: [
    { name: 'a correct write-protect walk (R1, R5)', events: wp },
    {
      name: 'hardware setting D outside any window',
      events: [b.pte(0, 0, b.wd(0), 'X86-W3', 'hw')],
    },
    {
      name: 'an upgrade (wp_page_reuse) outside any window',
      events: [b.acq(0, b.ptl(0)), b.pte(0, 0, b.wd(0), 'wp_page_reuse'), b.rel(0, b.ptl(0))],
    },
  ],
  invalid: [
    {
      name: 'the walk without invalidate_range_start reports every reduction',
      events: noStart,
      errors: noStart.flatMap((e, i) =>
        e.type === 'pte/set' && e.fn === 'ptep_modify_prot_start' ? [i] : [],
      ),
      message: 'no invalidate window',
    },
    {
      name: "a reduction inside another thread's window",
      events: [b.start(3, 0, 4), b.acq(2, b.ptl(0)), b.protStart(2, 0)],
      errors: [2],
    },
    {
      name: 'a reduction just outside the window range',
      events: [b.start(2, 0, 1), b.acq(2, b.ptl(1)), b.protStart(2, 1)],
      errors: [2],
    },
  ],
});

// R6, R7: the flush completes before the window ends.
const noFlushDone = without(wp, isType('flush/done'));
ruleTester(notifierFlushBeforeEnd, model, {
  valid: [
    { name: 'a correct write-protect walk (R6, R7)', events: wp },
    { name: 'a walk that changed nothing needs no flush', events: b.helper(2, 'wp', 0, 4, b.ro) },
    {
      name: 'mprotect ends its range before flushing (mm/mprotect.c): not a helper, not checked',
      events: [
        b.call(1, 'mprotect', 0, 4),
        b.inc(1),
        b.start(1, 0, 4),
        b.acq(1, b.ptl(0)),
        b.pte(1, 0, b.ro(0), 'ptep_modify_prot_commit'),
        b.rel(1, b.ptl(0)),
        b.end(1, 0, 4),
        ...b.flush(1, 0, 4),
        b.dec(1),
        b.ret(1, 'mprotect'),
      ],
    },
  ],
  invalid: [
    {
      name: 'flush never completes',
      events: noFlushDone,
      errors: [indexWhere(noFlushDone, isType('notifier/end'))],
      message: 'had not been flushed',
    },
    {
      name: 'flush of a smaller range than was changed',
      events: [
        b.call(2, WP, 0, 4),
        b.start(2, 0, 4),
        b.acq(2, b.ptl(2)),
        b.protStart(2, 2),
        b.pte(2, 2, b.ro(2)),
        b.rel(2, b.ptl(2)),
        ...b.flush(2, 0, 2),
        b.end(2, 0, 4),
      ],
      errors: [10],
    },
    {
      name: "someone else's flush does not count",
      events: [
        b.call(2, WP, 0, 4),
        b.start(2, 0, 4),
        b.acq(2, b.ptl(0)),
        b.protStart(2, 0),
        b.pte(2, 0, b.ro(0)),
        b.rel(2, b.ptl(0)),
        ...b.flush(3, 0, 4),
        b.end(2, 0, 4),
      ],
      errors: [10],
    },
  ],
});

// R1, R10: paired per thread with the same range.
ruleTester(notifierPaired, model, {
  valid: [
    { name: 'a correct walk', events: [...wp, b.end_()] },
    {
      name: 'overlapping windows of two threads',
      events: [b.start(2, 0, 4), b.start(3, 0, 2), b.end(2, 0, 4), b.end(3, 0, 2), b.end_()],
    },
    {
      name: 'a window still open when the step bound cut the run',
      events: [b.start(2, 0, 4), b.end_('step-bound')],
    },
  ],
  invalid: [
    {
      name: 'an end with a different range (R1)',
      events: [b.start(2, 0, 4), b.end(2, 0, 2)],
      errors: [1],
      message: 'without a matching start',
    },
    { name: 'an end by another thread', events: [b.start(2, 0, 4), b.end(3, 0, 4)], errors: [1] },
    { name: 'an end without start (R10)', events: [b.end(2, 0, 4)], errors: [0] },
    {
      name: 'a start never ended in a finished run',
      events: [b.start(2, 0, 4), b.end_()],
      errors: [1],
      message: 'never ended',
    },
  ],
});

// R9: dec after end.
const lateEnd = [b.start(2, 0, 4), b.inc(2), b.dec(2), b.end(2, 0, 4)];
ruleTester(notifierEndBeforeDec, model, {
  valid: [
    { name: 'a correct walk (H4 order)', events: wp },
    {
      name: 'an mprotect-like inc → start → end → dec',
      events: [b.inc(3), b.start(3, 0, 4), b.end(3, 0, 4), b.dec(3)],
    },
  ],
  invalid: [{ name: 'dec before end', events: lateEnd, errors: [2], message: 'still open' }],
});

// Secondary MMUs (R3, R4, R8).
const smodel = world({ smmu: true });
const sb = builders(smodel);
const swp = sb.helper(2, 'wp', 0, 4, sb.wc);
const inv = (seq: number, from = 0, to = 4): SimEvent => ({
  type: 'smmu/invalidate',
  tid: 2,
  sub: 0,
  mm: 0,
  from,
  to,
  seq,
});
const readBegin = (seq: number): SimEvent => ({ type: 'smmu/read-begin', tid: 1, sub: 0, seq });
const install = (vpn: number, seq: number, w: 0 | 1 = 1): SimEvent => ({
  type: 'smmu/install',
  tid: 1,
  sub: 0,
  vpn,
  w,
  seq,
});

ruleTester(notifierSmmuInvalidated, smodel, {
  valid: [
    { name: 'a correct walk invalidates the subscription first (R4)', events: swp },
    { name: 'no subscription, nothing to invalidate', model, events: wp },
  ],
  invalid: [
    {
      name: 'the walk without the invalidate callback',
      events: without(swp, isType('smmu/invalidate')),
      errors: [indexWhere(without(swp, isType('smmu/invalidate')), (e) => e.type === 'pte/set')],
      message: 'before secondary MMU 0 was invalidated',
    },
    {
      name: 'an even sequence (R4: cur_seq is odd)',
      events: [sb.start(2, 0, 4), inv(2)],
      errors: [1],
      message: 'even sequence',
    },
  ],
});

// R3, O5: no SPTE install inside an overlapping invalidation.
ruleTester(notifierSmmuInWindow, smodel, {
  valid: [
    { name: 'install after the window ended', events: [...swp, readBegin(2), install(0, 2)] },
    {
      name: 'install outside the window range',
      events: [sb.start(2, 0, 2), inv(1, 0, 2), install(3, 0)],
    },
  ],
  invalid: [
    {
      name: 'install inside an open window (R3)',
      events: [sb.start(2, 0, 4), inv(1), readBegin(1), install(1, 1)],
      errors: [3],
      message: 'inside thread 2',
    },
  ],
});

ruleTester(notifierSmmuStaleSeq, smodel, {
  valid: [
    {
      name: 'read_begin, install with the current sequence',
      events: [readBegin(0), install(0, 0)],
    },
    {
      name: 'read_begin after an invalidation, install',
      events: [...swp, readBegin(1), install(0, 1)],
    },
  ],
  invalid: [
    {
      name: 'an invalidation overtakes the reader (R8: retry ignored)',
      events: [readBegin(0), ...swp, install(0, 0)],
      errors: [swp.length + 1],
      message: 'mmu_interval_read_retry() would be true',
    },
  ],
});
