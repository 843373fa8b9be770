import { lockPtePtl } from '../../src/check/lockPtePtl.js';
import { lockProtTransaction } from '../../src/check/lockProtTransaction.js';
import { lockBitmap } from '../../src/check/lockBitmap.js';
import { lockImmapWalk } from '../../src/check/lockImmapWalk.js';
import { lockBalanced } from '../../src/check/lockBalanced.js';
import { lockExclusive } from '../../src/check/lockExclusive.js';
import { builders, without, world } from './fixtures.js';
import { ruleTester } from './ruleTester.js';

const model = world();
const b = builders(model);
const wp = b.helper(2, 'wp', 0, 4, b.wc);
const cleanNoLock = b.helper(3, 'clean', 0, 2, b.wd, 0);

// H5, P1/P2, F1: software PTE writes under the PTL of their table.
const noPtl0 = without(wp, (e) => e.type === 'lock/acquire' && e.lock === b.ptl(0));
ruleTester(lockPtePtl, model, {
  valid: [
    { name: 'a correct walk (H5)', events: wp },
    {
      name: 'hardware D update without any lock (X86-W2)',
      events: [b.pte(0, 1, b.wd(1), 'X86-W2', 'hw')],
    },
  ],
  invalid: [
    {
      name: "the walk without taking the first table's PTL",
      events: noPtl0,
      errors: noPtl0.flatMap((e, i) => (e.type === 'pte/set' && e.vpn < 2 ? [i] : [])),
      message: 'without holding ptl[mm0:0]',
    },
    {
      name: "holding the other table's PTL",
      events: [b.acq(2, b.ptl(2)), b.protStart(2, 0)],
      errors: [1],
    },
    {
      name: 'the PTL held by another thread',
      events: [b.acq(3, b.ptl(0)), b.pte(2, 0, b.wd(0), 'ptep_set_access_flags')],
      errors: [1],
    },
  ],
});

// P1/P2: no PTL release inside start/commit; commit into none.
ruleTester(lockProtTransaction, model, {
  valid: [
    { name: 'a correct walk (P1, P2)', events: wp },
    {
      name: 'a fault path upgrade is no transaction',
      events: [b.acq(0, b.ptl(0)), b.pte(0, 0, b.wd(0), 'wp_page_reuse'), b.rel(0, b.ptl(0))],
    },
  ],
  invalid: [
    {
      name: 'PTL dropped between start and commit',
      events: [
        b.acq(2, b.ptl(0)),
        b.protStart(2, 0),
        b.rel(2, b.ptl(0)),
        b.acq(2, b.ptl(0)),
        b.pte(2, 0, b.ro(0)),
      ],
      errors: [2, 4],
      message: 'thread 2',
    },
    {
      name: 'commit without start',
      events: [b.acq(2, b.ptl(0)), b.pte(2, 0, b.ro(0))],
      errors: [1],
      message: 'without ptep_modify_prot_start',
    },
    {
      name: 'commit over a PTE someone re-filled (P2: *ptep must be none)',
      events: [
        b.acq(2, b.ptl(0)),
        b.protStart(2, 0),
        b.pte(0, 0, b.wd(0), 'X86-W3', 'hw'),
        b.pte(2, 0, b.ro(0)),
      ],
      errors: [3],
      message: 'non-none',
    },
  ],
});

// V1, O4: the driver's bitmap and bounds under the driver lock; private bitmaps free.
ruleTester(lockBitmap, model, {
  valid: [
    {
      name: 'clean into a private bitmap without the driver lock',
      events: b.helper(2, 'clean', 0, 4, b.wd, 1),
    },
    {
      name: 'vmwgfx scan holds the BO lock across clean into the driver bitmap (V2)',
      events: [
        b.acq(3, b.DRIVER),
        ...b.helper(3, 'clean', 0, 4, b.wd, 0),
        { type: 'bounds/set', tid: 3, start: 0, end: 4 },
        b.rel(3, b.DRIVER),
      ],
    },
  ],
  invalid: [
    {
      name: 'clean into the driver bitmap without the lock',
      events: cleanNoLock,
      errors: cleanNoLock.flatMap((e, i) => (e.type === 'bitmap/set' ? [i] : [])),
      message: "driver's bitmap",
    },
    {
      name: 'bounds set by a thread not holding the lock',
      events: [b.acq(3, b.DRIVER), { type: 'bounds/set', tid: 2, start: 0, end: 1 }],
      errors: [1],
      message: 'dirty bounds',
    },
    {
      name: 'consumer clears a bit without the lock',
      events: [{ type: 'bitmap/clear', tid: 3, bm: 0, bit: 1 }],
      errors: [0],
    },
  ],
});

// H1: i_mmap_rwsem across the walk.
const noImmap = without(wp, (e) => e.type === 'lock/acquire' && e.lock === b.IMMAP);
const earlyRelease = [...wp.slice(0, 3), b.rel(2, b.IMMAP, 'r'), ...wp.slice(3)];
ruleTester(lockImmapWalk, model, {
  valid: [
    { name: 'a correct walk (H1)', events: wp },
    { name: 'a flush outside any helper call needs no i_mmap', events: b.flush(3, 0, 4) },
    {
      name: 'mprotect walks one mm under mmap_lock, not i_mmap',
      events: [
        b.call(1, 'mprotect', 0, 4),
        b.inc(1),
        ...b.flush(1, 0, 4),
        b.dec(1),
        b.ret(1, 'mprotect'),
      ],
    },
  ],
  invalid: [
    {
      name: 'the walk without i_mmap_lock_read',
      events: noImmap,
      errors: noImmap.flatMap((e, i) =>
        i > 0 && i < noImmap.length - 2 && e.type !== 'lock/acquire' && e.type !== 'lock/release'
          ? [i]
          : [],
      ),
      message: 'without holding i_mmap_rwsem',
    },
    {
      name: 'i_mmap released after notifier start',
      events: earlyRelease,
      errors: earlyRelease.flatMap((e, i) =>
        i > 3 &&
        i < earlyRelease.length - 2 &&
        e.type !== 'lock/acquire' &&
        e.type !== 'lock/release'
          ? [i]
          : [],
      ),
    },
  ],
});

// O4: no double release; none held at the end.
ruleTester(lockBalanced, model, {
  valid: [
    { name: 'a correct walk', events: [...wp, b.end_()] },
    {
      name: 'a lock held when the step bound cut the run',
      events: [b.acq(2, b.DRIVER), b.end_('step-bound')],
    },
  ],
  invalid: [
    {
      name: 'double release',
      events: [b.acq(2, b.DRIVER), b.rel(2, b.DRIVER), b.rel(2, b.DRIVER)],
      errors: [2],
      message: 'without holding it',
    },
    {
      name: 'release by a non-holder',
      events: [b.acq(2, b.DRIVER), b.rel(3, b.DRIVER)],
      errors: [1],
    },
    {
      name: 'read-held released as exclusive',
      events: [b.acq(2, b.IMMAP, 'r'), b.rel(2, b.IMMAP, 'w')],
      errors: [1],
    },
    {
      name: 'a lock leaked at the end of a finished run',
      events: [b.acq(2, b.DRIVER), b.end_()],
      errors: [1],
      message: 'still holding driver_lock',
    },
  ],
});

// Mutual exclusion.
ruleTester(lockExclusive, model, {
  valid: [
    {
      name: 'two readers of i_mmap_rwsem (H1)',
      events: [b.acq(2, b.IMMAP, 'r'), b.acq(3, b.IMMAP, 'r')],
    },
    {
      name: 'a PTL handed over',
      events: [b.acq(2, b.ptl(0)), b.rel(2, b.ptl(0)), b.acq(3, b.ptl(0))],
    },
    { name: 'a correct walk', events: wp },
  ],
  invalid: [
    {
      name: 'two owners of one PTL',
      events: [b.acq(2, b.ptl(0)), b.acq(0, b.ptl(0))],
      errors: [1],
      message: 'holds it exclusively',
    },
    {
      name: 'writer while a reader holds the rwsem',
      events: [b.acq(2, b.IMMAP, 'r'), b.acq(3, b.IMMAP, 'w')],
      errors: [1],
      message: 'for read',
    },
    {
      name: 'recursive acquire of a spinlock',
      events: [b.acq(2, b.DRIVER), b.acq(2, b.DRIVER)],
      errors: [1],
    },
  ],
});
