import { describe, expect, test } from 'vitest';
import { EVENT_FIELDS, EVENT_TYPES, type SimEvent } from '../../src/index.js';
import { builtin } from '../helpers/scenarios.js';
import { makeRunContext } from '../../tools/report/runContext.js';
import { eventText, stepPhrase } from '../../tools/report/eventText.js';

const ctx = makeRunContext(builtin('seed-concurrent-wrprotect'));

/** A well-formed event of `type`: zeros, 'x', and the first value of each enum. */
function sample(type: string): SimEvent {
  const out: Record<string, unknown> = { type };
  for (const [name, kind] of Object.entries(EVENT_FIELDS[type as SimEvent['type']]))
    out[name] = kind === 'int' ? 0 : kind === 'str' ? 'x' : kind === 'ints' ? [0] : kind[0];
  return out as unknown as SimEvent;
}

/** Scheduler and thread bookkeeping: what a hand-drawn table leaves out. */
const BOOKKEEPING = [
  '@sim/sched',
  '@sim/choice',
  'thread/goto',
  'thread/set',
  'thread/return',
  'bounds/set',
  'ghost/wp-seen',
];

describe('readable event text for the CPU-column table', () => {
  test.each(EVENT_TYPES.filter((t) => !BOOKKEEPING.includes(t)))(
    '%s reads as a phrase, not as raw fields',
    (type) => {
      const e = sample(type);
      if (type === 'thread/call') (e as { fn: string }).fn = 'access';
      const p = stepPhrase(e, ctx);
      expect(p, `${type} has no phrase in tools/report/eventText.ts stepPhrase`).not.toBeNull();
      expect(p).not.toBe(eventText(e, ctx));
      expect(p).not.toMatch(/\b[a-z]+=/); // no `name=value` dumps
    },
  );
  test('bookkeeping stays out of the table', () => {
    for (const t of BOOKKEEPING) expect(stepPhrase(sample(t), ctx), t).toBeNull();
  });
  test('the check above catches an event type printed raw', () => {
    const raw = { type: 'x/new', tid: 0 } as unknown as SimEvent;
    expect(stepPhrase(raw, ctx)).toBe(eventText(raw, ctx));
  });
  test('decisions read as a reviewer writes them', () => {
    const say = (e: Record<string, unknown>): string | null =>
      stepPhrase({ tid: 0, mm: 0, ...e } as unknown as SimEvent, ctx);
    expect(say({ type: 'decide/skip-vma', vma: 1, why: '!VM_WRITE', stop: 0 })).toBe(
      'VMA skipped: !VM_WRITE (mm0 vma 1)',
    );
    expect(say({ type: 'decide/skip-vma', vma: 0, why: '!VM_MAYWRITE', stop: 1 })).toBe(
      'walk stops at VMA: !VM_MAYWRITE (mm0 vma 0)',
    );
    expect(say({ type: 'decide/skip-flush', from: 0, to: 2, why: 'empty' })).toBe(
      'flush skipped: nothing gathered in [0,2)',
    );
    expect(say({ type: 'decide/nested-flush', from: 0, to: 4 })).toBe(
      'nested flush forced (mm_tlb_flush_nested) [0,4)',
    );
    expect(say({ type: 'decide/upgrade-writable', vpn: 3, fn: 'change_pte_range' })).toBe(
      'upgrade to writable without mkwrite: pte[3] (change_pte_range)',
    );
    expect(say({ type: 'vma/write', vma: 0, value: 0 })).toBe('VM_WRITE cleared (mm0 vma 0)');
    expect(say({ type: 'actor/call', fn: 'mprotect', first: 0, nr: 2 })).toBe('mprotect(0, 2)');
  });
});
