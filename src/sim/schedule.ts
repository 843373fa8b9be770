import { SimError } from '../errors.js';

/** One scheduler pick: thread `tid` steps, taking alternative `choice` if it has several. */
export interface Pick {
  readonly tid: number;
  readonly choice: number;
}

/**
 * Schedule strings name thread steps, not event indices, so they survive model changes that
 * add or remove events: `0.1:2.0*3` = thread 0 steps, thread 1 steps taking alternative 2,
 * thread 0 steps three times. `t*k` repeats a pick k times.
 */
export function formatSchedule(picks: readonly Pick[]): string {
  const parts: string[] = [];
  let i = 0;
  while (i < picks.length) {
    const p = picks[i] as Pick;
    let k = 1;
    while (i + k < picks.length && picks[i + k]?.tid === p.tid && picks[i + k]?.choice === p.choice)
      k++;
    const one = p.choice === 0 ? `${p.tid}` : `${p.tid}:${p.choice}`;
    parts.push(k > 1 ? `${one}*${k}` : one);
    i += k;
  }
  return parts.join('.');
}

export function parseSchedule(text: string): Pick[] {
  const out: Pick[] = [];
  const trimmed = text.trim();
  if (trimmed === '') return out;
  trimmed.split('.').forEach((part, i) => {
    const m = /^(\d+)(?::(\d+))?(?:\*(\d+))?$/.exec(part);
    if (!m)
      throw new SimError(
        'SCHEDULE_INVALID',
        `expected 'tid', 'tid:choice' or 'tid*count' at entry ${i + 1}, found '${part}'`,
        'schedule',
      );
    const tid = Number(m[1]);
    const choice = m[2] === undefined ? 0 : Number(m[2]);
    const k = m[3] === undefined ? 1 : Number(m[3]);
    if (k < 1 || k > 10_000_000)
      throw new SimError(
        'SCHEDULE_INVALID',
        `repeat count must be 1..10000000, found ${k} at entry ${i + 1}`,
        'schedule',
      );
    for (let j = 0; j < k; j++) out.push({ tid, choice });
  });
  return out;
}
