import type { SimEvent, SimEventType } from '../events/index.js';
import { EVENT_FIELDS } from '../events/schema.js';
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
  /** Threads of the scenario: a `tid` must be below it. */
  readonly threads: number;
  /** CPUs: a `cpu` field must be below it. */
  readonly cpus: number;
  /** Pages of the file: a `page` field or a bitmap bit must be below it. */
  readonly pages: number;
  /** Locks of the layout (driver, i_mmap, mmap_lock and PTLs): a `lock` must be below it. */
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
/** Which of the fields every event type may share an event has (from its EVENT_FIELDS entry). */
interface SharedFields {
  readonly tid: boolean;
  readonly cpu: boolean;
  /** The lowest valid cpu: -1 for a device's store and fault, which run on no CPU. */
  readonly cpuLo: number;
  readonly mm: boolean;
  readonly sub: boolean;
  readonly vpn: boolean;
  readonly range: boolean;
}

const sharedFieldsOf = (type: string, has: (f: string) => boolean): SharedFields => ({
  tid: has('tid'),
  cpu: has('cpu'),
  // A device's store and fault run on no CPU (cpu -1; docs/rules/notifier.md).
  cpuLo: type === 'mem/store' || type === 'fault/enter' ? -1 : 0,
  mm: has('mm'),
  sub: has('sub'),
  vpn: has('vpn'),
  range: has('from') && has('to'),
});

/**
 * Looked up once per type instead of `'tid' in e` per field and event: events of ~60 shapes
 * make those checks megamorphic, and this guard runs on every event a log reader or writer
 * sees (it was 1/3 of a replay's time).
 */
const SHARED: ReadonlyMap<string, SharedFields> = new Map(
  Object.entries(EVENT_FIELDS).map(([type, fields]) => [
    type,
    sharedFieldsOf(type, (f) => Object.hasOwn(fields, f)),
  ]),
);

function bad(e: SimEvent, field: string, lo: number, hi: number, why = ''): string {
  const r = e as unknown as Record<string, number>;
  return `${e.type}.${field} is ${r[field]}, expected ${lo}..${hi - 1}${why}`;
}

export function eventProblem(e: SimEvent, b: EventBounds): string | null {
  const r = e as unknown as Record<string, number>;
  const f = SHARED.get(e.type) ?? sharedFieldsOf(e.type, (k) => k in e);
  if (f.tid && !inRange(r.tid as number, 0, b.threads))
    return bad(e, 'tid', 0, b.threads, ' (threads)');
  if (f.cpu && !inRange(r.cpu as number, f.cpuLo, b.cpus))
    return bad(e, 'cpu', f.cpuLo, b.cpus, ' (CPUs)');
  let size = -1;
  if (f.mm) {
    const mm = r.mm as number;
    if (!inRange(mm, 0, b.mmSize.length)) return bad(e, 'mm', 0, b.mmSize.length, ' (mms)');
    size = b.mmSize[mm] ?? 0;
  }
  if (f.sub) {
    const sub = r.sub as number;
    if (!inRange(sub, 0, b.smmuSize.length))
      return bad(e, 'sub', 0, b.smmuSize.length, ' (secondary MMUs)');
    size = b.smmuSize[sub] ?? 0;
  }
  if (f.vpn && !inRange(r.vpn as number, 0, size))
    return bad(e, 'vpn', 0, size, ' (pages of the mm)');
  if (f.range) {
    const from = r.from as number;
    const to = r.to as number;
    if (!(from >= 0 && from <= to && to <= size))
      return `${e.type}: range ${from}..${to} is not within 0..${size} (pages of the mm)`;
  }
  switch (e.type) {
    case 'mem/store':
    case 'dev/copy':
    case 'page/dirty':
      if (!inRange(e.page, 0, b.pages)) return bad(e, 'page', 0, b.pages, ' (pages)');
      if (e.type === 'page/dirty' && !inRange(e.value, 0, 2)) return bad(e, 'value', 0, 2);
      return null;
    case 'bitmap/set':
    case 'bitmap/clear':
      if (!inRange(e.bm, 0, b.nBitmaps)) return bad(e, 'bm', 0, b.nBitmaps, ' (bitmaps)');
      if (!inRange(e.bit, 0, b.pages)) return bad(e, 'bit', 0, b.pages, ' (pages)');
      return null;
    case 'bounds/set':
      if (!(e.start >= 0 && e.start <= b.pages && e.end >= 0 && e.end <= b.pages))
        return `bounds/set: ${e.start}..${e.end} is not within 0..${b.pages} (pages)`;
      return null;
    case 'vmw/set':
      if (!inRange(e.count, 0, 64)) return bad(e, 'count', 0, 64);
      return inRange(e.res, 0, 2) ? null : bad(e, 'res', 0, 2);
    case 'lock/acquire':
    case 'lock/release':
      return inRange(e.lock, 0, b.locks) ? null : bad(e, 'lock', 0, b.locks, ' (locks)');
    case 'thread/set':
      return inRange(e.slot, 0, MAX_LOCALS) ? null : bad(e, 'slot', 0, MAX_LOCALS, ' (locals)');
    case 'vma/write':
      if (!inRange(e.vma, 0, b.vmas[e.mm] ?? 0)) return bad(e, 'vma', 0, b.vmas[e.mm] ?? 0);
      return inRange(e.value, 0, 2) ? null : bad(e, 'value', 0, 2);
    case 'decide/skip-vma':
      if (!inRange(e.vma, 0, b.vmas[e.mm] ?? 0)) return bad(e, 'vma', 0, b.vmas[e.mm] ?? 0);
      return inRange(e.stop, 0, 2) ? null : bad(e, 'stop', 0, 2);
    case 'tlb/fill':
      return inRange(e.w, 0, 2) && inRange(e.d, 0, 2) ? null : `tlb/fill: w and d must be 0 or 1`;
    case 'smmu/install':
      return inRange(e.w, 0, 2) ? null : bad(e, 'w', 0, 2);
    default:
      return null;
  }
}

/**
 * The bounds of `b` as the constants `boundsCheckSource` expressions use, declared in generated
 * code (compiledChunk.ts). `b` is an expression naming an EventBounds there.
 */
export function boundsPrelude(b: string): string {
  return [
    `const BT = ${b}.threads, BC = ${b}.cpus, BP = ${b}.pages, BB = ${b}.nBitmaps, BL = ${b}.locks;`,
    `const BM = ${b}.mmSize, BMN = BM.length, BS = ${b}.smmuSize, BSN = BS.length, BV = ${b}.vmas;`,
  ].join('\n');
}

/**
 * `eventProblem(e, b) === null` for an event of `type` (a row of EVENT_FIELDS), as one JS
 * expression over the constants of `boundsPrelude` and the variables `v(field)` holding the
 * event's fields (safe integers, as the chunk decoder yields them): the same checks in the
 * same order, so a chunk visitor compiled from a log's type table checks each event inline
 * with only the fields its type has ('true' when it has none). The expression only decides;
 * an event it refuses goes through `eventProblem`, which writes the message. A test holds the
 * two equal on every type at and around every bound.
 */
export function boundsCheckSource(type: SimEventType, v: (field: string) => string): string {
  const f = SHARED.get(type) ?? sharedFieldsOf(type, (k) => Object.hasOwn(EVENT_FIELDS[type], k));
  const c: string[] = [];
  const range = (x: string, lo: string | number, hi: string): string =>
    `${x} >= ${lo} && ${x} < ${hi}`;
  if (f.tid) c.push(range(v('tid'), 0, 'BT'));
  if (f.cpu) c.push(range(v('cpu'), f.cpuLo, 'BC'));
  let size = '-1';
  if (f.mm) {
    c.push(range(v('mm'), 0, 'BMN'));
    size = `(BM[${v('mm')}] ?? 0)`;
  }
  if (f.sub) {
    c.push(range(v('sub'), 0, 'BSN'));
    size = `(BS[${v('sub')}] ?? 0)`;
  }
  if (f.vpn) c.push(range(v('vpn'), 0, size));
  if (f.range) c.push(`${v('from')} >= 0 && ${v('from')} <= ${v('to')} && ${v('to')} <= ${size}`);
  const vmas = (): string => `(BV[${v('mm')}] ?? 0)`;
  switch (type) {
    case 'mem/store':
    case 'dev/copy':
      c.push(range(v('page'), 0, 'BP'));
      break;
    case 'page/dirty':
      c.push(range(v('page'), 0, 'BP'), range(v('value'), 0, '2'));
      break;
    case 'bitmap/set':
    case 'bitmap/clear':
      c.push(range(v('bm'), 0, 'BB'), range(v('bit'), 0, 'BP'));
      break;
    case 'bounds/set':
      c.push(`${v('start')} >= 0 && ${v('start')} <= BP && ${v('end')} >= 0 && ${v('end')} <= BP`);
      break;
    case 'vmw/set':
      c.push(range(v('count'), 0, '64'), range(v('res'), 0, '2'));
      break;
    case 'lock/acquire':
    case 'lock/release':
      c.push(range(v('lock'), 0, 'BL'));
      break;
    case 'thread/set':
      c.push(range(v('slot'), 0, String(MAX_LOCALS)));
      break;
    case 'vma/write':
      c.push(range(v('vma'), 0, vmas()), range(v('value'), 0, '2'));
      break;
    case 'decide/skip-vma':
      c.push(range(v('vma'), 0, vmas()), range(v('stop'), 0, '2'));
      break;
    case 'tlb/fill':
      c.push(range(v('w'), 0, '2'), range(v('d'), 0, '2'));
      break;
    case 'smmu/install':
      c.push(range(v('w'), 0, '2'));
      break;
  }
  return c.length === 0 ? 'true' : c.map((x) => `(${x})`).join(' && ');
}

/** The event types `foldProblem` looks at: it finds nothing wrong with any other. */
export const FOLD_CHECKED: ReadonlySet<string> = new Set(['thread/call', 'tlb/fill']);

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
