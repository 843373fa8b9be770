import type { MutableSimState, SimState } from '../state/types.js';
import { initialMutableState } from '../sim/init.js';
import { programOf } from '../kernel/programs.js';
import type { Model } from '../sim/model.js';
import { STATE_OPS, type LocalIds, type LocalsRenamer, type StateOps } from './stateOps.js';
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
    private readonly withCpu: readonly boolean[],
    private readonly cpuOf: readonly number[],
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
  }

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
   * One representative image, cheaply: in each group, order the members by a signature of
   * their own state (their stack, and their CPU's TLB when CPUs move along) and rename them in
   * that order. Equal states always get the same image, and an image is always a symmetric
   * state, so merging by it is sound; symmetric states whose members tie on signatures may get
   * different images (less reduction, never a wrong merge).
   */
  sortedImage(
    state: SimState,
    extra?: readonly number[],
  ): { state: SimState; extra: readonly number[] | undefined; permuted: boolean } {
    const r = this.sortedRenaming(state);
    if (r === null) return { state, extra, permuted: false };
    return {
      state: permute(state, r.p, r.cpu, r.bm, this.ops),
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
    const r = this.sortedRenaming(state);
    if (r === null) {
      fp.of(state, extra);
      return false;
    }
    fp.ofPermuted(state, r.p, r.cpu, r.bm, renameLocals, extra && remapExtra(extra, r.p));
    return true;
  }

  /** The renaming that takes `state` to its sorted image (see {@link sortedImage}), or null. */
  private sortedRenaming(
    state: SimState,
  ): { p: number[]; cpu: readonly number[]; bm: readonly number[] | null } | null {
    let p: number[] | null = null;
    let cpu: number[] | null = null;
    for (let g = 0; g < this.groups.length; g++) {
      const members = this.groups[g] as readonly number[];
      const withCpu = this.withCpu[g] === true;
      if (members.length === 2) {
        // The common case, without allocating: swap the pair when out of order.
        const x = members[0] as number;
        const y = members[1] as number;
        const sx = this.sig(
          state,
          x,
          withCpu ? (this.cpuOf[x] as number) : -1,
          this.bitmapOf[x] ?? 0,
        );
        const sy = this.sig(
          state,
          y,
          withCpu ? (this.cpuOf[y] as number) : -1,
          this.bitmapOf[y] ?? 0,
        );
        if (sx <= sy) continue;
        p ??= this.tidIdentity.slice();
        p[x] = y;
        p[y] = x;
        if (withCpu) {
          cpu ??= this.cpuIdentity.slice();
          cpu[this.cpuOf[x] as number] = this.cpuOf[y] as number;
          cpu[this.cpuOf[y] as number] = this.cpuOf[x] as number;
        }
        continue;
      }
      const sig = members.map((t) =>
        this.sig(state, t, withCpu ? (this.cpuOf[t] as number) : -1, this.bitmapOf[t] ?? 0),
      );
      const idx = members
        .map((_, i) => i)
        .sort((i, j) => (sig[i] as number) - (sig[j] as number) || i - j);
      if (idx.every((v, i) => v === i)) continue;
      p ??= this.tidIdentity.slice();
      idx.forEach((from, to) => ((p as number[])[members[from] as number] = members[to] as number));
      if (withCpu) {
        cpu ??= this.cpuIdentity.slice();
        idx.forEach(
          (from, to) =>
            ((cpu as number[])[this.cpuOf[members[from] as number] as number] = this.cpuOf[
              members[to] as number
            ] as number),
        );
      }
    }
    if (!p) return null;
    return { p, cpu: cpu ?? this.cpuIdentity, bm: this.bitmapPerm(p) };
  }

  /** Per thread: the parts its last signature was taken over, and that signature. */
  private readonly sigCache: unknown[][] = [];

  /**
   * A signature of member t (its thread's, its CPU's and its bitmap's elements), reused while
   * they are the same objects as last time (the explorer never mutates a completed state's
   * objects, and successors share what a step does not touch).
   */
  private sig(state: SimState, t: number, cpu: number, bm: number): number {
    const c = (this.sigCache[t] ??= []);
    return this.ops.memberSig(state, t, cpu, bm, c, idsOf, this.fixedTids, this.fixedBitmaps);
  }

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

function permutations(xs: readonly number[]): number[][] {
  if (xs.length <= 1) return [xs.slice()];
  const out: number[][] = [];
  xs.forEach((x, i) => {
    for (const rest of permutations([...xs.slice(0, i), ...xs.slice(i + 1)]))
      out.push([x, ...rest]);
  });
  return out;
}
