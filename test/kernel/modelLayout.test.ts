import { describe, expect, it } from 'vitest';
import {
  LAYOUT_HISTORY,
  layoutBreaks,
  MODEL_LAYOUT_VERSION,
  modelLayoutSignature,
} from '../../src/index.js';

/**
 * The step-machine layout each version stands for (numbers recorded in logs as thread/goto pc
 * and thread/set slot). When this test fails, a number changed meaning: bump
 * MODEL_LAYOUT_VERSION, put the new signature here and re-record logs/.
 */
const RECORDED = LAYOUT_HISTORY;

describe('model layout version', () => {
  it(`the machines keep every number of layout ${MODEL_LAYOUT_VERSION}`, () => {
    const recorded = RECORDED[MODEL_LAYOUT_VERSION];
    expect(recorded, 'record the signature of the current layout in LAYOUT_HISTORY').toBeDefined();
    expect(layoutBreaks(recorded ?? '', modelLayoutSignature())).toEqual([]);
  });

  it('names the machines that changed since an older layout (none since the current one)', async () => {
    const { machinesBrokenSince } = await import('../../src/kernel/modelLayout.js');
    expect([...(machinesBrokenSince(1) ?? [])]).toEqual(['caller']);
    expect([...(machinesBrokenSince(MODEL_LAYOUT_VERSION) ?? [])]).toEqual([]);
    expect(machinesBrokenSince(MODEL_LAYOUT_VERSION + 1)).toBeNull();
  });

  it('the current layout names every step machine (none escapes the version)', () => {
    const names = (sig: string) => sig.split('\n').map((l) => l.split('(')[0]);
    expect(
      names(RECORDED[MODEL_LAYOUT_VERSION] ?? ''),
      'a step machine was added: add its line to the current layout in LAYOUT_HISTORY (src/kernel/modelLayout.ts)',
    ).toEqual(names(modelLayoutSignature()));
  });

  it('catches a swapped slot, a relabelled pc and a lost machine; allows additions', () => {
    expect(layoutBreaks(RECORDED[1] ?? '', RECORDED[2] ?? '')).toEqual([
      "caller: pc 0 was 'start', now '-'",
      "caller: pc 1 was 'second', now '-'",
      "caller: pc 2 was 'third', now '-'",
    ]);
    const base = RECORDED[1] ?? '';
    expect(layoutBreaks(base, base.replace('reclaim(vma,batch)', 'reclaim(batch,vma)'))).toEqual([
      "reclaim: slot 0 was 'vma', now 'batch'",
      "reclaim: slot 1 was 'batch', now 'vma'",
    ]);
    expect(layoutBreaks(base, base.replace('3:io', '3:page'))).toEqual([
      "writeback: pc 3 was 'io', now 'page'",
    ]);
    expect(layoutBreaks(base, base.replace(/^user.*$/m, ''))).toEqual(['machine user is gone']);
    const grown = base
      .replace('reclaim(vma,batch)', 'reclaim(vma,batch,extra)')
      .replace('3:io', '3:io 4:more')
      .concat('\nzap(vpn) 0:enter');
    expect(layoutBreaks(base, grown)).toEqual([]);
  });
});
