import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  conformOps,
  getArch,
  kernelSide,
  parseTraceHeader,
  parseTraceText,
  pteIsPresent,
} from '../../src/index.js';
import { cProgram } from '../../tools/conform/cProgram.js';
import { loadScenario } from '../../tools/scenarios.js';
import { cli } from '../helpers/cli.js';
import { CASES, CONFORMANCE_DIR, tracePath, traceText } from './catalogue.js';

const dir = mkdtempSync(join(tmpdir(), 'ptesim-conform-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
/** A variant of a recorded trace, written to a temp file for `conform --trace`. */
function variant(name: string, edit: (text: string) => string): string {
  const p = join(dir, `${name}-${Math.abs(hash(edit.toString()))}.txt`);
  writeFileSync(p, edit(traceText(name)));
  return p;
}
function hash(s: string): number {
  let h = 0;
  for (const c of s) h = (h * 31 + c.charCodeAt(0)) | 0;
  return h;
}
/** The trace line of op `g`'s first in-range fault (the map marker gives the range). */
function faultLine(text: string, g: number): string {
  const lines = text.split('\n');
  const begin = lines.findIndex((l) => l.endsWith(`ptesim-conform op ${g} begin`));
  const end = lines.findIndex((l) => l.endsWith(`ptesim-conform op ${g} end`));
  const base = /base=(0x[0-9a-f]+)/.exec(text)![1]!.slice(2, -3); // the page-aligned prefix
  const hit = lines.slice(begin, end).find((l) => l.includes(`address=0x${base}`));
  if (!hit) throw new Error(`op ${g} has no fault in range`);
  return hit;
}

/*
 * What each case checks against Linux: C-F1 (one fault for a fresh shared write) in first-write,
 * write-after-dontneed and munmap-remap; U1 (msync) in write-after-msync, mprotect-clean and
 * two-threads-msync; U2 and C-F2 (mprotect both ways, x86 flushes the upgrade) in
 * mprotect-clean and mprotect-dirty; U3 (zap) in write-after-dontneed and munmap-remap; U4 (a
 * fresh mmap) in munmap-remap; C-3 (round-robin order across threads) in two-threads-msync.
 */
describe('the conformance catalogue (scenarios/conformance/, recorded traces)', () => {
  it('has at least eight cases, each with a recorded trace naming its kernel and its program', () => {
    expect(CASES.length).toBeGreaterThanOrEqual(8);
    for (const name of CASES) {
      const h = parseTraceHeader(traceText(name));
      expect(h.kernel, name).toMatch(/^\d+\.\d+/);
      expect(h.scenario).toBe(`conformance/${name}`);
      // The committed trace came from the program this generator writes today.
      expect(h.program, name).toBe(
        cProgram(loadScenario(`conformance/${name}`)).replace(/\n$/, ''),
      );
    }
  });

  it.each(CASES)(
    '%s: ptesim agrees with the recorded kernel trace op by op (exit 0)',
    async (name) => {
      const r = await cli(
        'conform',
        `conformance/${name}`,
        '--trace',
        tracePath(name),
        '--arch',
        'x86-64',
        '--json',
      );
      expect(r.err).toBe('');
      const out = JSON.parse(r.out) as {
        agree: boolean;
        kernel: string;
        rows: { agree: boolean }[];
      };
      expect(out.kernel).toBe(parseTraceHeader(traceText(name)).kernel);
      expect(out.rows).toHaveLength(conformOps(loadScenario(`conformance/${name}`)).length);
      expect(out.rows.every((row) => row.agree)).toBe(true);
      expect(out.agree).toBe(true);
      expect(r.code).toBe(0);
    },
  );

  it('the table names each op, both sides and the kernel version', async () => {
    const r = await cli(
      'conform',
      'conformance/write-after-msync',
      '--trace',
      tracePath('write-after-msync'),
      '--arch',
      'x86-64',
    );
    expect(r.out).toContain('msync vma 0');
    expect(r.out).toMatch(/write vpn 0 +fault vpn 0 W\|P +fault vpn 0 W\|P +yes/);
    expect(r.out).toMatch(/^agree: conformance\/write-after-msync, ptesim x86-64 vs Linux \d/m);
  });
});

describe('the comparison can fail (C-2)', () => {
  it('a fault the kernel saw as not-present where ptesim predicts a protection fault: exit 1 at that op', async () => {
    const p = variant('write-after-msync', (t) => {
      const line = faultLine(t, 2);
      return t.replace(line, line.replace(/error_code=0x7$/, 'error_code=0x6'));
    });
    const r = await cli(
      'conform',
      'conformance/write-after-msync',
      '--trace',
      p,
      '--arch',
      'x86-64',
    );
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/^2 .* NO$/m);
    expect(r.out).toContain('DIFFER at op 2');
  });

  it('an msync that did not flush: exit 1', async () => {
    const p = variant('write-after-msync', (t) => {
      const lines = t.split('\n');
      const b = lines.findIndex((l) => l.endsWith('ptesim-conform op 1 begin'));
      const e = lines.findIndex((l) => l.endsWith('ptesim-conform op 1 end'));
      return lines.filter((l, i) => !(i > b && i < e && l.includes('tlb_flush:'))).join('\n');
    });
    const r = await cli(
      'conform',
      'conformance/write-after-msync',
      '--trace',
      p,
      '--arch',
      'x86-64',
      '--json',
    );
    expect(r.code).toBe(1);
    const rows = (JSON.parse(r.out) as { rows: { agree: boolean; kernel: string }[] }).rows;
    expect(rows[1]).toMatchObject({ agree: false, kernel: '-' });
  });

  it('a trace recorded for another scenario does not pass for this one', async () => {
    const r = await cli(
      'conform',
      'conformance/second-write',
      '--trace',
      tracePath('first-write'),
      '--arch',
      'x86-64',
    );
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/op 1 begin' marker: the trace is cut short/);
  });
});

describe("filtering: the program's own tids and mapping range only (C-1)", () => {
  const name = 'second-write';
  const text = traceText(name);
  const scenario = loadScenario(`conformance/${name}`);
  const ops = conformOps(scenario);
  const inject = (extra: (fault: string) => string): string => {
    const f = faultLine(text, 0);
    return text.replace(f, `${f}\n${extra(f)}`);
  };

  it("a fault at the same address by another task is not the program's", () => {
    const t = inject((f) => f.replace(/^(\s*)\S+-(\d+)/, '$1other-1'));
    const k = kernelSide(parseTraceText(t), scenario, ops);
    expect(k.ops[0]!.faults).toHaveLength(1);
  });

  it('a fault of the program outside the mapping is not counted; one inside is', () => {
    const outside = inject((f) => f.replace(/address=0x[0-9a-f]+/, 'address=0x1000'));
    expect(kernelSide(parseTraceText(outside), scenario, ops).ops[0]!.faults).toHaveLength(1);
    const inside = inject((f) => f);
    expect(kernelSide(parseTraceText(inside), scenario, ops).ops[0]!.faults).toHaveLength(2);
  });

  it("a flush by another task or a received remote shootdown is not the op's flush", () => {
    const k0 = kernelSide(parseTraceText(text), scenario, ops);
    expect(k0.ops[1]!.flushes).toBe(0);
    const tid = k0.map.tids[0]!;
    const marker = text.split('\n').find((l) => l.endsWith('ptesim-conform op 1 begin'))!;
    const flush = (pid: number, reason: number): string =>
      marker
        .replace(/-\d+(\s)/, `-${pid}$1`)
        .replace(/tracing_mark_write: .*$/, `tlb_flush: pages:1 reason:x (${reason})`);
    const t = text.replace(marker, `${marker}\n${flush(tid + 1000, 3)}\n${flush(tid, 1)}`);
    expect(kernelSide(parseTraceText(t), scenario, ops).ops[1]!.flushes).toBe(0);
    const own = text.replace(marker, `${marker}\n${flush(tid, 3)}`);
    expect(kernelSide(parseTraceText(own), scenario, ops).ops[1]!.flushes).toBe(1);
  });

  it('reads trace-cmd report text (no flags column, cpus= preamble) the same way', () => {
    const tc = 'cpus=2\n' + text.replace(/^(\s*\S+-\d+\s+\[\d+\])\s+\S{5}\s+/gm, '$1 ');
    expect(tc).not.toBe(text);
    const a = kernelSide(parseTraceText(text), scenario, ops);
    const b = kernelSide(parseTraceText(tc), scenario, ops);
    expect(b.ops).toEqual(a.ops);
  });
});

describe('bad traces: exit 2, one line naming what and where (C-4)', () => {
  const run = async (p: string) =>
    cli('conform', 'conformance/write-after-msync', '--trace', p, '--arch', 'x86-64');
  const oneLine = (err: string): void => expect(err.trim().split('\n')).toHaveLength(1);

  it('a malformed line', async () => {
    const p = variant('write-after-msync', (t) =>
      t.replace(/(\n[^\n]*tracing_mark_write[^\n]*)/, '$1\nthis is not ftrace'),
    );
    const r = await run(p);
    expect(r.code).toBe(2);
    oneLine(r.err);
    expect(r.err).toMatch(/:\d+: not an ftrace event line: 'this is not ftrace'/);
  });

  it('a trace cut short (the program did not finish)', async () => {
    const p = variant('write-after-msync', (t) =>
      t.slice(0, t.indexOf('\n', t.indexOf('op 2 begin')) + 1),
    );
    const r = await run(p);
    expect(r.code).toBe(2);
    oneLine(r.err);
    expect(r.err).toMatch(/cut short/);
  });

  it('a trace cut in the middle of a line', async () => {
    const t = traceText('write-after-msync');
    const i = t.indexOf('page_fault_user: address=', t.indexOf('op 2 begin'));
    const p = variant('write-after-msync', () => t.slice(0, i + 30));
    const r = await run(p);
    expect(r.code).toBe(2);
    oneLine(r.err);
  });

  it('lost events', async () => {
    const p = variant('write-after-msync', (t) => `${t}CPU:1 [LOST 17 EVENTS]\n`);
    const r = await run(p);
    expect(r.code).toBe(2);
    oneLine(r.err);
    expect(r.err).toMatch(/lost events/);
  });

  it('not a conformance trace at all; a missing file', async () => {
    const p = join(dir, 'empty.txt');
    writeFileSync(p, '# tracer: nop\n');
    let r = await run(p);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/no 'ptesim-conform map' marker/);
    r = await run(join(dir, 'nope.txt'));
    expect(r.code).toBe(2);
    oneLine(r.err);
  });

  it('C-3: a scenario with no user-space equivalent names the thread', async () => {
    const yaml = readFileSync(join(CONFORMANCE_DIR, 'first-write.yaml'), 'utf8').replace(
      /^threads:\n/m,
      'threads:\n  - { kind: caller, name: cleaner, cpu: 0, protocol: clean }\n',
    );
    const p = join(dir, 'with-caller.yaml');
    writeFileSync(p, yaml);
    const r = await cli('conform', p, '--trace', tracePath('first-write'), '--arch', 'x86-64');
    expect(r.code).toBe(2);
    oneLine(r.err);
    expect(r.err).toMatch(/threads\[0\] \(cleaner\): kind caller has no user-space equivalent/);
  });
});

describe('U2 / C-F2: pte_needs_flush on x86 (arch/x86/include/asm/tlbflush.h)', () => {
  it('RW set or cleared needs a flush; nothing changed does not', () => {
    const x86 = getArch('x86-64');
    const rw = x86.mkPte(3, { write: true, dirty: true, special: false });
    const ro = x86.pteWrprotect(rw, {});
    expect(pteIsPresent(ro)).toBe(true);
    expect(x86.pteNeedsFlush!(rw, ro)).toBe(true);
    expect(x86.pteNeedsFlush!(ro, x86.pteMkwrite(ro))).toBe(true);
    expect(x86.pteNeedsFlush!(ro, ro)).toBe(false);
    expect(getArch('arm64-dbm').pteNeedsFlush).toBeUndefined();
  });
});
