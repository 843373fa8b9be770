import { describe, expect, it } from 'vitest';
import { layoutBreaks, MODEL_LAYOUT_VERSION, modelLayoutSignature } from '../../src/index.js';

/**
 * The step-machine layout each version stands for (numbers recorded in logs as thread/goto pc
 * and thread/set slot). When this test fails, a number changed meaning: bump
 * MODEL_LAYOUT_VERSION, put the new signature here and re-record logs/.
 */
const RECORDED: Record<number, string> = {
  1: `
access(vpn,isWrite) 0:access
caller(snapshot) 0:start 1:second 2:third
clearRefs(i,ptl,old,total) 0:enter 1:pte 2:commit 3:finish
device(stores,vpn,seq,pte) 0:pick 1:access 3:install
fault(vpn,isWrite,orig) 0:enter 1:locked 2:pfnMkwrite 3:finish 4:pageMkwrite 5:finishPage 10:doFault
helper(op,first,nr,bm,total,vma,vpn,clipFrom,clipTo,winFrom,winTo,flFrom,flTo,cpus,old,mm,ptl) 0:immapLock 1:nextVma 2:pendingInc 3:pte 4:commit 5:postVma 6:shootdown 7:notifierEnd 8:pendingDec 9:flushUnderPtl
mprotect(vpn,ptl,old,gatherFrom,gatherTo,total) 0:enter 1:pte 2:commit 3:notifierEnd 4:finish
reclaim(vma,batch) 0:enter 1:vma 2:pte 3:flush
user(op,writes) 0:run
writeback(page,vma,called) 0:page 1:vma 2:pte 3:io`,
};

describe('model layout version', () => {
  it(`the machines keep every number of layout ${MODEL_LAYOUT_VERSION}`, () => {
    const recorded = RECORDED[MODEL_LAYOUT_VERSION];
    expect(recorded, 'record the signature of the current layout version here').toBeDefined();
    expect(layoutBreaks(recorded ?? '', modelLayoutSignature())).toEqual([]);
  });

  it('catches a swapped slot, a relabelled pc and a lost machine; allows additions', () => {
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
