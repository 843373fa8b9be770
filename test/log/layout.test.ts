import { mkdtempSync, writeFileSync, existsSync } from 'node:fs';
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

  it('a log of another layout is refused in one line naming both versions', () => {
    let err: unknown;
    try {
      readJsonl(linesWithLayout(MODEL_LAYOUT_VERSION + 1), new MemorySink(), 'other.jsonl');
    } catch (e) {
      err = e;
    }
    expect(isSimError(err) && err.code).toBe('LOG_LAYOUT');
    const msg = (err as Error).message;
    expect(msg).not.toContain('\n');
    expect(msg).toContain(`model layout ${MODEL_LAYOUT_VERSION + 1}`);
    expect(msg).toContain(`this ptesim has layout ${MODEL_LAYOUT_VERSION}`);
  });

  it('the CLI refuses it with exit 2 and writes nothing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ptesim-layout-'));
    const src = join(dir, 'other.jsonl');
    writeFileSync(src, `${linesWithLayout(MODEL_LAYOUT_VERSION + 1).join('\n')}\n`);
    const out = join(dir, 'other.ptesim');
    const r = await cli('log', 'convert', src, '--to', 'ptesim', '--out', out);
    expect(r.code).toBe(2);
    expect(r.err.trim().split('\n')).toHaveLength(1);
    expect(r.err).toMatch(/header\.layout: written with model layout \d+/);
    expect(existsSync(out)).toBe(false);
  });
});
