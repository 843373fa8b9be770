import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  evolve,
  evolveAll,
  foldEvents,
  getProperty,
  initialState,
  layoutOf,
  listArchs,
  makeModel,
  parseScenarioText,
  picksOf,
  runModel,
  SimError,
  stateHash,
  type SimEvent,
} from '../../src/index.js';
import { builtin } from '../helpers/scenarios.js';
import { failingSeeds } from '../kernel/actorWorld.js';

const base = `
name: t
pages: 2
cpus: 2
mms: [{ vmas: [{ start: 0, pgoff: 0, npages: 2, flags: [shared, write, maywrite] }] }]
secondaryMmus: [{ mm: 0 }]
threads:
  - { kind: user, cpu: 0, writes: 1 }
`;

function err(extra: string, text = base): string {
  try {
    parseScenarioText(text + extra, 'bad.yaml');
  } catch (e) {
    expect(e).toBeInstanceOf(SimError);
    return (e as Error).message;
  }
  throw new Error('expected a parse error');
}

describe('scenario kinds for the other actors of an mm', () => {
  it('fills defaults for mprotect, clear-refs, writeback, reclaim and device threads', () => {
    const s = parseScenarioText(
      base +
        `  - { kind: mprotect }
  - { kind: clear-refs, cpu: 1 }
  - { kind: writeback, final: true }
  - { kind: reclaim, page: 1 }
  - { kind: device }
`,
    );
    expect(s.threads.slice(1)).toEqual([
      { kind: 'mprotect', name: 'mprotect1', cpu: 0, mm: 0, vma: 0, batchedPendingFlush: true },
      {
        kind: 'clear-refs',
        name: 'clear-refs2',
        cpu: 1,
        mm: 0,
        type: 'soft-dirty',
        missingFlush: false,
      },
      {
        kind: 'writeback',
        name: 'writeback3',
        cpu: 0,
        first: 0,
        nr: 2,
        final: true,
        checksFlushPending: false,
      },
      { kind: 'reclaim', name: 'reclaim4', cpu: 0, page: 1 },
      { kind: 'device', name: 'device5', cpu: -1, sub: 0, writes: 1 },
    ]);
    const layout = layoutOf(s);
    expect(layout.lockNames.slice(3)).toEqual([
      'page_lock[0]',
      'page_lock[1]',
      'mmap_lock[mm0]',
      'user_lock[smmu0]',
    ]);
  });

  it('names the field and what was wrong', () => {
    expect(err('  - { kind: mprotect, vma: 3 }\n')).toBe(
      'bad.yaml: threads[1].vma: mm 0 has no VMA 3 (it has 1)',
    );
    expect(err('  - { kind: clear-refs, mm: 2 }\n')).toBe(
      'bad.yaml: threads[1].mm: mm 2 does not exist (mms: 1)',
    );
    expect(err('  - { kind: reclaim, page: 9 }\n')).toBe(
      'bad.yaml: threads[1].page: page 9 does not exist (pages: 2)',
    );
    expect(err('  - { kind: device, sub: 1 }\n')).toBe(
      'bad.yaml: threads[1].sub: secondary MMU 1 does not exist (secondaryMmus: 1)',
    );
    expect(err('  - { kind: writeback, first: 1, nr: 5 }\n')).toMatch(
      /threads\[1\]: range \[1, 6\) is outside/,
    );
    expect(err('  - { kind: device, cpu: 0 }\n')).toMatch(/threads\[1\]/);
    expect(err('', base.replace('flags: [shared, write, maywrite]', 'flags: [mayshare, io]'))).toBe(
      'bad.yaml: threads[0].writes: mm 0 has no VM_WRITE VMA to write to',
    );
    expect(
      err('', base.replace('flags: [shared, write, maywrite]', 'flags: [write, maywrite]')),
    ).toMatch(/mms\[0\]\.vmas\[0\]\.flags: a private .* COW is not modelled/);
  });

  it('every scenario file parses and runs to the end under each of its matrix hints', () => {
    const dir = join(import.meta.dirname, '..', '..', 'scenarios');
    for (const f of readdirSync(dir).filter((x) => x.endsWith('.yaml'))) {
      const s = builtin(f.slice(0, -5));
      for (const arch of s.matrix.archs)
        for (const variant of s.matrix.variants) {
          let model;
          try {
            model = makeModel(s, { arch, variant });
          } catch {
            continue; // an arch or variant another area has not registered yet
          }
          expect(runModel(model, { seed: 7 }).end, `${f} ${arch} ${variant}`).toBe('done');
        }
    }
  });
});

describe("S-18: a read-only-fd mapping stops upstream's walk (H3)", () => {
  const s = builtin('s18-readonly-fd-stops-walk');
  const lost = [getProperty('lost-write')];

  it('models the read-only fd as MAP_SHARED without VM_SHARED and VM_MAYWRITE, inserted first', () => {
    expect(s.mms[0]!.vmas[0]!.flags).toEqual(['mayshare', 'io', 'pfnmap']);
  });

  it('upstream loses writes to the writable mapping behind it (seeded random runs)', () => {
    expect(
      failingSeeds(makeModel(s, { variant: 'upstream' }), 'lost-write', 60, lost).length,
    ).toBeGreaterThan(0);
  });

  it('seed-v4 skips the read-only VMA and goes on (H3-v4): no lost write', () => {
    expect(failingSeeds(makeModel(s, { variant: 'seed-v4' }), 'lost-write', 200, lost)).toEqual([]);
  });

  it('a private read-only mapping (VM_MAYWRITE, no VM_SHARED) inserted first stops the walk the same way', () => {
    const priv = {
      ...s,
      mms: [
        { vmas: [{ ...s.mms[0]!.vmas[0]!, flags: ['maywrite', 'pfnmap'] as const }] },
        s.mms[1]!,
      ],
    };
    expect(
      failingSeeds(makeModel(priv, { variant: 'upstream' }), 'lost-write', 60, lost).length,
    ).toBeGreaterThan(0);
    expect(failingSeeds(makeModel(priv, { variant: 'seed-v4' }), 'lost-write', 100, lost)).toEqual(
      [],
    );
  });
});

describe('laws over the actor scenarios, for every registered architecture', () => {
  const names = [
    'smmu-ignores-sequence',
    's3-flush-pending-check',
    's6-mprotect-reclaim',
    's9-clear-refs-no-flush',
    's14-writeback-skips-flush',
    's15-helper-reclaim',
    's18-readonly-fd-stops-walk',
  ];
  for (const arch of listArchs().map((a) => a.name))
    it(`${arch}: replaying the events reproduces the final state; re-simulating the picks reproduces the events`, () => {
      for (const name of names) {
        const model = makeModel(builtin(name), { arch });
        const events: SimEvent[] = [];
        const r = runModel(model, { seed: 11 }, (e) => events.push(e));
        expect(stateHash(foldEvents(model.scenario, events)), `${name}`).toBe(r.finalStateHash);
        const again: SimEvent[] = [];
        runModel(model, { seed: 999, schedule: picksOf(events) }, (e) => again.push(e));
        expect(again, `${name}`).toEqual(events);
        // evolve is pure: a frozen state is never mutated and a no-op event returns the same object.
        const s0 = initialState(model.scenario);
        const s1 = evolveAll(s0, events.slice(0, 200));
        expect(stateHash(s0)).toBe(stateHash(initialState(model.scenario)));
        expect(evolve(s1, { type: 'actor/return', tid: 0, fn: 'x', total: 0 })).toBe(s1);
        expect(evolve(s1, { type: 'page/dirty', tid: 0, page: 99, value: 1 })).toBe(s1);
        expect(evolve(s1, { type: 'vma/write', tid: 0, mm: 9, vma: 0, value: 0 })).toBe(s1);
        expect(evolve(s1, { type: 'ubc/pending', tid: 0, mm: 9 })).toBe(s1);
      }
    });
});
