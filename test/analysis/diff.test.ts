import { describe, expect, it } from 'vitest';
import { test as fcTest, fc } from '@fast-check/vitest';
import {
  adaptSchedule,
  diffLogs,
  diffModels,
  leadScheduleOf,
  makeModel,
  MemorySink,
  parseLog,
  recordRun,
  runModel,
  type SimEvent,
} from '../../src/index.js';
import { alignKeys, toHunks } from '../../src/analysis/diffEvents.js';
import { builtin } from '../helpers/scenarios.js';

const recorded = (name: string, over: { arch?: string; variant?: string }, seed: number) => {
  const sink = new MemorySink();
  recordRun(makeModel(builtin(name), over), { seed }, sink);
  return parseLog(sink.bytes());
};

describe('diff of a run against itself', () => {
  it('is identical for the scenario form, on every seed tried', () => {
    for (const seed of [1, 2, 3, 25]) {
      const r = diffModels(builtin('seed-concurrent-wrprotect'), {}, {}, { seed });
      expect(r.identical).toBe(true);
      expect(r.firstDivergence).toBeNull();
      expect(r.stateDiff).toEqual([]);
      expect(r.hunks).toEqual([]);
      expect(r.schedule?.firstMismatch).toBeNull();
      expect(r.schedule?.followed).toBe(r.schedule?.picks.length);
    }
  });
  it('is identical for two copies of one log', () => {
    const log = recorded('seed-clean', {}, 3);
    const r = diffLogs(log, recorded('seed-clean', {}, 3));
    expect(r.identical).toBe(true);
    expect(r.verdicts.every((v) => !v.differs)).toBe(true);
  });
});

describe('diff x86-64 vs arm64-nodbm on seed-clean', () => {
  it('points at the first write access: x86 sets D in hardware (X86-W2/W3), the arm64 write faults', () => {
    for (const seed of [1, 2, 3, 4, 5, 6]) {
      const r = diffModels(
        builtin('seed-clean'),
        { arch: 'x86-64' },
        { arch: 'arm64-nodbm' },
        { seed },
      );
      expect(r.identical).toBe(false);
      const d = r.firstDivergence;
      expect(d?.eventA).toMatchObject({ type: 'pte/set', src: 'hw' });
      expect(d?.originA.fn).toMatch(/^X86-W[23]$/);
      expect(d?.eventB).toMatchObject({ type: 'thread/call', fn: 'fault' });
      expect(d?.originA.tid).toBe(d?.originB.tid);
      expect(d?.originA.frame).toBe('access@0');
      expect(d?.originA.thread).toMatch(/^writer/);
      // The state diff names the PTE: dirty on x86, clean and hardware read-only on arm64.
      const vpn = d?.eventA && d.eventA.type === 'pte/set' ? d.eventA.vpn : -1;
      const pte = r.stateDiff.find((c) => c.path === `mm0.pte[vpn ${vpn}]`);
      expect(pte?.a).toContain('dirty=1');
      expect(pte?.b).toContain('dirty=0 hw-writable=0');
      expect(r.stateDiff.some((c) => c.path.startsWith('thread') && c.b.includes('fault@0'))).toBe(
        true,
      );
    }
  });
  it("B keeps every writer's page choices although its writes take extra fault steps", () => {
    const sc = builtin('seed-clean');
    const a = makeModel(sc, { arch: 'x86-64' });
    const b = makeModel(sc, { arch: 'arm64-nodbm' });
    const ea: SimEvent[] = [];
    runModel(a, { seed: 7 }, (e) => ea.push(e));
    const adapted = adaptSchedule(b, leadScheduleOf(ea), 7);
    const eb: SimEvent[] = [];
    runModel(b, { schedule: adapted.picks, maxSteps: adapted.picks.length }, (e) => eb.push(e));
    const pages = (ev: SimEvent[], tid: number) =>
      ev.flatMap((e) => (e.type === 'mem/store' && e.tid === tid ? [e.page] : []));
    for (const tid of [0, 1]) expect(pages(eb, tid)).toEqual(pages(ea, tid));
  });
});

describe('diff seed-v4 vs upstream on the concurrent write-protect scenario (S-10)', () => {
  it('differs in the post_vma flush (H9) and in the wrprotect-post verdict', () => {
    const r = diffModels(
      builtin('seed-concurrent-wrprotect'),
      { variant: 'seed-v4' },
      { variant: 'upstream' },
      { seed: 25 },
    );
    expect(r.identical).toBe(false);
    expect(r.firstDivergence?.originB.frame).toBe('helper@5');
    // The first event only upstream records: its nested-flush decision (H9), then the flush.
    expect(r.firstDivergence?.eventB).toMatchObject({ type: 'decide/nested-flush' });
    const v = r.verdicts.find((x) => x.id === 'wrprotect-post');
    expect(v).toMatchObject({ a: false, b: true, differs: true });
    expect(r.hunks.length).toBeGreaterThan(0);
  });
  it('the log form gives the same verdict difference', () => {
    const r = diffLogs(
      recorded('seed-concurrent-wrprotect', { variant: 'seed-v4' }, 25),
      recorded('seed-concurrent-wrprotect', { variant: 'upstream' }, 25),
    );
    expect(r.verdicts.find((x) => x.id === 'wrprotect-post')?.differs).toBe(true);
  });
});

describe('alignment (Myers) and hunks', () => {
  const letters = fc.array(fc.constantFrom('a', 'b', 'c', 'd'), { maxLength: 14 });
  fcTest.prop([letters, letters])(
    'the alignment spells out both sequences, and kept lines match',
    (a, b) => {
      const lines = alignKeys(a, b);
      expect(lines.filter((l) => l.op !== '+').map((l) => a[l.indexA ?? -1])).toEqual(a);
      expect(lines.filter((l) => l.op !== '-').map((l) => b[l.indexB ?? -1])).toEqual(b);
      for (const l of lines) if (l.op === ' ') expect(a[l.indexA ?? -1]).toBe(b[l.indexB ?? -1]);
    },
  );
  fcTest.prop([letters, letters])(
    'the edit script is shortest (kept lines = longest common subsequence)',
    (a, b) => {
      const lcs: number[][] = Array.from({ length: a.length + 1 }, () =>
        new Array<number>(b.length + 1).fill(0),
      );
      for (let i = a.length - 1; i >= 0; i--)
        for (let j = b.length - 1; j >= 0; j--)
          lcs[i]![j] =
            a[i] === b[j] ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!);
      expect(alignKeys(a, b).filter((l) => l.op === ' ').length).toBe(lcs[0]![0]);
    },
  );
  it('groups changes with 3 kept lines of context, like diff -u', () => {
    const a = 'abcdefghijklmnop'.split('');
    const b = [...a];
    b[2] = 'X';
    b[13] = 'Y';
    const hunks = toHunks(alignKeys(a, b), 3);
    expect(hunks.length).toBe(2);
    expect(hunks[0]).toMatchObject({ startA: 0, countA: 6, startB: 0, countB: 6 });
    expect(toHunks(alignKeys(a, b), 6).length).toBe(1);
    expect(toHunks(alignKeys(a, a))).toEqual([]);
  });
});
