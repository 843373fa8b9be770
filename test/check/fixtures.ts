import {
  getArch,
  layoutOf,
  makeModel,
  parseScenario,
  PTE_NONE,
  type Model,
  type SimEvent,
} from '../../src/index.js';

/**
 * A small world for hand-written event sequences: x86-64, one mm with one shared VMA over
 * pages 0..3 (two PTE tables of 2 PTEs), CPUs 0 and 1, user threads 0 and 1, callers 2 and 3
 * ('clean' protocol: thread 2 has private bitmap 1), and optionally a secondary MMU on mm0.
 */
export function world(
  opts: { variant?: string; arch?: string; smmu?: boolean; pages?: number } = {},
): Model {
  const pages = opts.pages ?? 4;
  return makeModel(
    parseScenario({
      name: 'rules',
      arch: opts.arch ?? 'x86-64',
      variant: opts.variant ?? 'upstream',
      options: { faultPath: 'faithful', flush: 'per-cpu', tlbCapacity: 4, ptesPerTable: 2 },
      pages,
      cpus: 2,
      mms: [
        {
          vmas: [
            {
              start: 0,
              pgoff: 0,
              npages: pages,
              flags: ['shared', 'write', 'maywrite', 'io', 'pfnmap'],
            },
          ],
        },
      ],
      initialPte: 'writable-clean',
      driver: { mode: 'pagetable', initialBitmap: 'none' },
      threads: [
        { kind: 'user', name: 'u0', cpu: 0, writes: 1 },
        { kind: 'user', name: 'u1', cpu: 1, writes: 1 },
        { kind: 'caller', name: 'cleaner', cpu: 0, protocol: 'clean', first: 0, nr: pages },
        { kind: 'caller', name: 'scan', cpu: 1, protocol: 'vmwgfx-pagetable', first: 0, nr: pages },
      ],
      secondaryMmus: opts.smmu ? [{ mm: 0, ignoresSequence: false }] : [],
    }),
  );
}

/**
 * vmwgfx MKWRITE mode (docs/rules/vmwgfx.md §7): PTEs start read-only and clean, the bitmap empty; user
 * threads 0 and 1, the scan (thread 2) and the drain (thread 3) run the vmwgfx-mkwrite protocol.
 */
export function mkwriteWorld(): Model {
  return makeModel(
    parseScenario({
      name: 'mkwrite',
      variant: 'upstream',
      options: { faultPath: 'faithful', flush: 'per-cpu', tlbCapacity: 4, ptesPerTable: 2 },
      pages: 2,
      cpus: 2,
      mms: [
        {
          vmas: [
            {
              start: 0,
              pgoff: 0,
              npages: 2,
              flags: ['shared', 'write', 'maywrite', 'io', 'pfnmap'],
            },
          ],
        },
      ],
      initialPte: 'readonly',
      driver: { mode: 'mkwrite', initialBitmap: 'none' },
      threads: [
        { kind: 'user', name: 'u0', cpu: 0, writes: 1 },
        { kind: 'user', name: 'u1', cpu: 1, writes: 1 },
        { kind: 'caller', name: 'scan', cpu: 1, protocol: 'vmwgfx-mkwrite', first: 0, nr: 2 },
        { kind: 'drain', name: 'drain', cpu: 0, protocol: 'vmwgfx-mkwrite', first: 0, nr: 2 },
      ],
    }),
  );
}

/** Event builders over `world()`'s layout. */
export function builders(model: Model) {
  const layout = layoutOf(model.scenario);
  const arch = getArch(model.scenario.arch);
  const ptl = (vpn: number): number =>
    layout.lockNames.indexOf(`ptl[mm0:${Math.floor(vpn / layout.ptesPerTable)}]`);
  const b = {
    IMMAP: layout.immapLock,
    DRIVER: layout.driverLock,
    ptl,
    /** Writable clean, writable dirty, read-only clean PTEs of page `pfn`. */
    wc: (pfn: number) => arch.mkPte(pfn, { write: true, dirty: false, special: true }),
    wd: (pfn: number) => arch.mkPte(pfn, { write: true, dirty: true, special: true }),
    ro: (pfn: number) =>
      arch.pteWrprotect(arch.mkPte(pfn, { write: true, dirty: false, special: true }), {}),
    acq: (tid: number, lock: number, mode: 'r' | 'w' = 'w'): SimEvent => ({
      type: 'lock/acquire',
      tid,
      lock,
      mode,
    }),
    rel: (tid: number, lock: number, mode: 'r' | 'w' = 'w'): SimEvent => ({
      type: 'lock/release',
      tid,
      lock,
      mode,
    }),
    start: (tid: number, from: number, to: number): SimEvent => ({
      type: 'notifier/start',
      tid,
      mm: 0,
      from,
      to,
    }),
    end: (tid: number, from: number, to: number): SimEvent => ({
      type: 'notifier/end',
      tid,
      mm: 0,
      from,
      to,
    }),
    inc: (tid: number): SimEvent => ({ type: 'pending/inc', tid, mm: 0 }),
    dec: (tid: number): SimEvent => ({ type: 'pending/dec', tid, mm: 0 }),
    pte: (
      tid: number,
      vpn: number,
      pte: number,
      fn = 'ptep_modify_prot_commit',
      src: 'sw' | 'hw' = 'sw',
    ): SimEvent => ({
      type: 'pte/set',
      tid,
      mm: 0,
      vpn,
      pte,
      src,
      fn,
    }),
    protStart: (tid: number, vpn: number): SimEvent => ({
      type: 'pte/set',
      tid,
      mm: 0,
      vpn,
      pte: PTE_NONE,
      src: 'sw',
      fn: 'ptep_modify_prot_start',
    }),
    flush: (tid: number, from: number, to: number): SimEvent[] => [
      { type: 'flush/start', tid, mm: 0, from, to },
      { type: 'tlb/flush', tid, cpu: 0, mm: 0, from, to },
      { type: 'tlb/flush', tid, cpu: 1, mm: 0, from, to },
      { type: 'flush/done', tid, mm: 0, from, to },
    ],
    fill: (cpu: number, vpn: number, w: 0 | 1, d: 0 | 1): SimEvent => ({
      type: 'tlb/fill',
      cpu,
      mm: 0,
      vpn,
      pfn: vpn,
      w,
      d,
    }),
    store: (tid: number, cpu: number, page: number): SimEvent => ({
      type: 'mem/store',
      tid,
      cpu,
      page,
    }),
    call: (tid: number, fn: string, first: number, nr: number): SimEvent => ({
      type: 'helper/call',
      tid,
      fn,
      first,
      nr,
    }),
    ret: (tid: number, fn: string, total = 0): SimEvent => ({
      type: 'helper/return',
      tid,
      fn,
      total,
    }),
    setBit: (tid: number, bm: number, bit: number): SimEvent => ({
      type: 'bitmap/set',
      tid,
      bm,
      bit,
    }),
    end_: (reason: 'done' | 'deadlock' | 'step-bound' = 'done'): SimEvent => ({
      type: '@sim/end',
      reason,
    }),
    /**
     * A correct wp_shared_mapping_range / clean_record_shared_mapping_range over vpns
     * [from, to) of a world whose PTEs are `before(vpn)`: H1, H4, H5, P1/P2, H9, R1–R9.
     */
    helper(
      tid: number,
      op: 'wp' | 'clean',
      from: number,
      to: number,
      before: (vpn: number) => number,
      bm = 1,
    ): SimEvent[] {
      const fn = op === 'wp' ? model.variant.fnNames.wrprotect : model.variant.fnNames.clean;
      const ev: SimEvent[] = [
        b.call(tid, fn, from, to - from),
        b.acq(tid, b.IMMAP, 'r'),
        b.start(tid, from, to),
      ];
      for (let s = 0; s < model.scenario.secondaryMmus.length; s++)
        ev.push({ type: 'smmu/invalidate', tid, sub: s, mm: 0, from, to, seq: 1 });
      ev.push(b.inc(tid));
      let held = -1;
      let changed = 0;
      for (let v = from; v < to; v++) {
        if (held !== ptl(v)) {
          if (held >= 0) ev.push(b.rel(tid, held));
          held = ptl(v);
          ev.push(b.acq(tid, held));
        }
        const old = before(v);
        const applies = op === 'wp' ? arch.pteWrite(old) : arch.pteDirty(old);
        if (!applies) continue;
        changed++;
        ev.push(
          b.protStart(tid, v),
          b.pte(tid, v, op === 'wp' ? arch.pteWrprotect(old, {}) : arch.pteMkclean(old)),
        );
        if (op === 'clean') ev.push(b.setBit(tid, bm, v));
      }
      if (held >= 0) ev.push(b.rel(tid, held));
      if (changed > 0) ev.push(...b.flush(tid, from, to));
      ev.push(b.end(tid, from, to), b.dec(tid), b.rel(tid, b.IMMAP, 'r'), b.ret(tid, fn, changed));
      return ev;
    },
  };
  return b;
}

/** `events` without the first event matching `pred` (to break a valid sequence). */
export function without(events: readonly SimEvent[], pred: (e: SimEvent) => boolean): SimEvent[] {
  const i = events.findIndex(pred);
  return i < 0 ? [...events] : [...events.slice(0, i), ...events.slice(i + 1)];
}

export const indexWhere = (events: readonly SimEvent[], pred: (e: SimEvent) => boolean): number =>
  events.findIndex(pred);
