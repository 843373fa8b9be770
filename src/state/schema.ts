/**
 * The state schema: every part of SimState described once, the way EVENT_FIELDS describes the
 * events for the log codec. The explorer's hot paths (copy-on-write successors, the 64-bit
 * fingerprint, the shape check), the symmetry permutation, the state diff and the state views
 * are all derived from it (src/explore/stateOps.ts compiles them), so a part added here gets
 * the fast paths and symmetry without touching the explorer.
 *
 * A part is a root field of the state. It is either one value (`per` absent: `bounds`,
 * `warnings`) or an array with one element per page, mm, CPU, lock, bitmap, thread or secondary
 * MMU (`per`), whose elements all have the part's `shape`. Shapes name what symmetry must
 * rename: a field holding a thread id (`id: 'tid'`, -1 for none) or a bitmask of thread ids
 * (`id: 'tids'`); a part indexed by thread, CPU or bitmap moves with the renaming of its index;
 * a frame's locals (`t: 'locals'`) hold ids where its step machine declares them
 * (StepMachine.ids, e.g. the helper's bitmap id).
 */

/** What the elements of a per-index part are indexed by. */
export type Index = 'page' | 'mm' | 'cpu' | 'lock' | 'bitmap' | 'thread' | 'smmu';

/** Ids that symmetry renames: a thread id (or -1), a bitmask of thread ids. */
export type IdKind = 'tid' | 'tids';

export type Shape =
  /** A number; `id` when it names threads. */
  | { readonly t: 'int'; readonly id?: IdKind }
  /** An array of numbers (indexed by `index` when given, for display), each an `id` if set. */
  | { readonly t: 'ints'; readonly id?: IdKind; readonly index?: string }
  /** A string (a step machine's name). */
  | { readonly t: 'str' }
  /** A record with these fields in this key order. */
  | { readonly t: 'record'; readonly fields: readonly Field[] }
  /**
   * A list of `of`. `keyBy`: fields that identify an element across two states (the diff
   * matches elements by them rather than by position).
   */
  | { readonly t: 'list'; readonly of: Shape; readonly keyBy?: readonly string[] }
  /** A frame's locals: numbers whose id slots the frame's step machine declares. */
  | { readonly t: 'locals' };

export interface Field {
  readonly key: string;
  readonly shape: Shape;
  /** The kernel's name for it, for the diff and the views (default: `key`). */
  readonly label?: string;
  /**
   * How to show the value: `pte` decodes each entry with the architecture; `frames` shows a
   * call stack as `fn@pc(locals) > ...`.
   */
  readonly show?: 'pte' | 'frames';
}

export interface Part {
  /** The root field. */
  readonly key: string;
  /** Per-index array (element shape `shape`), or one value of `shape` when absent. */
  readonly per?: Index;
  readonly shape: Shape;
  /** Present only in some scenarios (its own comment in state/types.ts says which). */
  readonly optional?: boolean;
  /**
   * The events whose recipes change this part: for each event type, the event field naming
   * the element it changes, or '*' when it may change any element (or the whole value).
   * test/explore/stateKey.test.ts checks this against the recipes on every built-in scenario;
   * an event type no part lists makes the successor a full copy (the safe default).
   */
  readonly touchedBy: Readonly<Record<string, string>>;
  /** Element hashes are cached by object identity (parts that a step rarely changes). */
  readonly hashCache?: boolean;
  /** Each step edits only the top frames of a stack (thread stacks: copy from the first edited). */
  readonly stack?: boolean;
  /** Section of the state views. */
  readonly section: string;
  /**
   * How the diff names a value: element `${label ?? per}${i}` (a lock by its name), then
   * `.${path}` when given, then the field's label: `mm0.pte[vpn 1]`, `cpu1.tlb[mm 0 vpn 1]`,
   * `page2.PG_dirty`.
   */
  readonly label?: string;
  readonly path?: string;
}

const int: Shape = { t: 'int' };
const ints: Shape = { t: 'ints' };
const rec = (...fields: Field[]): Shape => ({ t: 'record', fields });
const f = (key: string, shape: Shape, more: Omit<Field, 'key' | 'shape'> = {}): Field => ({
  key,
  shape,
  ...more,
});

/**
 * An optional per-index part whose events name its element by the same field as its index
 * (`cpu`, `page`, `mm`); shown in section `section`, named `${per}${i}.${section}` in the diff
 * (plain `${per}${i}` when the section is the index's own name).
 */
function later(
  key: string,
  per: Index,
  shape: Shape,
  events: readonly string[],
  section: string,
): Part {
  return {
    key,
    per,
    optional: true,
    shape,
    touchedBy: Object.fromEntries(events.map((e) => [e, per])),
    section,
    label: per,
    ...(section !== per && { path: section }),
  };
}

/** Events that only advance the scheduler or bracket a call: they change no part. */
export const STATE_NEUTRAL_EVENTS: readonly string[] = [
  '@sim/sched',
  '@sim/choice',
  '@sim/end',
  'flush/start',
  'flush/done',
  'helper/call',
  'helper/return',
  'fault/enter',
  'fault/exit',
  'actor/call',
  'actor/return',
  // Decisions name a branch; the state already holds what it read (src/events/decide.ts).
  'decide/skip-vma',
  'decide/skip-flush',
  'decide/nested-flush',
  'decide/upgrade-writable',
];

/** SimState's parts, in the state's key order (src/state/types.ts MutableSimState). */
export const STATE_SCHEMA: readonly Part[] = [
  {
    key: 'pages',
    per: 'page',
    shape: rec(f('version', int), f('device', int)),
    touchedBy: { 'mem/store': 'page', 'dev/copy': 'page' },
    section: 'pages',
  },
  {
    key: 'mms',
    per: 'mm',
    shape: rec(
      f('ptes', { t: 'ints', index: 'vpn' }, { label: 'pte', show: 'pte' }),
      f('pending', int, { label: 'tlb_flush_pending' }),
      f('seq', int, { label: 'invalidate_seq' }),
      f('active', int, { label: 'active_invalidations' }),
    ),
    touchedBy: {
      'pte/set': 'mm',
      'notifier/start': 'mm',
      'notifier/end': 'mm',
      'pending/inc': 'mm',
      'pending/dec': 'mm',
    },
    section: 'mm',
  },
  {
    key: 'tlbs',
    per: 'cpu',
    shape: {
      t: 'list',
      keyBy: ['mm', 'vpn'],
      of: rec(
        f('mm', int),
        f('vpn', int),
        f('pfn', int),
        f('w', int),
        f('d', int),
        // Ghost (wrprotect-post): bit t = stale for write-protect caller t.
        f('susp', { t: 'int', id: 'tids' }),
      ),
    },
    touchedBy: {
      'tlb/fill': 'cpu',
      'tlb/dirty': 'cpu',
      'tlb/drop': 'cpu',
      'tlb/flush': 'cpu',
      'tlb/catchup': 'cpu',
      'ghost/wp-seen': '*',
    },
    hashCache: true,
    section: 'tlbs',
    label: 'cpu',
    path: 'tlb',
  },
  {
    key: 'locks',
    per: 'lock',
    shape: rec(f('owner', { t: 'int', id: 'tid' }), f('readers', { t: 'int', id: 'tids' })),
    touchedBy: { 'lock/acquire': 'lock', 'lock/release': 'lock' },
    section: 'locks',
  },
  {
    key: 'bitmaps',
    per: 'bitmap',
    shape: ints,
    touchedBy: { 'bitmap/set': 'bm', 'bitmap/clear': 'bm' },
    section: 'bitmap',
  },
  {
    key: 'bounds',
    shape: rec(f('start', int), f('end', int)),
    touchedBy: { 'bounds/set': '*' },
    section: 'bounds',
  },
  {
    key: 'threads',
    per: 'thread',
    shape: rec(
      f(
        'stack',
        { t: 'list', of: rec(f('fn', { t: 'str' }), f('pc', int), f('l', { t: 'locals' })) },
        { show: 'frames' },
      ),
    ),
    touchedBy: {
      'thread/call': 'tid',
      'thread/goto': 'tid',
      'thread/set': 'tid',
      'thread/return': 'tid',
    },
    hashCache: true,
    stack: true,
    section: 'threads',
  },
  {
    key: 'smmus',
    per: 'smmu',
    shape: rec(
      f('mm', int),
      f('seq', int),
      f('sptes', { t: 'ints', index: 'vpn' }),
      f('susp', { t: 'ints', id: 'tids', index: 'vpn' }),
    ),
    touchedBy: {
      'smmu/invalidate': 'sub',
      'smmu/read-begin': 'sub',
      'smmu/install': 'sub',
      'smmu/zap': 'sub',
      'ghost/wp-seen': '*',
    },
    section: 'smmu',
  },
  { key: 'warnings', shape: int, touchedBy: { warn: '*' }, section: 'warnings' },
  // Parts present only in the scenarios that use them (see their comments in types.ts).
  // T2/T3 per-CPU flush bookkeeping (lazy-TLB mode, owed invalidations by mm bit).
  later(
    'cpus',
    'cpu',
    rec(f('lazy', int), f('owed', int)),
    ['tlb/defer', 'tlb/catchup', 'tlb/lazy'],
    'cpu',
  ),
  // PG_dirty per page (page-backed mappings).
  later('pageDirty', 'page', int, ['page/dirty'], 'PG_dirty'),
  // mm->tlb_flush_batched (reclaim): generations pending and flushed.
  later(
    'ubc',
    'mm',
    rec(f('pending', int), f('flushed', int)),
    ['ubc/pending', 'ubc/flushed'],
    'tlb_flush_batched',
  ),
  // VM_WRITE of each VMA (mprotect).
  later('vmWrite', 'mm', { t: 'ints', index: 'vma' }, ['vma/write'], 'VM_WRITE'),
  // vmwgfx's tracker method/change_count and res_dirty (method switching, V5/V8).
  {
    key: 'vmw',
    optional: true,
    shape: rec(
      f('method', int),
      f('count', int, { label: 'change_count' }),
      f('res', int, { label: 'res_dirty' }),
    ),
    touchedBy: { 'vmw/set': '*' },
    section: 'bounds',
  },
];
