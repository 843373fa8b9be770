import type { ArchModel } from '../arch/types.js';
import type { PteSetEvent, SimEvent } from '../events/index.js';
import type { Scenario } from '../scenario/types.js';
import type { Model } from '../sim/model.js';
import { initialMutableState } from '../sim/init.js';
import { pteIsPresent, ptePfn } from '../state/pte.js';
import { mappingVmas, vmaOf } from '../kernel/vmas.js';
import type { SimState } from '../state/types.js';

/**
 * Small trackers that several properties share. Checkers see the state *after* each event;
 * these keep the bits of history a rule needs (the PTE before a change, the open invalidate
 * windows, the reductions still owed a flush). Plain arrays, O(1) or O(open windows) per event.
 */

const initialPtes = new WeakMap<Scenario, readonly (readonly number[])[]>();

/** Every PTE as the events have left it, so a checker can see the value a pte/set replaced. */
export class PteShadow {
  private readonly ptes: number[][];
  constructor(model: Model) {
    let init = initialPtes.get(model.scenario);
    if (!init) {
      init = initialMutableState(model.scenario).mms.map((m) => m.ptes.slice());
      initialPtes.set(model.scenario, init);
    }
    this.ptes = init.map((row) => row.slice());
  }
  get(mm: number, vpn: number): number {
    return this.ptes[mm]?.[vpn] ?? 0;
  }
  /** Apply a `pte/set`; returns the value it replaced. */
  set(e: PteSetEvent): number {
    const row = this.ptes[e.mm];
    const old = row?.[e.vpn] ?? 0;
    if (row) row[e.vpn] = e.pte;
    return old;
  }
}

/** One open ptep_modify_prot_start/commit transaction (P1/P2) on a PTE. */
export interface ProtTransaction {
  readonly tid: number;
  readonly mm: number;
  readonly vpn: number;
  /** The value ptep_modify_prot_start fetched: the PTE's value while the entry reads none (P5). */
  readonly saved: number;
  /** Index of the ptep_modify_prot_start event. */
  readonly index: number;
}

/**
 * The open protection transactions (P5): between ptep_modify_prot_start and the commit the
 * entry reads none, but the writer holds the PTL and commits a value computed from the saved
 * one, so that saved value is what the PTE *is* for a property (no one else can change it, the
 * MMU cannot set A/D in a none entry, P3). Feed it every `pte/set`; pass the initial PTEs.
 */
export class ProtTransactions {
  private readonly ptes: number[][];
  private readonly open = new Map<string, ProtTransaction>();
  constructor(initial: readonly (readonly number[])[]) {
    this.ptes = initial.map((row) => row.slice());
  }
  static of(model: Model): ProtTransactions {
    return new ProtTransactions(initialMutableState(model.scenario).mms.map((m) => m.ptes));
  }
  apply(e: SimEvent, index: number): void {
    if (e.type !== 'pte/set') return;
    const row = this.ptes[e.mm];
    const old = row?.[e.vpn] ?? 0;
    if (row) row[e.vpn] = e.pte;
    const key = `${e.mm}:${e.vpn}`;
    if (e.fn === 'ptep_modify_prot_start')
      this.open.set(key, { tid: e.tid, mm: e.mm, vpn: e.vpn, saved: old, index });
    else this.open.delete(key); // the commit (only the PTL holder can write the entry)
  }
  /** The open transaction on (mm, vpn), if any. */
  on(mm: number, vpn: number): ProtTransaction | undefined {
    return this.open.get(`${mm}:${vpn}`);
  }
  all(): ProtTransaction[] {
    return [...this.open.values()];
  }
}

/**
 * A PTE change that takes a right away from a CPU that may have cached the old entry:
 * present → none, a different pfn, write or hardware-write permission removed, dirty cleared.
 * These are the changes that need an invalidate window (R1/R5) and a TLB flush (R6, T1).
 */
export function isReduction(arch: ArchModel, old: number, next: number): boolean {
  if (!pteIsPresent(old)) return false;
  if (!pteIsPresent(next) || ptePfn(old) !== ptePfn(next)) return true;
  return (
    (arch.pteWrite(old) && !arch.pteWrite(next)) ||
    (arch.hwWritable(old) && !arch.hwWritable(next)) ||
    (arch.pteDirty(old) && !arch.pteDirty(next))
  );
}

/** One open mmu_notifier invalidate window (notifier/start without its end yet). */
export interface OpenWindow {
  readonly tid: number;
  readonly mm: number;
  readonly from: number;
  readonly to: number;
  /** Index of its notifier/start. */
  readonly index: number;
}

/** The open invalidate windows of every thread, in start order. */
export class Windows {
  readonly open: OpenWindow[] = [];
  /**
   * Apply notifier/start and notifier/end. For an end, returns the window it closed, or
   * 'unmatched' when the thread had no open window with that mm and range.
   */
  apply(e: SimEvent, index: number): OpenWindow | 'unmatched' | null {
    if (e.type === 'notifier/start') {
      this.open.push({ tid: e.tid, mm: e.mm, from: e.from, to: e.to, index });
      return null;
    }
    if (e.type !== 'notifier/end') return null;
    const i = this.open.findIndex(
      (w) => w.tid === e.tid && w.mm === e.mm && w.from === e.from && w.to === e.to,
    );
    if (i < 0) return 'unmatched';
    const [w] = this.open.splice(i, 1);
    return w ?? null;
  }
  covering(tid: number, mm: number, vpn: number): OpenWindow | undefined {
    return this.open.find((w) => w.tid === tid && w.mm === mm && vpn >= w.from && vpn < w.to);
  }
  ofThread(tid: number, mm?: number): OpenWindow[] {
    return this.open.filter((w) => w.tid === tid && (mm === undefined || w.mm === mm));
  }
}

/** A PTE reduction a thread made and has not yet covered with a completed flush of its own. */
export interface OwedFlush {
  readonly tid: number;
  readonly mm: number;
  readonly vpn: number;
  readonly index: number;
}

/**
 * Reductions by software (`src: 'sw'`) still owed a TLB flush by the thread that made them:
 * added at the reducing pte/set, settled by that thread's flush/done covering the vpn (T1).
 */
export class OwedFlushes {
  readonly owed: OwedFlush[] = [];
  private readonly shadow: PteShadow;
  constructor(
    model: Model,
    private readonly arch: ArchModel = model.arch,
  ) {
    this.shadow = new PteShadow(model);
  }
  /** Apply an event; returns the reduction it made, if it is one. */
  apply(e: SimEvent, index: number): OwedFlush | null {
    if (e.type === 'pte/set') {
      const old = this.shadow.set(e);
      if (e.src !== 'sw' || !isReduction(this.arch, old, e.pte)) return null;
      if (this.owed.some((o) => o.tid === e.tid && o.mm === e.mm && o.vpn === e.vpn)) return null;
      const o = { tid: e.tid, mm: e.mm, vpn: e.vpn, index };
      this.owed.push(o);
      return o;
    }
    if (e.type === 'flush/done') {
      for (let i = this.owed.length - 1; i >= 0; i--) {
        const o = this.owed[i] as OwedFlush;
        if (o.tid === e.tid && o.mm === e.mm && o.vpn >= e.from && o.vpn < e.to)
          this.owed.splice(i, 1);
      }
    }
    return null;
  }
  ofThread(tid: number, mm?: number): OwedFlush[] {
    return this.owed.filter((o) => o.tid === tid && (mm === undefined || o.mm === mm));
  }
}

/** The address_space page mapped at (mm, vpn), or -1. */
export function pageAt(scenario: Scenario, mm: number, vpn: number): number {
  const vma = vmaOf(scenario, mm, vpn);
  return vma ? vma.pgoff + (vpn - vma.start) : -1;
}

/** Every (mm, vpn) of a VM_SHARED VMA that maps `page`. */
export function sharedMappingsOf(scenario: Scenario, page: number): { mm: number; vpn: number }[] {
  const out: { mm: number; vpn: number }[] = [];
  for (const { mm, vma } of mappingVmas(scenario))
    if (vma.flags.includes('shared') && page >= vma.pgoff && page < vma.pgoff + vma.npages)
      out.push({ mm, vpn: vma.start + page - vma.pgoff });
  return out;
}

export const rangeText = (from: number, to: number): string => `[${from}, ${to})`;

/**
 * T2: a lazy CPU owed a flush of `mm` drops every entry of it before its next user access, so
 * its stale entries cannot be used: properties about usable entries skip them.
 */
export function owedLazyFlush(state: SimState, cpu: number, mm: number): boolean {
  const c = state.cpus?.[cpu];
  return c !== undefined && c.lazy === 1 && (c.owed & (1 << mm)) !== 0;
}
