import type { SimEvent, SimEventType } from '../events/index.js';
import { EVENT_FIELDS } from '../events/schema.js';
import type { Scenario, ScenarioOptions } from '../scenario/types.js';
import type { MutableSimState, SimState } from '../state/types.js';
import { layoutOf, type Layout } from '../state/layout.js';
import { MAX_CALL_DEPTH, MAX_LOCALS } from './stateCheck.js';

/**
 * The index ranges of a log's own scenario that every event field must respect. The decoder
 * accepts any safe integer; `evolve` then writes `ptes[vpn]`, a frame slot or a bitmap bit at
 * that index, so a hostile log could grow sparse arrays of length 2^32 (a hang in the state
 * hash) or loop from a huge negative `from`. Readers check every event against these bounds.
 * Each bound (a number, or per-mm / per-MMU sizes) is the scenario's or its layout's (the
 * picked fields) or a count of them (the others), copied into one flat object so that a check
 * reads it with one property load; `checksOf` says which event field each one bounds
 * (`tlbCapacity` is compared with the state by the `tlb/fill` guard instead).
 */
export type EventBounds = Pick<Scenario, 'cpus' | 'pages'> &
  Pick<ScenarioOptions, 'tlbCapacity'> &
  Pick<Layout, 'mmSize' | 'nBitmaps'> & {
    /** `scenario.threads.length`. */
    readonly threads: number;
    /** `layout.lockNames.length`. */
    readonly locks: number;
    /** VMAs of each mm. */
    readonly vmas: readonly number[];
    /** vpns of each secondary MMU's mm (its `mmSize`). */
    readonly smmuSize: readonly number[];
  };

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

/**
 * The limits of an EventBounds a check may name: the constant that generated code declares
 * for it (`boundsPrelude`) and the property path it is read from.
 */
const LIMITS = {
  threads: ['BT', 'threads'],
  cpus: ['BC', 'cpus'],
  pages: ['BP', 'pages'],
  nBitmaps: ['BB', 'nBitmaps'],
  locks: ['BL', 'locks'],
  mms: ['BMN', 'mmSize.length'],
  smmus: ['BSN', 'smmuSize.length'],
  mmSize: ['BM', 'mmSize'],
  smmuSize: ['BS', 'smmuSize'],
  vmas: ['BV', 'vmas'],
} as const;
type Limit = keyof typeof LIMITS;

/**
 * What a check compares: a number, a limit of the scenario, `.field` (a field of the event),
 * `size` (vpns of the event's secondary MMU if it has `sub`, else of its mm, else -1) or
 * `mmVmas` (VMAs of the event's mm).
 */
type Operand =
  number | Exclude<Limit, 'mmSize' | 'smmuSize' | 'vmas'> | `.${string}` | 'size' | 'mmVmas';

interface Check {
  /** Comparisons that must all hold. */
  readonly all: readonly (readonly [Operand, '>=' | '<' | '<=', Operand])[];
  /**
   * The refusal when one fails, as the source of a JS template literal: `x(o)` interpolates
   * operand `o` (plus `add`), `type` is the event's type.
   */
  readonly message: (x: (o: Operand, add?: number) => string, type: string) => string;
}

/** `field` in lo..hi-1; the refusal names the field, its value and the range (and `why`). */
const within = (field: string, lo: number, hi: Operand, why = ''): Check => ({
  all: [
    [`.${field}`, '>=', lo],
    [`.${field}`, '<', hi],
  ],
  message: (x, type) => `${type}.${field} is ${x(`.${field}`)}, expected ${lo}..${x(hi, -1)}${why}`,
});

/** A from..to range of vpns within the pages of the event's mm (or secondary MMU). */
const RANGE: Check = {
  all: [
    ['.from', '>=', 0],
    ['.from', '<=', '.to'],
    ['.to', '<=', 'size'],
  ],
  message: (x, type) =>
    `${type}: range ${x('.from')}..${x('.to')} is not within 0..${x('size')} (pages of the mm)`,
};

const PAGE = within('page', 0, 'pages', ' (pages)');
const BITMAP = [within('bm', 0, 'nBitmaps', ' (bitmaps)'), within('bit', 0, 'pages', ' (pages)')];
const LOCK = within('lock', 0, 'locks', ' (locks)');
/** 0 or 1. */
const flag = (field: string): Check => within(field, 0, 2);

/**
 * The checks of the fields only some types have, after those of the shared fields (tid, cpu,
 * mm, sub, vpn, from..to; `checksOf`), in order: the first that fails is the refusal. Only
 * fields that index state or bound a loop are checked; values (pte, pfn, seq, pc) are free.
 * An entry with its own `message` words its refusal otherwise than `within`.
 */
const TYPE_CHECKS: { readonly [K in SimEventType]?: readonly Check[] } = {
  'mem/store': [PAGE],
  'dev/copy': [PAGE],
  'page/dirty': [PAGE, flag('value')],
  'bitmap/set': BITMAP,
  'bitmap/clear': BITMAP,
  'bounds/set': [
    {
      all: [
        ['.start', '>=', 0],
        ['.start', '<=', 'pages'],
        ['.end', '>=', 0],
        ['.end', '<=', 'pages'],
      ],
      message: (x) =>
        `bounds/set: ${x('.start')}..${x('.end')} is not within 0..${x('pages')} (pages)`,
    },
  ],
  'vmw/set': [within('count', 0, 64), flag('res')],
  'lock/acquire': [LOCK],
  'lock/release': [LOCK],
  'thread/set': [within('slot', 0, MAX_LOCALS, ' (locals)')],
  'vma/write': [within('vma', 0, 'mmVmas'), flag('value')],
  'decide/skip-vma': [within('vma', 0, 'mmVmas'), flag('stop')],
  'tlb/fill': [
    {
      all: [...flag('w').all, ...flag('d').all],
      message: () => 'tlb/fill: w and d must be 0 or 1',
    },
  ],
  'smmu/install': [flag('w')],
};

/** The checks of an event of `type` with fields `fields` (its EVENT_FIELDS entry), in order. */
function checksOf(type: SimEventType, fields: Readonly<Record<string, unknown>>): Check[] {
  const has = (f: string): boolean => Object.hasOwn(fields, f);
  // A device's store and fault run on no CPU (cpu -1; docs/rules/notifier.md).
  const cpuLo = type === 'mem/store' || type === 'fault/enter' ? -1 : 0;
  return [
    ...(has('tid') ? [within('tid', 0, 'threads', ' (threads)')] : []),
    ...(has('cpu') ? [within('cpu', cpuLo, 'cpus', ' (CPUs)')] : []),
    ...(has('mm') ? [within('mm', 0, 'mms', ' (mms)')] : []),
    ...(has('sub') ? [within('sub', 0, 'smmus', ' (secondary MMUs)')] : []),
    ...(has('vpn') ? [within('vpn', 0, 'size', ' (pages of the mm)')] : []),
    ...(has('from') && has('to') ? [RANGE] : []),
    ...(TYPE_CHECKS[type] ?? []),
  ];
}

/**
 * The source of the checks of `type`: `ok`, one JS expression that holds when every check
 * does, and `refusal`, statements that return the refusal of the first failing check (as
 * `eventProblem` words it) and null when none fails. `v(field)` is the expression of an event
 * field, `lim(limit)` that of a limit of the bounds.
 */
function checkSource(
  type: SimEventType,
  v: (field: string) => string,
  lim: (l: Limit) => string,
): { ok: string; refusal: string } {
  const fields = EVENT_FIELDS[type];
  const per = (l: Limit, i: string): string => `(${lim(l)}[${i}] ?? 0)`;
  const size = Object.hasOwn(fields, 'sub')
    ? per('smmuSize', v('sub'))
    : Object.hasOwn(fields, 'mm')
      ? per('mmSize', v('mm'))
      : '-1';
  const operand = (o: Operand): string =>
    typeof o === 'number'
      ? String(o)
      : o.startsWith('.')
        ? v(o.slice(1))
        : o === 'size'
          ? size
          : o === 'mmVmas'
            ? per('vmas', v('mm'))
            : lim(o as Limit);
  // In a template literal: the operand's value (a number plus `add` folded in).
  const x = (o: Operand, add = 0): string =>
    typeof o === 'number'
      ? String(o + add)
      : `\${${operand(o)}${add === 0 ? '' : add < 0 ? ` - ${-add}` : ` + ${add}`}}`;
  const checks = checksOf(type, fields).map((c) => ({
    cond: c.all.map(([a, op, b]) => `${operand(a)} ${op} ${operand(b)}`).join(' && '),
    message: c.message(x, type),
  }));
  return {
    ok: checks.length === 0 ? 'true' : checks.map((c) => `(${c.cond})`).join(' && '),
    refusal: [
      ...checks.map((c) => `if (!(${c.cond})) return \`${c.message}\`;`),
      'return null;',
    ].join('\n'),
  };
}

/** The checks of one type as a function of the event and its bounds: a refusal or null. */
type TypeCheck = (e: SimEvent, b: EventBounds) => string | null;

/**
 * One function per event type, generated from its checks once at module load (as
 * compiledChunk.ts generates the chunk visitor): `eventProblem` runs on every event a log
 * writer is asked about (`LogWriter.problem`, JSON-lines import) and every event a reader
 * folds without its compiled visitor. Each function reads the fields of one event shape;
 * interpreting the table per event, or testing `'tid' in e` across ~60 shapes, is
 * megamorphic (before the compiled visitor, the guard was 1/3 of a replay's time).
 */
const TYPE_CHECK: ReadonlyMap<string, TypeCheck> = new Map(
  (Object.keys(EVENT_FIELDS) as SimEventType[]).map((type) => [
    type,
    new Function(
      'e',
      'b',
      checkSource(
        type,
        (f) => `e[${JSON.stringify(f)}]`,
        (l) => `b.${LIMITS[l][1]}`,
      ).refusal,
    ) as TypeCheck,
  ]),
);

/**
 * What is wrong with `e` under `b` (a message naming the field, its value and the range), or
 * null: the checks of `checksOf` for its type. The field names are those of EVENT_FIELDS.
 */
export function eventProblem(e: SimEvent, b: EventBounds): string | null {
  const check = TYPE_CHECK.get(e.type);
  return check ? check(e, b) : `unknown event type ${JSON.stringify(e.type)?.slice(0, 40)}`;
}

/**
 * The bounds of `b` as the constants `boundsCheckSource` expressions use, declared in generated
 * code (compiledChunk.ts). `b` is an expression naming an EventBounds there.
 */
export function boundsPrelude(b: string): string {
  return `const ${Object.values(LIMITS)
    .map(([c, path]) => `${c} = ${b}.${path}`)
    .join(', ')};`;
}

/**
 * `eventProblem(e, b) === null` for an event of `type` (a row of EVENT_FIELDS), as one JS
 * expression over the constants of `boundsPrelude` and the variables `v(field)` holding the
 * event's fields (safe integers, as the chunk decoder yields them): the same checks from the
 * same table (`checksOf`), so a chunk visitor compiled from a log's type table checks each
 * event inline with only the fields its type has ('true' when it has none). The expression
 * only decides; an event it refuses goes through `eventProblem`, which writes the message. A
 * test holds the two equal on every type at and around every bound.
 */
export function boundsCheckSource(type: SimEventType, v: (field: string) => string): string {
  return checkSource(type, v, (l) => LIMITS[l][0]).ok;
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
