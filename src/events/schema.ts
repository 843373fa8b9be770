import type { SimEvent, SimEventType } from './index.js';

/**
 * Field table of every event type: the single description that validation of untrusted logs,
 * the columnar codec and the JSON-lines converter all use. 'int' is a safe integer, 'str' a
 * short string, 'ints' an array of integers, and an array of strings is an enum.
 */
export type FieldKind = 'int' | 'str' | 'ints' | readonly string[];

export const EVENT_FIELDS: { readonly [K in SimEventType]: Readonly<Record<string, FieldKind>> } = {
  '@sim/sched': { tid: 'int' },
  '@sim/choice': { tid: 'int', value: 'int', of: 'int' },
  '@sim/end': { reason: ['done', 'deadlock', 'step-bound'] },
  'thread/call': { tid: 'int', fn: 'str', l: 'ints' },
  'thread/goto': { tid: 'int', pc: 'int' },
  'thread/set': { tid: 'int', slot: 'int', value: 'int' },
  'thread/return': { tid: 'int' },
  'pte/set': { tid: 'int', mm: 'int', vpn: 'int', pte: 'int', src: ['hw', 'sw'], fn: 'str' },
  'tlb/fill': { cpu: 'int', mm: 'int', vpn: 'int', pfn: 'int', w: 'int', d: 'int' },
  'tlb/dirty': { cpu: 'int', mm: 'int', vpn: 'int' },
  'tlb/drop': { cpu: 'int', mm: 'int', vpn: 'int', why: ['fault', 'evict'] },
  'tlb/flush': { tid: 'int', cpu: 'int', mm: 'int', from: 'int', to: 'int' },
  'flush/start': { tid: 'int', mm: 'int', from: 'int', to: 'int' },
  'flush/done': { tid: 'int', mm: 'int', from: 'int', to: 'int' },
  'lock/acquire': { tid: 'int', lock: 'int', mode: ['r', 'w'] },
  'lock/release': { tid: 'int', lock: 'int', mode: ['r', 'w'] },
  'notifier/start': { tid: 'int', mm: 'int', from: 'int', to: 'int' },
  'notifier/end': { tid: 'int', mm: 'int', from: 'int', to: 'int' },
  'pending/inc': { tid: 'int', mm: 'int' },
  'pending/dec': { tid: 'int', mm: 'int' },
  'mem/store': { tid: 'int', cpu: 'int', page: 'int' },
  'dev/copy': { tid: 'int', page: 'int' },
  'bitmap/set': { tid: 'int', bm: 'int', bit: 'int' },
  'bitmap/clear': { tid: 'int', bm: 'int', bit: 'int' },
  'bounds/set': { tid: 'int', start: 'int', end: 'int' },
  'vmw/set': { tid: 'int', method: ['pagetable', 'mkwrite'], count: 'int', res: 'int' },
  'helper/call': { tid: 'int', fn: 'str', first: 'int', nr: 'int' },
  'helper/return': { tid: 'int', fn: 'str', total: 'int' },
  'fault/enter': { tid: 'int', cpu: 'int', mm: 'int', vpn: 'int', write: 'int' },
  'fault/exit': { tid: 'int', result: 'str' },
  'ghost/wp-seen': { tid: 'int', mm: 'int', vpn: 'int' },
  warn: { tid: 'int', what: 'str' },
  'smmu/invalidate': { tid: 'int', sub: 'int', mm: 'int', from: 'int', to: 'int', seq: 'int' },
  'smmu/read-begin': { tid: 'int', sub: 'int', seq: 'int' },
  'smmu/install': { tid: 'int', sub: 'int', vpn: 'int', w: 'int', seq: 'int' },
  'smmu/zap': { tid: 'int', sub: 'int', vpn: 'int' },
  'page/dirty': { tid: 'int', page: 'int', value: 'int' },
  'ubc/pending': { tid: 'int', mm: 'int' },
  'ubc/flushed': { tid: 'int', mm: 'int', gen: 'int' },
  'actor/call': { tid: 'int', fn: 'str', first: 'int', nr: 'int' },
  'actor/return': { tid: 'int', fn: 'str', total: 'int' },
  'vma/write': { tid: 'int', mm: 'int', vma: 'int', value: 'int' },
  'tlb/defer': { tid: 'int', cpu: 'int', mm: 'int' },
  'tlb/catchup': { cpu: 'int', mm: 'int', why: ['switch', 'barrier'] },
  'tlb/lazy': { tid: 'int', cpu: 'int' },
  'decide/skip-vma': { tid: 'int', mm: 'int', vma: 'int', why: 'str', stop: 'int' },
  'decide/skip-flush': { tid: 'int', mm: 'int', from: 'int', to: 'int', why: ['empty', 'variant'] },
  'decide/nested-flush': { tid: 'int', mm: 'int', from: 'int', to: 'int' },
  'decide/upgrade-writable': { tid: 'int', mm: 'int', vpn: 'int', fn: 'str' },
  'obs/fault': { pid: 'int', cpu: 'int', us: 'int', addr: 'int', error: 'int', line: 'str' },
  'obs/flush': { pid: 'int', cpu: 'int', us: 'int', pages: 'int', reason: 'int', line: 'str' },
  'obs/mark': { pid: 'int', cpu: 'int', us: 'int', line: 'str' },
};

export const EVENT_TYPES = Object.keys(EVENT_FIELDS) as SimEventType[];

/**
 * Check that `raw` (decoded from an untrusted log) is a well-formed event and return a fresh
 * plain object built only from the known fields (no prototype tricks survive). Returns a
 * message naming the bad field instead of throwing.
 */
export function validateEvent(
  raw: unknown,
): { ok: true; event: SimEvent } | { ok: false; message: string } {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    return { ok: false, message: 'event is not a map' };
  const r = raw as Record<string, unknown>;
  const type = r['type'];
  if (typeof type !== 'string' || !Object.hasOwn(EVENT_FIELDS, type))
    return { ok: false, message: `unknown event type ${JSON.stringify(type)?.slice(0, 40)}` };
  const fields = EVENT_FIELDS[type as SimEventType];
  const out: Record<string, unknown> = { type };
  for (const [name, kind] of Object.entries(fields)) {
    const v = Object.hasOwn(r, name) ? r[name] : undefined;
    if (kind === 'int') {
      if (typeof v !== 'number' || !Number.isSafeInteger(v))
        return { ok: false, message: `${type}.${name}: expected an integer` };
    } else if (kind === 'str') {
      if (typeof v !== 'string' || v.length > 200)
        return { ok: false, message: `${type}.${name}: expected a short string` };
    } else if (kind === 'ints') {
      if (
        !Array.isArray(v) ||
        v.length > 64 ||
        !v.every((x) => typeof x === 'number' && Number.isSafeInteger(x))
      )
        return { ok: false, message: `${type}.${name}: expected an array of at most 64 integers` };
    } else if (typeof v !== 'string' || !kind.includes(v)) {
      return { ok: false, message: `${type}.${name}: expected one of ${kind.join('|')}` };
    }
    out[name] = kind === 'ints' ? (v as number[]).slice() : v;
  }
  return { ok: true, event: out as unknown as SimEvent };
}
