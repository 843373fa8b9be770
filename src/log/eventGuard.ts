import type { SimEvent } from '../events/index.js';
import type { Scenario } from '../scenario/types.js';
import type { MutableSimState, SimState } from '../state/types.js';
import { layoutOf, type Layout } from '../state/layout.js';
import { MAX_CALL_DEPTH, MAX_LOCALS } from './stateCheck.js';

/**
 * The index ranges of a log's own scenario that every event field must respect. The decoder
 * accepts any safe integer; `evolve` then writes `ptes[vpn]`, a frame slot or a bitmap bit at
 * that index, so a hostile log could grow sparse arrays of length 2^32 (a hang in the state
 * hash) or loop from a huge negative `from`. Readers check every event against these bounds.
 */
export interface EventBounds extends Pick<Layout, 'mmSize' | 'nBitmaps'> {
  readonly threads: number;
  readonly cpus: number;
  readonly pages: number;
  readonly locks: number;
  /** VMAs per mm. */
  readonly vmas: readonly number[];
  /** vpns of each secondary MMU's mm. */
  readonly smmuSize: readonly number[];
  readonly tlbCapacity: number;
}

export function eventBoundsOf(scenario: Scenario): EventBounds {
  const layout = layoutOf(scenario);
  return {
    threads: scenario.threads.length,
    cpus: scenario.cpus,
    pages: scenario.pages,
    nBitmaps: layout.nBitmaps,
    locks: layout.lockNames.length,
    mmSize: layout.mmSize,
    vmas: scenario.mms.map((m) => m.vmas.length),
    smmuSize: scenario.secondaryMmus.map((s) => layout.mmSize[s.mm] ?? 0),
    tlbCapacity: scenario.options.tlbCapacity,
  };
}

const inRange = (v: number, lo: number, hi: number): boolean => v >= lo && v < hi;

/**
 * What is wrong with `e` under `b` (a message naming the field, its value and the range), or
 * null. Only fields that index state or bound a loop are checked; values (pte, pfn, seq, pc)
 * are free. The field names are those of EVENT_FIELDS.
 */
export function eventProblem(e: SimEvent, b: EventBounds): string | null {
  const r = e as unknown as Record<string, number>;
  const bad = (field: string, lo: number, hi: number, why = ''): string =>
    `${e.type}.${field} is ${r[field]}, expected ${lo}..${hi - 1}${why}`;
  if ('tid' in e && !inRange(e.tid, 0, b.threads)) return bad('tid', 0, b.threads, ' (threads)');
  if ('cpu' in e) {
    // A device's store and fault run on no CPU (cpu -1; docs/rules/notifier.md).
    const lo = e.type === 'mem/store' || e.type === 'fault/enter' ? -1 : 0;
    if (!inRange(e.cpu, lo, b.cpus)) return bad('cpu', lo, b.cpus, ' (CPUs)');
  }
  let size = -1;
  if ('mm' in e) {
    if (!inRange(e.mm, 0, b.mmSize.length)) return bad('mm', 0, b.mmSize.length, ' (mms)');
    size = b.mmSize[e.mm] ?? 0;
  }
  if ('sub' in e) {
    if (!inRange(e.sub, 0, b.smmuSize.length))
      return bad('sub', 0, b.smmuSize.length, ' (secondary MMUs)');
    size = b.smmuSize[e.sub] ?? 0;
  }
  if ('vpn' in e && !inRange(e.vpn, 0, size)) return bad('vpn', 0, size, ' (pages of the mm)');
  if ('from' in e && 'to' in e && !(e.from >= 0 && e.from <= e.to && e.to <= size))
    return `${e.type}: range ${e.from}..${e.to} is not within 0..${size} (pages of the mm)`;
  switch (e.type) {
    case 'mem/store':
    case 'dev/copy':
    case 'page/dirty':
      if (!inRange(e.page, 0, b.pages)) return bad('page', 0, b.pages, ' (pages)');
      if (e.type === 'page/dirty' && !inRange(e.value, 0, 2)) return bad('value', 0, 2);
      return null;
    case 'bitmap/set':
    case 'bitmap/clear':
      if (!inRange(e.bm, 0, b.nBitmaps)) return bad('bm', 0, b.nBitmaps, ' (bitmaps)');
      if (!inRange(e.bit, 0, b.pages)) return bad('bit', 0, b.pages, ' (pages)');
      return null;
    case 'bounds/set':
      if (!(e.start >= 0 && e.start <= b.pages && e.end >= 0 && e.end <= b.pages))
        return `bounds/set: ${e.start}..${e.end} is not within 0..${b.pages} (pages)`;
      return null;
    case 'vmw/set':
      if (!inRange(e.count, 0, 64)) return bad('count', 0, 64);
      return inRange(e.res, 0, 2) ? null : bad('res', 0, 2);
    case 'lock/acquire':
    case 'lock/release':
      return inRange(e.lock, 0, b.locks) ? null : bad('lock', 0, b.locks, ' (locks)');
    case 'thread/set':
      return inRange(e.slot, 0, MAX_LOCALS) ? null : bad('slot', 0, MAX_LOCALS, ' (locals)');
    case 'vma/write':
      if (!inRange(e.vma, 0, b.vmas[e.mm] ?? 0)) return bad('vma', 0, b.vmas[e.mm] ?? 0);
      return inRange(e.value, 0, 2) ? null : bad('value', 0, 2);
    case 'decide/skip-vma':
      if (!inRange(e.vma, 0, b.vmas[e.mm] ?? 0)) return bad('vma', 0, b.vmas[e.mm] ?? 0);
      return inRange(e.stop, 0, 2) ? null : bad('stop', 0, 2);
    case 'tlb/fill':
      return inRange(e.w, 0, 2) && inRange(e.d, 0, 2) ? null : `tlb/fill: w and d must be 0 or 1`;
    case 'smmu/install':
      return inRange(e.w, 0, 2) ? null : bad('w', 0, 2);
    default:
      return null;
  }
}

/**
 * What is wrong with applying `e` to `s` that the scenario's ranges alone cannot tell: a call
 * deeper than MAX_CALL_DEPTH, or a TLB fill of a new entry into a full TLB (the model evicts
 * first: `tlb/drop` with why 'evict'). Null when fine.
 */
export function foldProblem(
  e: SimEvent,
  s: MutableSimState | SimState,
  b: EventBounds,
): string | null {
  if (e.type === 'thread/call') {
    const depth = s.threads[e.tid]?.stack.length ?? 0;
    if (depth >= MAX_CALL_DEPTH)
      return `thread/call: thread ${e.tid} is already ${depth} frames deep (limit ${MAX_CALL_DEPTH})`;
  } else if (e.type === 'tlb/fill') {
    const tlb = s.tlbs[e.cpu];
    if (tlb && tlb.length >= b.tlbCapacity && !tlb.some((t) => t.mm === e.mm && t.vpn === e.vpn))
      return `tlb/fill: CPU ${e.cpu}'s TLB already holds ${tlb.length} entries (tlbCapacity ${b.tlbCapacity}) and nothing was evicted`;
  }
  return null;
}
