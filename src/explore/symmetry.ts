import type { MutableSimState, SimState } from '../state/types.js';
import { initialMutableState } from '../state/init.js';
import { KNOWN_ROOT } from './knownShape.js';
import type { Model } from '../sim/model.js';

/**
 * Symmetry reduction over threads the scenario makes interchangeable (the explorer finds
 * them; no scenario field is needed):
 * - callers (kind 'caller') with the same protocol and range; `clean` callers own private
 *   bitmaps, which move with them (and so does the bitmap id in their helper frames, slot
 *   {@link HELPER_BM_SLOT});
 * - user threads with the same mm, ops and write count on distinct CPUs that no other user
 *   thread uses, when TLB shootdowns are one atomic step (`flush: atomic`: a per-CPU
 *   shootdown walks CPUs in a fixed order, which a CPU permutation would not respect).
 *
 * Permuting threads t ↔ u (and their CPUs) maps a reachable state to a reachable state with
 * the same verdicts, because the model refers to a thread only through: its stack, lock
 * owners and reader bitmasks, the `susp` ghost bitmasks of TLB entries and secondary MMUs,
 * and its CPU's TLB. The canonical key is the least key over the group's images.
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
  ) {
    this.tidIdentity = cpuOf.map((_, i) => i);
    this.cpuIdentity = Array.from({ length: nCpus }, (_, i) => i);
    this.bmIdentity = Array.from({ length: nBitmaps }, (_, i) => i);
  }

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
    if (!p) return { state, extra, permuted: false };
    return {
      state: permute(state, p, cpu ?? this.cpuIdentity, this.bitmapPerm(p)),
      extra: extra && remapExtra(extra, p),
      permuted: true,
    };
  }

  /** Per thread: the parts its last signature was taken over, and that signature. */
  private readonly sigThread: unknown[] = [];
  private readonly sigTlb: unknown[] = [];
  private readonly sigBitmap: unknown[] = [];
  private readonly sigValue: number[] = [];

  /**
   * {@link signature}, reused while thread t's object, its CPU's TLB and its bitmap are the
   * same objects as last time (the explorer never mutates a completed state's objects, and
   * successors share what a step does not touch).
   */
  private sig(state: SimState, t: number, cpu: number, bm: number): number {
    const th = state.threads[t];
    const tlb = cpu >= 0 ? state.tlbs[cpu] : undefined;
    const bits = bm > 0 ? state.bitmaps[bm] : undefined;
    if (
      th !== undefined &&
      this.sigThread[t] === th &&
      this.sigTlb[t] === tlb &&
      this.sigBitmap[t] === bits
    )
      return this.sigValue[t] as number;
    const v = signature(state, t, cpu, bm);
    this.sigThread[t] = th;
    this.sigTlb[t] = tlb;
    this.sigBitmap[t] = bits;
    this.sigValue[t] = v;
    return v;
  }

  /** The symmetry group of a model, or null when it is trivial. */
  static of(model: Model): Symmetry | null {
    const s = model.scenario;
    // Root fields beyond the known ones (per-CPU flush bookkeeping, reclaim generations, ...)
    // may hold thread or CPU numbers this class does not rename: no symmetry then.
    const root = Object.keys(initialMutableState(s));
    if (root.some((k) => !KNOWN_ROOT.includes(k))) return null;
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
        permute(state, p, this.cpuPerms[i] as readonly number[], this.bitmapPerm(p)),
        extra && remapExtra(extra, p),
        true,
      );
    }
  }
}

/** A cheap hash of thread t's stack (and of CPU `cpu`'s TLB when cpu >= 0, its bitmap when bm > 0). */
function signature(state: SimState, t: number, cpu: number, bm: number): number {
  // FNV-1a style over 32-bit words, in a local (this runs for every group member of every
  // successor).
  let h = 0x811c9dc5;
  const th = state.threads[t];
  const stack = th ? th.stack : [];
  h = Math.imul(h ^ stack.length, 0x01000193);
  for (let j = 0; j < stack.length; j++) {
    const f = stack[j] as (typeof stack)[number];
    h = Math.imul(h ^ (f.fn.length + 31 * f.fn.charCodeAt(0)), 0x01000193);
    h = Math.imul(h ^ f.pc, 0x01000193);
    const l = f.l;
    for (let i = 0; i < l.length; i++) h = Math.imul(h ^ (l[i] as number), 0x01000193);
  }
  if (bm > 0) {
    const bits = state.bitmaps[bm];
    if (bits)
      for (let i = 0; i < bits.length; i++) h = Math.imul(h ^ (bits[i] as number), 0x01000193);
  }
  if (cpu >= 0) {
    const tlb = state.tlbs[cpu];
    if (tlb)
      for (let i = 0; i < tlb.length; i++) {
        const e = tlb[i] as (typeof tlb)[number];
        h = Math.imul(h ^ e.mm, 0x01000193);
        h = Math.imul(h ^ e.vpn, 0x01000193);
        h = Math.imul(h ^ e.pfn, 0x01000193);
        h = Math.imul(h ^ (e.w * 2 + e.d), 0x01000193);
        h = Math.imul(h ^ e.susp, 0x01000193);
      }
  }
  return h >>> 0;
}

function remapExtra(extra: readonly number[], p: readonly number[] | null): number[] {
  // extra = [lastTid, preemptions]
  const last = extra[0] ?? -1;
  return [p && last >= 0 ? (p[last] ?? last) : last, ...extra.slice(1)];
}

function mapMask(mask: number, p: readonly number[]): number {
  let out = 0;
  for (let t = 0; mask !== 0 && t < 31; t++, mask >>>= 1) if (mask & 1) out |= 1 << (p[t] ?? t);
  return out;
}

/** Local slot of the helper frame that holds its bitmap id (src/kernel/helper.ts HelperSlot.Bm). */
export const HELPER_BM_SLOT = 3;

/**
 * Thread t's stack with the helper frames' bitmap slot renamed by `bm`, memoised per thread
 * on (source object, renaming): the explorer never mutates a completed state's objects, so
 * the same source gives the same (shared, never mutated) result.
 */
const movedSrc: unknown[] = [];
const movedKey: number[] = [];
const movedOut: MutableSimState['threads'][number][] = [];

function renameBitmaps(
  th: MutableSimState['threads'][number],
  t: number,
  bm: readonly number[],
  key: number,
): MutableSimState['threads'][number] {
  const st = th.stack;
  let changed = false;
  for (let j = 0; j < st.length && !changed; j++) {
    const f = st[j] as MutableSimState['threads'][number]['stack'][number];
    const old = f.l[HELPER_BM_SLOT] ?? 0;
    if (f.fn === 'helper' && (bm[old] ?? 0) !== old) changed = true;
  }
  if (!changed) return th;
  if (movedSrc[t] === th && movedKey[t] === key) return movedOut[t] as typeof th;
  const stack = st.slice();
  for (let j = 0; j < stack.length; j++) {
    const f = stack[j] as MutableSimState['threads'][number]['stack'][number];
    if (f.fn !== 'helper') continue;
    const l = f.l.slice();
    l[HELPER_BM_SLOT] = bm[l[HELPER_BM_SLOT] ?? 0] ?? 0;
    stack[j] = { fn: f.fn, pc: f.pc, l };
  }
  const out = { stack };
  movedSrc[t] = th;
  movedKey[t] = key;
  movedOut[t] = out;
  return out;
}

/** The state with thread t renamed p[t], CPU c renamed cpu[c] and bitmap b renamed bm[b]. */
export function permute(
  state: SimState,
  p: readonly number[],
  cpu: readonly number[],
  bm: readonly number[] | null = null,
): MutableSimState {
  const s = state as unknown as MutableSimState;
  const threads = s.threads.slice();
  let bmKey = 0;
  if (bm) for (let i = 0; i < bm.length; i++) bmKey = bmKey * 64 + (bm[i] as number) + 1;
  for (let t = 0; t < s.threads.length; t++) {
    const th = s.threads[t] as MutableSimState['threads'][number];
    threads[p[t] ?? t] = bm ? renameBitmaps(th, t, bm, bmKey) : th;
  }
  const tlbs = s.tlbs.slice();
  // Unchanged elements are reused (same identity: the explorer caches their hashes).
  for (let c = 0; c < s.tlbs.length; c++) {
    const tlb = s.tlbs[c] as MutableSimState['tlbs'][number];
    let susp = false;
    for (let i = 0; i < tlb.length; i++)
      if ((tlb[i] as (typeof tlb)[number]).susp !== 0) susp = true;
    tlbs[cpu[c] ?? c] = susp
      ? tlb.map((e) => (e.susp === 0 ? e : { ...e, susp: mapMask(e.susp, p) }))
      : tlb;
  }
  let locks = s.locks;
  for (let i = 0; i < s.locks.length; i++) {
    const l = s.locks[i] as MutableSimState['locks'][number];
    const owner = l.owner >= 0 ? (p[l.owner] ?? l.owner) : l.owner;
    const readers = l.readers === 0 ? 0 : mapMask(l.readers, p);
    if (owner === l.owner && readers === l.readers) continue;
    if (locks === s.locks) locks = s.locks.slice();
    locks[i] = { owner, readers };
  }
  let bitmaps = s.bitmaps;
  if (bm) {
    bitmaps = s.bitmaps.slice();
    for (let i = 0; i < s.bitmaps.length; i++)
      bitmaps[bm[i] ?? i] = s.bitmaps[i] as MutableSimState['bitmaps'][number];
  }
  // The root in its key order (an object literal is much cheaper than a spread).
  const out: MutableSimState = {
    pages: s.pages,
    mms: s.mms,
    tlbs,
    locks,
    bitmaps,
    bounds: s.bounds,
    threads,
    smmus: s.smmus,
    warnings: s.warnings,
  };
  let k = 0;
  for (const key in s)
    if (k++ >= KNOWN_ROOT.length)
      (out as unknown as Record<string, unknown>)[key] = (s as unknown as Record<string, unknown>)[
        key
      ];
  if (Array.isArray(s.smmus))
    out.smmus = s.smmus.map((m) =>
      m.susp.some((x) => x !== 0) ? { ...m, susp: m.susp.map((x) => mapMask(x, p)) } : m,
    );
  return out;
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
