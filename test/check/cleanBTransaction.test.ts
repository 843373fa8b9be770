import { describe, expect, it } from 'vitest';
import { applyEvent, initialMutableState, type SimEvent } from '../../src/index.js';
import { makeRunContext } from '../../tools/report/runContext.js';
import { openTransactions, stateLines } from '../../tools/report/stateText.js';
import { cleanB } from '../../src/check/cleanB.js';
import { freshState, step } from '../helpers/world.js';
import { modelOf } from '../kernel/actorWorld.js';
import { violationsOf } from './ruleTester.js';

// P5 / clean-b (O2): a PTE inside another writer's ptep_modify_prot_start/commit transaction reads
// none, but its value is the one start saved (the writer holds the PTL and commits from it).
// A clean caller that returns while mprotect is between start and commit of a page written
// during the call must not be reported: the saved value is dirty and the commit keeps D.

const PFNMAP = ['shared', 'mayshare', 'write', 'maywrite', 'io', 'pfnmap'];

function race(mprotectProt: 'read' | 'read-write'): {
  events: SimEvent[];
  model: ReturnType<typeof modelOf>;
} {
  const model = modelOf({
    pages: 1,
    cpus: 2,
    variant: 'upstream',
    mms: [{ vmas: [{ start: 0, pgoff: 0, npages: 1, flags: PFNMAP }] }],
    initialPte: 'writable-clean',
    threads: [
      { kind: 'user', name: 'writer', cpu: 0, ops: [{ op: 'write', vpn: 0 }] },
      { kind: 'user', name: 'mprotect', cpu: 1, ops: [{ op: 'mprotect', prot: mprotectProt }] },
      { kind: 'caller', name: 'cleaner', cpu: 1, protocol: 'clean' },
    ],
  });
  const s = freshState(model);
  const events: SimEvent[] = [];
  const run = (tid: number, n = 1): void => {
    for (let i = 0; i < n; i++) events.push(...step(model, s, tid));
  };
  run(2); // the caller calls clean_record_shared_mapping_range
  // The helper walks vpn 0 while it is still clean (nothing to record) and leaves the PTL.
  while (!events.some((e) => e.type === 'lock/release' && e.tid === 2 && e.lock !== 0)) run(2);
  run(0, 2); // the writer stores: the MMU sets D in the PTE (X86-W3)
  expect(events.some((e) => e.type === 'mem/store')).toBe(true);
  run(1, 3); // mprotect: push, enter, ptep_modify_prot_start — the PTE is none, D in the saved value
  expect(s.mms[0]!.ptes[0]).toBe(0);
  while (!events.some((e) => e.type === 'helper/return')) run(2);
  return { events, model };
}

describe('clean-b counts a PTE inside an open protection transaction by its saved value (P5)', () => {
  it('no violation when the clean helper returns while mprotect holds the dirty PTE in its transaction', () => {
    const { events, model } = race('read');
    expect(violationsOf(cleanB, model, events)).toEqual([]);
  });

  it('still a violation when the transaction committed the page clean before the return', () => {
    // A commit that cleans the PTE (as a second cleaner would): neither dirty nor recorded.
    const { events, model } = race('read');
    const start = events.findIndex(
      (e) => e.type === 'pte/set' && e.fn === 'ptep_modify_prot_start',
    );
    const commit: SimEvent = {
      type: 'pte/set',
      tid: 1,
      mm: 0,
      vpn: 0,
      pte: model.arch.mkPte(0, { write: false, dirty: false, special: true }),
      src: 'sw',
      fn: 'ptep_modify_prot_commit',
    };
    const tampered = [...events.slice(0, start + 1), commit, ...events.slice(start + 1)];
    const v = violationsOf(cleanB, model, tampered);
    expect(v).toHaveLength(1);
    expect(v[0]!.message).toMatch(/page 0 .* neither dirty in any PTE nor recorded/);
  });

  it('the state view shows the PTE inside the transaction with its saved value', () => {
    const { events, model } = race('read');
    const ret = events.findIndex((e) => e.type === 'helper/return');
    const state = initialMutableState(model.scenario);
    events.slice(0, ret + 1).forEach((e) => applyEvent(state, e));
    const ctx = makeRunContext(model.scenario);
    const tx = openTransactions(events, ret, ctx);
    expect(tx).toHaveLength(1);
    const line = stateLines(state, [], ctx, tx).find((l) => l.key === 'ptes/mm0:0');
    expect(line?.text).toMatch(
      /^mm0 vpn 0 \(page 0\): none — inside ptep_modify_prot_start\/commit of mprotect since event \d+, saved /,
    );
    expect(model.arch.pteDirty(tx[0]!.saved)).toBe(true);
    expect(line?.text).toContain(model.arch.formatPte(tx[0]!.saved));
  });
});
