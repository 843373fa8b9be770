import { describe, expect, it } from 'vitest';
import {
  isSimError,
  LogReader,
  memorySource,
  MemorySink,
  parseLog,
  readJsonl,
  writeJsonl,
} from '../../src/index.js';
import { recordBytes } from './helpers.js';

function toLines(bytes: Uint8Array): string[] {
  const lines: string[] = [];
  writeJsonl(LogReader.open(memorySource(bytes)), (l) => lines.push(l));
  return lines;
}

describe('JSON lines conversion', () => {
  it('log → JSON lines → log keeps header, every event and the footer', () => {
    const { bytes } = recordBytes('seed-concurrent-wrprotect', 25);
    const lines = toLines(bytes);
    expect(JSON.parse(lines[0] as string)).toHaveProperty('@header');
    expect(JSON.parse(lines[lines.length - 1] as string)).toHaveProperty('@footer');
    const sink = new MemorySink();
    readJsonl(lines, sink, 'x.jsonl');
    const a = parseLog(bytes);
    const b = parseLog(sink.bytes());
    expect(b.events).toEqual(a.events);
    expect(b.footer).toEqual(a.footer);
    expect(b.header).toEqual(a.header);
  });

  it('without a footer line the log is completed with end "truncated" and the hash of the fold', () => {
    const { bytes } = recordBytes('seed-clean', 1);
    const lines = toLines(bytes).slice(0, 40);
    const sink = new MemorySink();
    const r = readJsonl(lines, sink, 'x.jsonl');
    expect(r.events).toBe(39);
    expect(parseLog(sink.bytes()).footer?.end).toBe('truncated');
  });

  it.each([
    ['not JSON', (l: string[]) => [l[0], '{nope'], /x\.jsonl line 2: not JSON/],
    [
      'a bad event',
      (l: string[]) => [l[0], '{"type":"pte/set","tid":"0"}'],
      /line 2: event 0: pte\/set\.tid: expected an integer/,
    ],
    [
      'a __proto__ key',
      (l: string[]) => [l[0], '{"type":"@sim/sched","tid":1,"__proto__":{"polluted":1}}'],
      null,
    ],
    ['no header', (l: string[]) => l.slice(1), /line 1: the first line must be/],
    [
      'a lying footer',
      (l: string[]) => [
        ...l.slice(0, -1),
        l[l.length - 1]?.replace(
          /"finalStateHash":"[0-9a-f]+"/,
          '"finalStateHash":"0000000000000000"',
        ),
      ],
      /records final state hash 0000000000000000/,
    ],
  ] as const)('rejects %s with a typed error naming the line', (_name, mutate, expected) => {
    const { bytes } = recordBytes('seed-clean', 1);
    const lines = (mutate as (l: string[]) => (string | undefined)[])(toLines(bytes)).map(
      (l) => l ?? '',
    );
    const sink = new MemorySink();
    if (expected === null) {
      readJsonl(lines, sink, 'x.jsonl');
      expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
      expect(Object.hasOwn(parseLog(sink.bytes()).events[0] as object, '__proto__')).toBe(false);
      return;
    }
    try {
      readJsonl(lines, sink, 'x.jsonl');
      expect.unreachable();
    } catch (e) {
      expect(isSimError(e)).toBe(true);
      expect((e as Error).message).toMatch(expected);
    }
  });
});
