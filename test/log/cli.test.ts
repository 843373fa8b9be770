// `ptesim log info|verify|convert` and `replay --until`, in-process through main().
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordBytes } from './helpers.js';
import {
  frameRecord,
  LogReader,
  memorySource,
  RECORD_CHECKPOINT,
  stateHash,
} from '../../src/index.js';
import { decode } from '../../src/log/codec.js';
import { cli } from '../helpers/cli.js';

let dir = '';
let log = '';
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'ptesim-logcli-'));
  log = join(dir, 'run.ptesim');
  writeFileSync(
    log,
    recordBytes('seed-concurrent-wrprotect', 25, { chunkEvents: 32, checkpointEvery: 64 }).bytes,
  );
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('ptesim log', () => {
  it('info prints header, chunks, checkpoints, size and bytes/event (and --json)', async () => {
    const r = await cli('log', 'info', log);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/format 3, event schema \d+/);
    expect(r.out).toMatch(
      /\d+ events in \d+ chunks, \d+ checkpoints; \d+ bytes \([\d.]+ bytes\/event\)/,
    );
    const j = JSON.parse((await cli('log', 'info', log, '--json')).out) as {
      events: number;
      chunks: number;
      checkpoints: number;
    };
    expect(j.chunks).toBe(Math.ceil(j.events / 32));
    expect(j.checkpoints).toBe(Math.floor(j.events / 64));
  });

  it('verify: 0 on a good log, 1 with the problem named on a tampered checkpoint', async () => {
    expect((await cli('log', 'verify', log)).code).toBe(0);
    // Rewrite checkpoint 0 as a self-consistent lie (one more warning, hash recomputed, same
    // length): its CRC and hash check out, only re-folding the events finds it.
    const bytes = new Uint8Array(readFileSync(log));
    const r0 = LogReader.open(memorySource(bytes));
    const cp = r0.checkpoints[0];
    expect(cp).toBeDefined();
    const at = (cp as { offset: number }).offset;
    const len = new DataView(bytes.buffer, bytes.byteOffset + at, 4).getUint32(0, true);
    const payload = decode(bytes.subarray(at + 5, at + 5 + len)) as {
      at: number;
      hash: string;
      state: { warnings: number };
    };
    payload.state.warnings += 1;
    payload.hash = stateHash(payload.state as never);
    const rec = frameRecord(RECORD_CHECKPOINT, payload);
    expect(rec.length).toBe(9 + len);
    bytes.set(rec, at);
    const bad = join(dir, 'tampered.ptesim');
    writeFileSync(bad, bytes);
    const r = await cli('log', 'verify', bad);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(
      /FAILED.*\n.*checkpoint 0 at event 64 .*recorded state hash [0-9a-f]{16}, re-folded [0-9a-f]{16}/,
    );
  });

  it('convert --to jsonl and back gives a log that verifies and replays to the same hash', async () => {
    const jsonl = join(dir, 'run.jsonl');
    const back = join(dir, 'back.ptesim');
    expect((await cli('log', 'convert', log, '--to', 'jsonl', '--out', jsonl)).code).toBe(0);
    expect(readFileSync(jsonl, 'utf8').split('\n')[1]).toMatch(
      /^\{"type":"@sim\/sched","tid":\d+\}$/,
    );
    expect(
      (await cli('log', 'convert', jsonl, '--to', 'ptesim', '--out', back, '--chunk-events', '10'))
        .code,
    ).toBe(0);
    expect((await cli('log', 'verify', back)).code).toBe(0);
    const h1 = JSON.parse((await cli('replay', log, '--json')).out) as { finalStateHash: string };
    const h2 = JSON.parse((await cli('replay', back, '--json')).out) as { finalStateHash: string };
    expect(h2.finalStateHash).toBe(h1.finalStateHash);
  });

  it('replay --until seeks from the nearest checkpoint', async () => {
    const r = JSON.parse((await cli('replay', log, '--until', '130', '--json')).out) as {
      events: number;
      seekedFrom: number;
      folded: number;
    };
    expect(r).toMatchObject({ events: 131, seekedFrom: 128, folded: 3 });
  });

  it('bad input: exit 2, one line naming the file; no output file left behind', async () => {
    const junk = join(dir, 'junk.jsonl');
    writeFileSync(junk, '{"@header": {"format": 2}}\n');
    const out = join(dir, 'never.ptesim');
    const r = await cli('log', 'convert', junk, '--to', 'ptesim', '--out', out);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/junk\.jsonl line 1/);
    expect(existsSync(out) || existsSync(`${out}.partial`)).toBe(false);
    expect((await cli('log', 'convert', log, '--to', 'xml')).code).toBe(2);
    const cut = join(dir, 'cut.ptesim');
    const whole = readFileSync(log);
    writeFileSync(cut, whole.subarray(0, Math.floor(whole.length * 0.8)));
    const t = await cli('log', 'info', cut);
    expect(t.code).toBe(2);
    expect(t.err).toMatch(/cut\.ptesim.*events survived; use --salvage/);
    expect((await cli('log', 'info', cut, '--salvage')).out).toMatch(
      /TRUNCATED: \d+ events survived; the valid prefix ends at byte \d+/,
    );
    expect((await cli('log', 'verify', cut, '--salvage')).code).toBe(1);
    // Salvage into a complete log: it verifies, and says how it ended.
    const fixed = join(dir, 'fixed.ptesim');
    expect(
      (await cli('log', 'convert', cut, '--to', 'ptesim', '--salvage', '--out', fixed)).code,
    ).toBe(0);
    expect((await cli('log', 'verify', fixed)).code).toBe(0);
    expect((await cli('log', 'info', fixed)).out).toMatch(/ended truncated/);
  });
});
