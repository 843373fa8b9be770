import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  isSimError,
  LogReader,
  memorySource,
  MemorySink,
  MODEL_LAYOUT_VERSION,
  parseLog,
  readJsonl,
  resimulate,
  writeJsonl,
} from '../../src/index.js';
import { recordBytes } from './helpers.js';
import { cli } from '../helpers/cli.js';

/** The JSON lines of a recorded log with header.layout replaced by `layout` (or dropped). */
function linesWithLayout(layout: number | undefined): string[] {
  const { bytes } = recordBytes('seed-concurrent-wrprotect', 3);
  const lines: string[] = [];
  writeJsonl(LogReader.open(memorySource(bytes)), (l) => lines.push(l));
  const first = JSON.parse(lines[0] as string) as { '@header': Record<string, unknown> };
  if (layout === undefined) delete first['@header']['layout'];
  else first['@header']['layout'] = layout;
  lines[0] = JSON.stringify(first);
  return lines;
}

describe('model layout version in the log header', () => {
  it('a recorded log carries the current layout version', () => {
    const { bytes } = recordBytes('seed-clean', 1);
    expect(parseLog(bytes).header.layout).toBe(MODEL_LAYOUT_VERSION);
  });

  it('a log without the field (written before it existed) reads as layout 1', () => {
    const sink = new MemorySink();
    readJsonl(linesWithLayout(undefined), sink, 'old.jsonl');
    expect(parseLog(sink.bytes()).header.layout).toBe(1);
  });

  it('a log of another layout reads and folds, but re-simulation refuses it in one line', () => {
    const sink = new MemorySink();
    readJsonl(linesWithLayout(MODEL_LAYOUT_VERSION - 1), sink, 'other.jsonl');
    const log = parseLog(sink.bytes());
    expect(log.header.layout).toBe(MODEL_LAYOUT_VERSION - 1);
    let err: unknown;
    try {
      resimulate(log, 'other.ptesim');
    } catch (e) {
      err = e;
    }
    expect(isSimError(err) && err.code).toBe('LOG_LAYOUT');
    const msg = (err as Error).message;
    expect(msg).not.toContain('\n');
    expect(msg).toContain(`model layout ${MODEL_LAYOUT_VERSION - 1}`);
    expect(msg).toContain(`this ptesim has layout ${MODEL_LAYOUT_VERSION}`);
    // The same log with today's layout re-simulates identically: the refusal is the layout's.
    const same = new MemorySink();
    readJsonl(linesWithLayout(MODEL_LAYOUT_VERSION), same, 'same.jsonl');
    expect(resimulate(parseLog(same.bytes())).identical).toBe(true);
  });

  it('the CLI: replay folds it (exit 0), replay --resimulate refuses it (exit 2, one line)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ptesim-layout-'));
    const src = join(dir, 'other.jsonl');
    writeFileSync(src, `${linesWithLayout(MODEL_LAYOUT_VERSION - 1).join('\n')}\n`);
    const log = join(dir, 'other.ptesim');
    expect((await cli('log', 'convert', src, '--to', 'ptesim', '--out', log)).code).toBe(0);
    expect((await cli('replay', log)).code).toBe(0);
    const r = await cli('replay', log, '--resimulate');
    expect(r.code).toBe(2);
    expect(r.err.trim().split('\n')).toHaveLength(1);
    expect(r.err).toMatch(/header\.layout: written with model layout \d+/);
  });
});
