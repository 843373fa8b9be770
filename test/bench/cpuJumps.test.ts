import { describe, expect, it } from 'vitest';
import { cpuJumps, JUMP_FACTOR } from '../../tools/bench/suites/exploreAgainst.js';

/** The in-process A/B's warning (`bench --suite explore --against`), on made-up CPU seconds. */
describe('cpuJumps: a round far above the median of the same build’s earlier rounds', () => {
  it('flags nothing in steady rounds, nor in the first round, nor a round that got faster', () => {
    expect(cpuJumps([5.4, 5.6, 5.3, 5.5])).toEqual([]);
    expect(cpuJumps([12])).toEqual([]);
    expect(cpuJumps([])).toEqual([]);
    expect(cpuJumps([12, 5.5, 5.6])).toEqual([]);
  });

  it('names the round that jumps, with its CPU and the median it is compared with', () => {
    expect(cpuJumps([5.4, 5.6, 13.1])).toEqual([{ round: 2, cpu: 13.1, median: 5.5 }]);
    // Against the median, not the mean: one slow earlier round does not hide a jump.
    expect(cpuJumps([5, 5, 9, 13])).toEqual([
      { round: 2, cpu: 9, median: 5 },
      { round: 3, cpu: 13, median: 5 },
    ]);
  });

  it('takes more than the factor: exactly 1.5x is not a jump', () => {
    expect(JUMP_FACTOR).toBe(1.5);
    expect(cpuJumps([4, 6])).toEqual([]);
    expect(cpuJumps([4, 6.01])).toEqual([{ round: 1, cpu: 6.01, median: 4 }]);
    expect(cpuJumps([4, 5], 1.2)).toEqual([{ round: 1, cpu: 5, median: 4 }]);
  });

  it('ignores rounds too short to time (jitter), unless told otherwise', () => {
    expect(cpuJumps([0.05, 0.2])).toEqual([]);
    expect(cpuJumps([0.05, 0.2], 1.5, 0)).toEqual([{ round: 1, cpu: 0.2, median: 0.05 }]);
  });
});
