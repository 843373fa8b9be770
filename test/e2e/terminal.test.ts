import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { colorWanted } from '../../tools/io.js';
import { progressMeter, type ProgressStream } from '../../tools/progress.js';

describe('colour follows NO_COLOR / FORCE_COLOR and the stream written to', () => {
  const tty = { isTTY: true };
  const pipe = { isTTY: false };
  it('a terminal gets colour, a pipe does not', () => {
    expect(colorWanted(tty, {})).toBe(true);
    expect(colorWanted(pipe, {})).toBe(false);
  });
  it('NO_COLOR (non-empty) turns it off even on a terminal, and wins over FORCE_COLOR', () => {
    expect(colorWanted(tty, { NO_COLOR: '1' })).toBe(false);
    expect(colorWanted(tty, { NO_COLOR: '' })).toBe(true);
    expect(colorWanted(pipe, { NO_COLOR: '1', FORCE_COLOR: '1' })).toBe(false);
  });
  it('FORCE_COLOR turns it on for a pipe; FORCE_COLOR=0 does not', () => {
    expect(colorWanted(pipe, { FORCE_COLOR: '1' })).toBe(true);
    expect(colorWanted(pipe, { FORCE_COLOR: '0' })).toBe(false);
  });
});

function stream(isTTY: boolean): ProgressStream & { text(): string } {
  const s = new PassThrough() as PassThrough & { isTTY: boolean; columns: number };
  s.isTTY = isTTY;
  s.columns = 120;
  let text = '';
  s.on('data', (d: Buffer) => (text += d.toString()));
  return Object.assign(s, { text: () => text });
}

describe('progress of an exhaustive search (cli-progress)', () => {
  const p = { states: 50_000, transitions: 90_000, depth: 42, queue: 7, runs: 0 };
  it('on a terminal: states, rate, depth and the percentage of the state budget', async () => {
    const s = stream(true);
    const m = progressMeter('explore t', { states: 100_000 }, s);
    m.update(p);
    m.done();
    await new Promise((r) => setImmediate(r));
    expect(s.text()).toMatch(
      /explore t \[.*\] 50% of state budget \| 50,000 states \([\d,]+\/s\), depth 42/,
    );
  });
  it('writes nothing when the stream it writes to is not a terminal', async () => {
    const s = stream(false);
    const m = progressMeter('explore t', { states: 100_000 }, s);
    m.update(p);
    m.done();
    await new Promise((r) => setImmediate(r));
    expect(s.text()).toBe('');
  });
});
