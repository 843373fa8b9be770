import { STEP_MACHINES } from './programs.js';

/**
 * The model layout version: which numbers the step machines' declared locals and labels
 * (src/kernel/machine.ts) have. Logs record pcs and slots as numbers (`thread/goto`,
 * `thread/set`, `thread/call` locals), so the log header records this version and a reader
 * refuses a log of another layout in one line instead of misreplaying it.
 *
 * Bump it when a number changes meaning ({@link layoutBreaks} of the signature a test holds for
 * this version is not empty): then record the new signature in that test and re-record logs/.
 * Additions (a new machine, a local appended, a label at a new pc) keep the version. Logs
 * written before the header had the field were written with layout 1.
 */
export const MODEL_LAYOUT_VERSION = 2;

/** Layout 1: the step machines before caller programs. */
const LAYOUT_1 = `access(vpn,isWrite) 0:access
caller(snapshot) 0:start 1:second 2:third
clearRefs(i,ptl,old,total) 0:enter 1:pte 2:commit 3:finish
device(stores,vpn,seq,pte) 0:pick 1:access 3:install
fault(vpn,isWrite,orig) 0:enter 1:locked 2:pfnMkwrite 3:finish 4:pageMkwrite 5:finishPage 10:doFault
helper(op,first,nr,bm,total,vma,vpn,clipFrom,clipTo,winFrom,winTo,flFrom,flTo,cpus,old,mm,ptl) 0:immapLock 1:nextVma 2:pendingInc 3:pte 4:commit 5:postVma 6:shootdown 7:notifierEnd 8:pendingDec 9:flushUnderPtl
mprotect(vpn,ptl,old,gatherFrom,gatherTo,total) 0:enter 1:pte 2:commit 3:notifierEnd 4:finish
reclaim(vma,batch) 0:enter 1:vma 2:pte 3:flush
user(op,writes) 0:run
writeback(page,vma,called) 0:page 1:vma 2:pte 3:io`;

/**
 * Layout 2: callers run programs (their pc is the index of the next operation, no labels); and
 * the machines and locals added while it was current (additions keep a version): mprotect's
 * and writeback's appended locals, kthread, sysMmap, unmapMapping, vmw, zap.
 */
const LAYOUT_2 = `access(vpn,isWrite) 0:access
caller(snapshot)
clearRefs(i,ptl,old,total) 0:enter 1:pte 2:commit 3:finish
device(stores,vpn,seq,pte) 0:pick 1:access 3:install
fault(vpn,isWrite,orig) 0:enter 1:locked 2:pfnMkwrite 3:finish 4:pageMkwrite 5:finishPage 10:doFault
helper(op,first,nr,bm,total,vma,vpn,clipFrom,clipTo,winFrom,winTo,flFrom,flTo,cpus,old,mm,ptl) 0:immapLock 1:nextVma 2:pendingInc 3:pte 4:commit 5:postVma 6:shootdown 7:notifierEnd 8:pendingDec 9:flushUnderPtl
kthread(done) 0:switchOut
mprotect(vpn,ptl,old,gatherFrom,gatherTo,total,sys,mm,vma,rw,upgrade,same) 0:enter 1:pte 2:commit 3:notifierEnd 4:finish
reclaim(vma,batch) 0:enter 1:vma 2:pte 3:flush
sysMmap(vma) 0:call
unmapMapping(first,nr,vma) 0:lock 1:next
user(op,writes) 0:run
vmw(op,first,nr,arg,marked,saveStart,saveEnd) 0:start 1:ptScanned 2:switchWp 3:mkScanned 4:mkSwitched 5:addWp 6:preUnmapWp 7:zap 8:done
writeback(page,vma,called,first,nr) 0:page 1:vma 2:pte 3:io
zap(how,mm,vma,from,to,vpn,ptl,gatherFrom,gatherTo,force,total) 0:enter 1:pte 2:notifierEnd 3:finish`;

/**
 * The signature of every layout version so far (what {@link modelLayoutSignature} gave when it
 * was current): a log of an older layout can still be re-simulated when none of the machines it
 * ran changed a number since (see {@link machinesBrokenSince}). A test checks the current entry.
 */
export const LAYOUT_HISTORY: Readonly<Record<number, string>> = {
  1: LAYOUT_1,
  2: LAYOUT_2,
};

/**
 * The machines whose numbers changed meaning between layout `version` and today's, or null
 * when `version` is unknown here (newer than this ptesim).
 */
export function machinesBrokenSince(version: number): Set<string> | null {
  const then = LAYOUT_HISTORY[version];
  if (then === undefined) return null;
  return new Set(
    layoutBreaks(then, modelLayoutSignature()).map(
      (b) => b.split(/[: ]/)[b.startsWith('machine ') ? 1 : 0] ?? '',
    ),
  );
}

/**
 * Every machine's name, locals and labels with their numbers, in one line each: the thing the
 * layout version stands for.
 */
export function modelLayoutSignature(): string {
  return [...STEP_MACHINES]
    .map((m) => m.layout)
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .map((l) =>
      `${l.name}(${l.locals.join(',')}) ${l.labelAt
        .map((label, pc) => (label === undefined ? null : `${pc}:${label}`))
        .filter((x) => x !== null)
        .join(' ')}`.trimEnd(),
    )
    .join('\n');
}

/**
 * What `current` breaks of `recorded` (two {@link modelLayoutSignature}s): a machine gone, a
 * local whose slot now means another local, a pc whose label changed. Additions (new machines,
 * locals appended, new labels at unused pcs) break nothing: logs of `recorded` still mean the
 * same. Empty when compatible.
 */
export function layoutBreaks(recorded: string, current: string): string[] {
  type Machine = { locals: string[]; labels: Map<string, string> };
  const parse = (sig: string): Map<string, Machine> => {
    const out = new Map<string, Machine>();
    for (const line of sig.split('\n')) {
      const m = /^(\w+)\(([^)]*)\)\s*(.*)$/.exec(line.trim());
      if (!m) continue;
      const labels = new Map<string, string>();
      for (const x of (m[3] ?? '').split(' ')) {
        const [pc, label] = x.split(':');
        if (pc && label) labels.set(pc, label);
      }
      out.set(m[1] ?? '', { locals: (m[2] ?? '').split(',').filter((x) => x !== ''), labels });
    }
    return out;
  };
  const was = parse(recorded);
  const now = parse(current);
  const out: string[] = [];
  for (const [name, w] of was) {
    const n = now.get(name);
    if (!n) {
      out.push(`machine ${name} is gone`);
      continue;
    }
    w.locals.forEach((l, i) => {
      if (n.locals[i] !== l) out.push(`${name}: slot ${i} was '${l}', now '${n.locals[i] ?? '-'}'`);
    });
    for (const [pc, label] of w.labels)
      if (n.labels.get(pc) !== label)
        out.push(`${name}: pc ${pc} was '${label}', now '${n.labels.get(pc) ?? '-'}'`);
  }
  return out;
}
