// Output files (issue: --out onto a directory or "", matrix --out-dir onto a file threw
// uncaught exceptions and left .partial files; export/convert onto their input destroyed it):
// exit 2 with one line, nothing left behind, inputs intact; a good write replaces atomically.
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { cli } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'ptesim-out-'));
const log = join(dir, 'x.ptesim');
const sub = join(dir, 'sub');
const aFile = join(dir, 'plain.txt');
let original: Buffer;

beforeAll(async () => {
  mkdirSync(sub);
  writeFileSync(aFile, 'not a directory');
  const r = await cli('run', 'seed-concurrent-wrprotect', '--seed', '3', '--out', log);
  expect(r.code).toBeLessThan(2);
  original = readFileSync(log);
});

const leftovers = (): string[] =>
  [...readdirSync(dir), ...readdirSync(sub).map((f) => `sub/${f}`)].filter((f) =>
    f.endsWith('.partial'),
  );

const CASES: [string, string[], RegExp][] = [
  ['run --out onto a directory', ['run', 'seed-clean', '--out', sub], /is a directory/],
  ['run --out ""', ['run', 'seed-clean', '--out', ''], /output path is empty/],
  [
    'run --out in a missing directory',
    ['run', 'seed-clean', '--out', join(dir, 'no/x.ptesim')],
    /no directory/,
  ],
  [
    'explore --out onto a directory',
    ['explore', 'seed-concurrent-wrprotect', '--out', sub],
    /is a directory/,
  ],
  ['export -o onto a directory', ['export', log, '--format', 'dot', '-o', sub], /is a directory/],
  [
    'export -o onto its own input',
    ['export', log, '--format', 'perfetto', '-o', log],
    /refusing to write onto the input/,
  ],
  [
    'log convert onto its own input',
    ['log', 'convert', log, '--to', 'ptesim', '--out', log],
    /refusing to write onto the input/,
  ],
  [
    'log convert --to jsonl onto its own input',
    ['log', 'convert', log, '--to', 'jsonl', '--out', log],
    /refusing to write onto the input/,
  ],
  [
    'matrix --out-dir onto a file',
    ['matrix', 'seed-clean', '--out-dir', aFile],
    /output directory is a file/,
  ],
  ['matrix --out-dir ""', ['matrix', 'seed-clean', '--out-dir', ''], /output directory is empty/],
];

describe('output paths', () => {
  for (const [name, argv, msg] of CASES)
    it(`${name}: exit 2, one line, nothing left behind, the input intact`, async () => {
      const r = await cli(...argv);
      expect(r.code).toBe(2);
      expect(r.err.split('\n')).toHaveLength(1);
      expect(r.err).toMatch(msg);
      expect(leftovers()).toEqual([]);
      expect(readFileSync(log).equals(original)).toBe(true);
      expect(readFileSync(aFile, 'utf8')).toBe('not a directory');
    });

  it('a good write replaces an existing file whole and leaves no .partial', async () => {
    const out = join(dir, 'trace.json');
    writeFileSync(out, 'old');
    expect((await cli('export', log, '--format', 'perfetto', '-o', out)).code).toBe(0);
    expect(JSON.parse(readFileSync(out, 'utf8'))).toHaveProperty('traceEvents');
    const copy = join(dir, 'copy.ptesim');
    expect((await cli('log', 'convert', log, '--to', 'ptesim', '--out', copy)).code).toBe(0);
    expect((await cli('log', 'verify', copy)).code).toBe(0);
    expect(existsSync(`${copy}.partial`)).toBe(false);
    expect(leftovers()).toEqual([]);
  });
});
