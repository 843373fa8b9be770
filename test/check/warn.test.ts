import { makeModel, type SimEvent } from '../../src/index.js';
import { warnKernel } from '../../src/check/warnKernel.js';
import { warnRacyPteUpdate } from '../../src/check/warnRacyPteUpdate.js';
import { builders, world } from './fixtures.js';
import { ruleTester } from './ruleTester.js';

const model = world();
const b = builders(model);

// H3-v4, H6: WARN_ON conditions are warnings.
ruleTester(warnKernel, model, {
  valid: [{ name: 'a correct walk', events: b.helper(2, 'wp', 0, 4, b.wc) }],
  invalid: [
    {
      name: 'a v4 helper meeting a VMA without VM_IO',
      events: [
        { type: 'warn', tid: 2, what: 'apply_as_wrprotect: VMA without VM_IO or with VM_HUGETLB' },
      ],
      errors: [0],
      message: 'WARN_ON',
    },
  ],
});

// arm64 __check_safe_pte_update(): valid → valid set_pte_at that drops AF or dirty state.
const arm = makeModel(model.scenario, { arch: 'arm64-dbm' });
const ab = builders(arm);
const naiveWp: SimEvent[] = [
  ab.acq(2, ab.ptl(0)),
  ab.pte(2, 0, ab.ro(0), 'set_pte_at'),
  ab.rel(2, ab.ptl(0)),
];
ruleTester(warnRacyPteUpdate, arm, {
  valid: [
    {
      name: 'ptep_modify_prot_start/commit goes through none (P1/P2)',
      events: ab.helper(2, 'wp', 0, 4, ab.wc),
    },
    {
      name: 'x86 does not check',
      model,
      events: [b.acq(2, b.ptl(0)), b.pte(2, 0, b.ro(0), 'set_pte_at'), b.rel(2, b.ptl(0))],
    },
    {
      name: 'ptep_set_access_flags is a safe writer',
      events: [ab.pte(0, 0, ab.wd(0), 'ptep_set_access_flags')],
    },
    {
      name: 'ptep_test_and_clear_young (clear_refs) is a cmpxchg loop, not set_pte_at',
      events: [ab.pte(2, 0, ab.wd(0) & ~(1 << 5), 'ptep_test_and_clear_young')],
    },
  ],
  invalid: [
    {
      name: 'naive read-modify-write of a writable clean PTE',
      events: naiveWp,
      errors: [1],
      message: 'racy dirty state clearing',
    },
    {
      name: 'a set_pte_at that makes the entry old',
      events: [ab.pte(2, 0, ab.wd(0) & ~(1 << 5), 'set_pte_at')],
      errors: [0],
      message: 'racy access flag clearing',
    },
  ],
});
