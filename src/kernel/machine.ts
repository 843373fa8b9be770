import type { SimEvent } from '../events/index.js';
import { ModelInvariantError } from '../errors.js';
import type { FrameView } from '../state/types.js';

/**
 * The declared layout of a step machine: its locals (frame slots) and its labels (program
 * counters), each named once. Code says `e.goto('commit')` and `e.set('old', pte)`; the log keeps
 * the compact numbers (`thread/goto` pc, `thread/set` slot), which is why a change of any number
 * here is a change of the model layout (src/kernel/modelLayout.ts, recorded in the log header).
 *
 * Locals are numbered in declaration order. Labels are too when given as a list; a record gives
 * explicit numbers (for machines whose pcs have gaps that logs already record).
 */
export interface MachineLayout<TLocal extends string = string, TLabel extends string = string> {
  /** The frame name (`thread/call` fn) of this machine. */
  readonly name: string;
  readonly locals: readonly TLocal[];
  /** Slot of each local. */
  readonly slot: { readonly [K in TLocal]: number };
  /** Program counter of each label. */
  readonly pc: { readonly [K in TLabel]: number };
  /** The label at each pc (undefined where there is none), for display. */
  readonly labelAt: readonly (TLabel | undefined)[];
  /** The locals of a new frame: every slot 0 unless `init` says otherwise. */
  args(init: { readonly [K in TLocal]?: number }): number[];
  /** Local `name` of `frame` (0 when the frame never set it). */
  get(frame: FrameView, name: TLocal): number;
  /** An event builder for one step of thread `tid` running this machine. */
  emit(tid: number): Emit<TLocal, TLabel>;
  /** A pc this machine does not have: a model invariant failure. */
  badPc(frame: FrameView): never;
  /** The slot of local `name` (what `set`/`get` use). */
  slotOf(name: TLocal): number;
  /** The pc of label `name` (what `goto` uses). */
  pcOf(name: TLabel): number;
}

/**
 * name → number as a compiled `switch`, one function per machine: the step machines look names
 * up on every step, and a string switch of a few internalised names costs about a nanosecond,
 * where a keyed property load shared by all machines (megamorphic) costs about ten — measurable
 * in the explorer.
 */
function compileLookup<TName extends string>(
  machine: string,
  what: string,
  numbers: Readonly<Record<TName, number>>,
): (name: TName) => number {
  const cases = Object.entries(numbers)
    .map(([k, v]) => `case ${JSON.stringify(k)}: return ${String(v)};`)
    .join(' ');
  const fail = (name: string): never => {
    throw new ModelInvariantError(`machine ${machine}: no ${what} '${name}'`);
  };
  return new Function('fail', `return function (n) { switch (n) { ${cases} } return fail(n); };`)(
    fail,
  ) as (name: TName) => number;
}

/**
 * `args` compiled per machine: one named load per local from the init record (each call site
 * passes one shape) into a packed array literal, instead of a for-in over the record with a
 * lookup per key. Keys that are no local of the machine are not read (the record's type
 * names only locals).
 */
function compileArgs<TLocal extends string>(
  locals: readonly TLocal[],
  slot: Readonly<Record<TLocal, number>>,
): (init: { readonly [K in TLocal]?: number }) => number[] {
  const loads = locals
    .map((l) => `v = init[${JSON.stringify(l)}]; if (v !== undefined) l[${String(slot[l])}] = v;`)
    .join(' ');
  const zeros = locals.map(() => '0').join(', ');
  return new Function(
    `return function (init) { const l = [${zeros}]; let v; ${loads} return l; };`,
  )() as (init: { readonly [K in TLocal]?: number }) => number[];
}

type Labels<TLabel extends string> = readonly TLabel[] | { readonly [K in TLabel]: number };

/** Machines that take a helper's return value: frame name → slot of the local receiving it. */
const RESULT_SLOTS = new Map<string, number>();

/**
 * The slot in which a frame of machine `fn` receives the return value of a helper it called
 * (`result` of its declaration), or undefined when it does not use it.
 */
export function resultSlotOf(fn: string): number | undefined {
  if (fn === lastResultFn) return lastResultSlot;
  const slot = RESULT_SLOTS.get(fn);
  lastResultFn = fn;
  lastResultSlot = slot;
  return slot;
}

/** The last frame name asked about and its slot (a helper's return asks with the same caller). */
let lastResultFn: string | null = null;
let lastResultSlot: number | undefined = undefined;

/** Declare a step machine's locals and labels (see {@link MachineLayout}). */
export function defineMachine<const TLocal extends string, const TLabel extends string>(
  name: string,
  def: {
    readonly locals: readonly TLocal[];
    readonly labels: Labels<TLabel>;
    /** The local that receives the return value of a helper this machine calls. */
    readonly result?: TLocal;
  },
): MachineLayout<TLocal, TLabel> {
  const slot = {} as Record<TLocal, number>;
  def.locals.forEach((l, i) => {
    if (l in slot) throw new ModelInvariantError(`machine ${name}: local '${l}' declared twice`);
    slot[l] = i;
  });
  const pc = {} as Record<TLabel, number>;
  const labelAt: (TLabel | undefined)[] = [];
  const entries: [TLabel, number][] = Array.isArray(def.labels)
    ? (def.labels as readonly TLabel[]).map((l, i) => [l, i])
    : (Object.entries(def.labels) as [TLabel, number][]);
  for (const [l, n] of entries) {
    if (l in pc) throw new ModelInvariantError(`machine ${name}: label '${l}' declared twice`);
    if (!Number.isInteger(n) || n < 0 || labelAt[n] !== undefined)
      throw new ModelInvariantError(`machine ${name}: label '${l}' has a bad or taken pc ${n}`);
    pc[l] = n;
    labelAt[n] = l;
  }
  if (def.result !== undefined) {
    RESULT_SLOTS.set(name, slot[def.result]);
    lastResultFn = null;
  }
  const slotOf = compileLookup<TLocal>(name, 'local', slot);
  const pcOf = compileLookup<TLabel>(name, 'label', pc);
  const layout: MachineLayout<TLocal, TLabel> = {
    name,
    locals: def.locals,
    slot,
    pc,
    labelAt,
    args: compileArgs<TLocal>(def.locals, slot),
    get(frame, local) {
      return frame.l[slotOf(local)] ?? 0;
    },
    slotOf,
    pcOf,
    emit(tid) {
      return new Emit(tid, layout);
    },
    badPc(frame) {
      throw new ModelInvariantError(`${name}: no label at pc ${frame.pc}`);
    },
  };
  return layout;
}

/**
 * Event builder for one step of a machine. Frame edits (goto/set) must precede a call (which
 * pushes a new frame).
 */
export class Emit<TLocal extends string = string, TLabel extends string = string> {
  readonly ev: SimEvent[] = [];
  // Typed by string so an Emit of one machine passes where any Emit is taken (actorFlush).
  private readonly pcOf: (name: string) => number;
  private readonly slotOf: (name: string) => number;
  constructor(
    readonly tid: number,
    machine: MachineLayout<TLocal, TLabel>,
  ) {
    this.pcOf = machine.pcOf as (name: string) => number;
    this.slotOf = machine.slotOf as (name: string) => number;
  }
  push(e: SimEvent): this {
    this.ev.push(e);
    return this;
  }
  /** Append `events` in order (a loop: no spread of an array into a call). */
  pushAll(events: readonly SimEvent[]): this {
    const ev = this.ev;
    for (let i = 0; i < events.length; i++) ev.push(events[i] as SimEvent);
    return this;
  }
  goto(label: TLabel): this {
    this.ev.push({ type: 'thread/goto', tid: this.tid, pc: this.pcOf(label) });
    return this;
  }
  /**
   * Go to pc `index` of a machine whose pc is an index into a program (the caller
   * interpreter: its operations are the labels, numbered in the program's order).
   */
  gotoOp(index: number): this {
    this.ev.push({ type: 'thread/goto', tid: this.tid, pc: index });
    return this;
  }
  set(local: TLocal, value: number): this {
    this.ev.push({ type: 'thread/set', tid: this.tid, slot: this.slotOf(local), value });
    return this;
  }
  /** Push a frame of machine `callee` with locals `init` (the rest 0). */
  call<TCalleeLocal extends string>(
    callee: MachineLayout<TCalleeLocal, string>,
    init: { readonly [K in TCalleeLocal]?: number },
  ): this {
    this.ev.push({ type: 'thread/call', tid: this.tid, fn: callee.name, l: callee.args(init) });
    return this;
  }
  ret(): this {
    this.ev.push({ type: 'thread/return', tid: this.tid });
    return this;
  }
  acquire(lock: number, mode: 'r' | 'w' = 'w'): this {
    this.ev.push({ type: 'lock/acquire', tid: this.tid, lock, mode });
    return this;
  }
  release(lock: number, mode: 'r' | 'w' = 'w'): this {
    this.ev.push({ type: 'lock/release', tid: this.tid, lock, mode });
    return this;
  }
}

/** The event builder type of machine `TMachine`. */
export type EmitOf<TMachine> =
  TMachine extends MachineLayout<infer TLocal, infer TLabel> ? Emit<TLocal, TLabel> : never;
