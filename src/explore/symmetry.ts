import type { MutableSimState, SimState } from '../state/types.js';
import { initialMutableState } from '../sim/init.js';
import { STEP_MACHINES, programOf } from '../kernel/programs.js';
import type { Model } from '../sim/model.js';
import {
  STATE_OPS,
  type LocalIds,
  type LocalsRenamer,
  type HashLanes,
  type Renaming,
  type StateOps,
} from './stateOps.js';
import type { Fingerprint } from './stateHash64.js';

/**
 * Symmetry reduction over threads the scenario makes interchangeable (the explorer finds
 * them; no scenario field is needed):
 * - callers (kind 'caller') with the same protocol and range; `clean` callers own private
 *   bitmaps, which move with them (and so does the bitmap id in their helper frames, the slot
 *   the helper's step machine declares in `ids`);
 * - user threads with the same mm, ops and write count on distinct CPUs that no other user
 *   thread uses, when TLB shootdowns are one atomic step (`flush: atomic`: a per-CPU
 *   shootdown walks CPUs in a fixed order, which a CPU permutation would not respect).
 *
 * Permuting threads t ↔ u (and their CPUs) maps a reachable state to a reachable state with
 * the same verdicts, because the model refers to a thread only through what the state schema
 * (src/state/schema.ts) marks: parts indexed by thread, CPU or bitmap, fields holding thread
 * ids or bitmasks of them, and ids in frame locals that step machines declare. The canonical
 * key is the least key over the group's images.
 */
export class Symmetry {
  private constructor(
    /** Thread permutations (each a full tid map), identity excluded. */
    private readonly perms: readonly (readonly number[])[],
    /** CPU map per permutation. */
    private readonly cpuPerms: readonly (readonly number[])[],
    /** Groups of interchangeable tids (ascending), and whether each moves CPUs along. */
    private readonly groups: readonly (readonly number[])[],
    withCpu: readonly boolean[],
    cpuOf: readonly number[],
    nCpus: number,
    /** Private bitmap of each thread (0 = the driver's shared one). */
    private readonly bitmapOf: readonly number[],
    nBitmaps: number,
    private readonly ops: StateOps,
  ) {
    this.tidIdentity = cpuOf.map((_, i) => i);
    this.cpuIdentity = Array.from({ length: nCpus }, (_, i) => i);
    this.bmIdentity = Array.from({ length: nBitmaps }, (_, i) => i);
    for (const g of groups)
      for (const t of g) {
        this.fixedTids &= ~(1 << t);
        const b = bitmapOf[t] ?? 0;
        if (b > 0) this.fixedBitmaps &= ~(1 << b);
      }
    const members = groups.flatMap((g, k) =>
      g.map((t) => ({
        t,
        cpu: withCpu[k] === true ? (cpuOf[t] as number) : -1,
        bm: bitmapOf[t] ?? 0,
      })),
    );
    this.sigOut = new Float64Array(members.length);
    // Every combination of the groups' orders, by code (see sortedRenaming).
    let total = 1;
    for (let g = 0; g < groups.length; g++) {
      this.radix.push(total);
      total *= factorial((groups[g] as readonly number[]).length);
    }
    for (let code = 1; code < total; code++) {
      const p = this.tidIdentity.slice();
      const cpu = this.cpuIdentity.slice();
      groups.forEach((members, g) => {
        const k = members.length;
        const idx = unlehmer(Math.floor(code / (this.radix[g] as number)) % factorial(k), k);
        idx.forEach((from, to) => {
          const f = members[from] as number;
          const t = members[to] as number;
          p[f] = t;
          if (withCpu[g] === true) cpu[cpuOf[f] as number] = cpuOf[t] as number;
        });
      });
      this.table[code] = ops.renaming(p, cpu, this.bitmapPerm(p));
    }
    const movesBitmaps = this.table.some((r) => r.bm !== null);
    this.localsMoved = STEP_MACHINES.some(
      (m) => (m.ids?.tid?.length ?? 0) > 0 || (movesBitmaps && (m.ids?.bitmap?.length ?? 0) > 0),
    );
    this.sigs = ops.memberSigs(
      members,
      idsOf,
      this.fixedTids,
      this.fixedBitmaps,
      !this.localsMoved,
    );
  }

  /** Signatures of every group's members, in group order (see sortedRenaming). */
  private readonly sigs: (s: SimState, out: Float64Array, L: HashLanes | null) => void;
  private readonly sigOut: Float64Array;

  /** Renaming by code (0: identity), and each group's place value in the code. */
  private readonly table: Renaming[] = [];
  private readonly radix: number[] = [];

  /** Bit t: no group moves thread t; bit b: no group moves bitmap b (signatures keep them). */
  private fixedTids = -1;
  private fixedBitmaps = -1;

  private readonly bmIdentity: number[];

  /** The bitmap renaming that goes with thread renaming p. */
  private bitmapPerm(p: readonly number[]): number[] | null {
    let bm: number[] | null = null;
    for (let t = 0; t < p.length; t++) {
      const from = this.bitmapOf[t] ?? 0;
      const to = this.bitmapOf[p[t] ?? t] ?? 0;
      if (from !== to) {
        bm ??= this.bmIdentity.slice();
        bm[from] = to;
      }
    }
    return bm;
  }

  private readonly tidIdentity: number[];
  private readonly cpuIdentity: number[];
  /**
   * Some renaming of the group can change an id in frame locals: a step machine declares
   * thread-id slots, or bitmap-id slots while the group moves bitmaps. When none can, the
   * fingerprint of an image does not rename thread stacks (their ids are all in locals).
   */
  private readonly localsMoved: boolean;

  /**
   * One representative image, cheaply: in each group, order the members by a signature of
   * their own state (their stack, their private bitmap, and their CPU's TLB when CPUs move
   * along) and rename them in
   * that order. Equal states always get the same image, and an image is always a symmetric
   * state, so merging by it is sound; symmetric states whose members tie on signatures may get
   * different images (less reduction, never a wrong merge).
   */
  sortedImage(
    state: SimState,
    extra?: readonly number[],
  ): { state: SimState; extra: readonly number[] | undefined; permuted: boolean } {
    const r = this.sortedRenaming(state, null);
    if (r === null) return { state, extra, permuted: false };
    return {
      state: this.ops.permute(state, r.p, r.cpu, r.bm, renameLocals),
      extra: extra && remapExtra(extra, r.p),
      permuted: true,
    };
  }

  /**
   * The fingerprint of {@link sortedImage}'s state into `fp`, without building it when it is
   * a permuted copy; true when it is one.
   */
  sortedFingerprint(
    state: SimState,
    extra: readonly number[] | undefined,
    fp: Fingerprint,
  ): boolean {
    const r = this.sortedRenaming(state, fp);
    if (r === null) {
      fp.of(state, extra);
      return false;
    }
    fp.ofRenamed(state, r, this.localsMoved ? renameLocals : null, extra && remapExtra(extra, r.p));
    return true;
  }

  /**
   * The renaming that takes `state` to its sorted image (see {@link sortedImage}), or null:
   * each group's sorting order numbered (its Lehmer code, 0 for none), the numbers combined,
   * and the renaming looked up in {@link table}; nothing is allocated. `fp`: the fingerprint
   * whose element-hash cache the signatures share (null: none).
   */
  private sortedRenaming(state: SimState, fp: Fingerprint | null): Renaming | null {
    const sig = this.sigOut;
    this.sigs(state, sig, fp);
    let code = 0;
    let at = 0;
    for (let g = 0; g < this.groups.length; g++) {
      const k = (this.groups[g] as readonly number[]).length;
      if (k === 2) {
        // The common case: swap the pair when out of order.
        if ((sig[at] as number) > (sig[at + 1] as number)) code += this.radix[g] as number;
        at += 2;
        continue;
      }
      // Stable insertion sort of the members by signature (ties keep their order).
      const idx = this.idxScratch;
      for (let i = 0; i < k; i++) {
        let j = i;
        for (; j > 0 && (sig[at + (idx[j - 1] as number)] as number) > (sig[at + i] as number); j--)
          idx[j] = idx[j - 1] as number;
        idx[j] = i;
      }
      code += lehmer(idx, k) * (this.radix[g] as number);
      at += k;
    }
    return code === 0 ? null : (this.table[code] as Renaming);
  }

  /** Scratch of {@link sortedRenaming}'s sort. */
  private readonly idxScratch: number[] = [];

  /** The symmetry group of a model, or null when it is trivial. */
  static of(model: Model, ops: StateOps = STATE_OPS): Symmetry | null {
    const s = model.scenario;
    // Root fields the state schema does not describe may hold thread or CPU numbers that
    // could not be renamed: no symmetry then.
    if (ops.unknownRoots(initialMutableState(s)).length > 0) return null;
    // Other thread kinds (mprotect, clear_refs, devices, reclaim, ...) may name CPUs or threads.
    if (!s.threads.every((t) => t.kind === 'user' || t.kind === 'caller' || t.kind === 'drain'))
      return null;
    const groups: number[][] = [];
    const callers = new Map<string, number[]>();
    const users = new Map<string, number[]>();
    const cpuUse = new Map<number, number>();
    s.threads.forEach((t) => {
      if (t.kind === 'user') cpuUse.set(t.cpu, (cpuUse.get(t.cpu) ?? 0) + 1);
    });
    // Same spec except name and CPU (every other field, present or future, must match).
    const specKey = (t: object): string =>
      JSON.stringify(
        Object.entries(t)
          .filter(([k]) => k !== 'name' && k !== 'cpu')
          .sort(([a], [b]) => (a < b ? -1 : 1)),
      );
    s.threads.forEach((t, tid) => {
      if (t.kind === 'caller') {
        const k = specKey(t);
        callers.set(k, [...(callers.get(k) ?? []), tid]);
      } else if (t.kind === 'user' && s.options.flush === 'atomic' && cpuUse.get(t.cpu) === 1) {
        const k = specKey(t);
        users.set(k, [...(users.get(k) ?? []), tid]);
      }
    });
    for (const g of callers.values()) if (g.length > 1) groups.push(g);
    for (const g of users.values()) if (g.length > 1) groups.push(g);
    if (groups.length === 0 || s.threads.length > 30) return null;
    const n = s.threads.length;
    let perms: number[][] = [Array.from({ length: n }, (_, i) => i)];
    for (const g of groups) {
      const next: number[][] = [];
      for (const p of perms)
        for (const order of permutations(g)) {
          const q = p.slice();
          g.forEach((tid, i) => (q[tid] = order[i] as number));
          next.push(q);
        }
      perms = next;
      if (perms.length > 720) return null; // too many to enumerate per state
    }
    const nonId = perms.filter((p) => p.some((v, i) => v !== i));
    const cpuPerms = nonId.map((p) => {
      const m = Array.from({ length: s.cpus }, (_, i) => i);
      s.threads.forEach((t, tid) => {
        const u = s.threads[p[tid] as number];
        if (t.kind === 'user' && u?.kind === 'user') m[t.cpu] = u.cpu;
      });
      return m;
    });
    const withCpu = groups.map((g) => s.threads[g[0] as number]?.kind === 'user');
    return new Symmetry(
      nonId,
      cpuPerms,
      groups,
      withCpu,
      s.threads.map((t) => t.cpu),
      s.cpus,
      model.layout.bitmapOf,
      model.layout.nBitmaps,
      ops,
    );
  }

  get size(): number {
    return this.perms.length + 1;
  }

  /** Calls `f` with every image of (state, extra) under the group, identity first. */
  images(
    state: SimState,
    extra: readonly number[] | undefined,
    f: (s: SimState, extra: readonly number[] | undefined, permuted: boolean) => void,
  ): void {
    f(state, extra, false);
    for (let i = 0; i < this.perms.length; i++) {
      const p = this.perms[i] as readonly number[];
      f(
        permute(state, p, this.cpuPerms[i] as readonly number[], this.bitmapPerm(p), this.ops),
        extra && remapExtra(extra, p),
        true,
      );
    }
  }
}

function remapExtra(extra: readonly number[], p: readonly number[] | null): number[] {
  // extra = [lastTid, preemptions]
  const last = extra[0] ?? -1;
  return [p && last >= 0 ? (p[last] ?? last) : last, ...extra.slice(1)];
}

/** The id slots of frame locals, as their step machine declares them. */
const idNames: string[] = [];
const idDecls: ReturnType<LocalIds>[] = [];
const idsOf: LocalIds = (fn) => {
  // A scan of interned names (few machines) is cheaper than a keyed lookup.
  for (let i = 0; i < idNames.length; i++) if (idNames[i] === fn) return idDecls[i];
  const ids = programOf(fn).ids;
  idNames.push(fn);
  idDecls.push(ids);
  return ids;
};

/** Ids in frame locals, renamed as their step machine declares (StepMachine.ids). */
const renameLocals: LocalsRenamer = (fn, l, p, bm) => {
  const ids = idsOf(fn);
  if (ids === undefined) return l;
  let out = l;
  const set = (slot: number, v: number): void => {
    if ((out[slot] ?? 0) === v) return;
    if (out === l) out = l.slice();
    (out as number[])[slot] = v;
  };
  if (bm !== null) for (const slot of ids.bitmap ?? []) set(slot, bm[l[slot] ?? 0] ?? 0);
  for (const slot of ids.tid ?? []) {
    const t = l[slot] ?? -1;
    if (t >= 0) set(slot, p[t] ?? t);
  }
  return out;
};

/** The state with thread t renamed p[t], CPU c renamed cpu[c] and bitmap b renamed bm[b]. */
export function permute(
  state: SimState,
  p: readonly number[],
  cpu: readonly number[],
  bm: readonly number[] | null = null,
  ops: StateOps = STATE_OPS,
): MutableSimState {
  return ops.permute(state, p, cpu, bm, renameLocals);
}

function factorial(k: number): number {
  return k <= 1 ? 1 : k * factorial(k - 1);
}

/** The Lehmer code of the permutation idx[0..k) (0 for the identity). */
function lehmer(idx: readonly number[], k: number): number {
  let code = 0;
  for (let i = 0; i < k; i++) {
    let c = 0;
    for (let j = i + 1; j < k; j++) if ((idx[j] as number) < (idx[i] as number)) c++;
    code = code * (k - i) + c;
  }
  return code;
}

/** The permutation of 0..k with Lehmer code `code`. */
function unlehmer(code: number, k: number): number[] {
  const digits: number[] = [];
  for (let i = k - 1; i >= 0; i--) {
    const radix = k - i;
    digits.unshift(code % radix);
    code = Math.floor(code / radix);
  }
  const rest = Array.from({ length: k }, (_, i) => i);
  return digits.map((c) => rest.splice(c, 1)[0] as number);
}

function permutations(xs: readonly number[]): number[][] {
  if (xs.length <= 1) return [xs.slice()];
  const out: number[][] = [];
  xs.forEach((x, i) => {
    for (const rest of permutations([...xs.slice(0, i), ...xs.slice(i + 1)]))
      out.push([x, ...rest]);
  });
  return out;
}
