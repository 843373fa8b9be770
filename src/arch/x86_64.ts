import type { SimEvent } from '../events/index.js';
import {
  PTE_HWDIRTY,
  PTE_PRESENT,
  PTE_SPECIAL,
  PTE_SWDIRTY,
  PTE_WRITE,
  PTE_YOUNG,
  pteIsPresent,
  ptePfn,
  pteWithPfn,
} from '../state/pte.js';
import type { AccessCtx, AccessResult, ArchModel } from './types.js';
import { livePte, tlbLookup } from './tlbLookup.js';

/**
 * x86-64 (docs/rules/hardware.md §3.1, rules X86-*). Encoding X86-E: W = RW, D = D || SavedDirty; since
 * v6.6 pte_wrprotect moves D into SavedDirty and pte_mkwrite moves it back
 * (arch/x86/include/asm/pgtable.h). The MMU sets D with a locked RMW that re-checks the live
 * entry (X86-W2), so a write through a stale TLB entry either sets D in a live writable PTE
 * or faults.
 */
function store(ctx: AccessCtx, strayDirtyAllowed: boolean, rulePrefix: string): AccessResult {
  const { state, cpu, mm, vpn, tid } = ctx;
  const ev: SimEvent[] = [];
  const t = tlbLookup(state, cpu, mm, vpn);
  const live = livePte(state, mm, vpn);
  if (t) {
    if (t.w === 1 && t.d === 1) return storeDone(ev, tid, cpu, t.pfn); // X86-W1: no PTE access at all
    if (t.w === 1) {
      // X86-W2: atomic dirty assist re-checks the live PTE.
      if (!pteIsPresent(live)) {
        ev.push({ type: 'tlb/drop', cpu, mm, vpn, why: 'fault' });
        return { events: ev, outcome: 'fault' };
      }
      if ((live & PTE_WRITE) !== 0 && ptePfn(live) === t.pfn) {
        const next = live | PTE_HWDIRTY | PTE_YOUNG;
        if (next !== live)
          ev.push({
            type: 'pte/set',
            tid,
            mm,
            vpn,
            pte: next,
            src: 'hw',
            fn: ruleName(rulePrefix, 'X86-W2'),
          });
        ev.push({ type: 'tlb/dirty', cpu, mm, vpn });
        return storeDone(ev, tid, cpu, t.pfn);
      }
      if ((live & PTE_WRITE) === 0) {
        // X86-W2 non-CET option: a stray D may be left on the read-only entry.
        if (strayDirtyAllowed && ctx.options['strayDirty'] === true && (live & PTE_HWDIRTY) === 0)
          ev.push({
            type: 'pte/set',
            tid,
            mm,
            vpn,
            pte: live | PTE_HWDIRTY,
            src: 'hw',
            fn: 'X86-W2-stray-D',
          });
        ev.push({ type: 'tlb/drop', cpu, mm, vpn, why: 'fault' });
        return { events: ev, outcome: 'fault' };
      }
      // pfn changed: the stale translation is dropped and the store walks (X86-W2 last case).
      ev.push({ type: 'tlb/drop', cpu, mm, vpn, why: 'fault' });
    } else {
      // A store through a read-only entry faults; the CPU drops the entry.
      ev.push({ type: 'tlb/drop', cpu, mm, vpn, why: 'fault' });
      return { events: ev, outcome: 'fault' };
    }
  }
  // X86-W3: TLB miss, walk the live PTE.
  if (!pteIsPresent(live) || (live & PTE_WRITE) === 0) return { events: ev, outcome: 'fault' };
  const next = live | PTE_HWDIRTY | PTE_YOUNG;
  if (next !== live)
    ev.push({
      type: 'pte/set',
      tid,
      mm,
      vpn,
      pte: next,
      src: 'hw',
      fn: ruleName(rulePrefix, 'X86-W3'),
    });
  ev.push({ type: 'tlb/fill', cpu, mm, vpn, pfn: ptePfn(live), w: 1, d: 1 });
  ev.push({ type: 'mem/store', tid, cpu, page: ptePfn(live) });
  return { events: ev, outcome: 'done' };
}

/** The rule id a hardware PTE update records: `rule` on x86, `PREFIX(rule)` on the others. */
function ruleName(rulePrefix: string, rule: string): string {
  return rulePrefix === 'X86' ? rule : `${rulePrefix}(${rule})`;
}

/** The store completes through the cached translation to `pfn` (X86-W1, X86-W2). */
function storeDone(ev: SimEvent[], tid: number, cpu: number, pfn: number): AccessResult {
  ev.push({ type: 'mem/store', tid, cpu, page: pfn });
  return { events: ev, outcome: 'done' };
}

/** X86-R: loads set A only and cache hwDirty = D at fill time. */
export function atomicHwLoad(
  ctx: AccessCtx,
  hwWritable: (pte: number) => boolean,
  hwDirty: (pte: number) => boolean,
  rule: string,
): AccessResult {
  const { state, cpu, mm, vpn, tid } = ctx;
  if (tlbLookup(state, cpu, mm, vpn)) return { events: [], outcome: 'done' };
  const live = livePte(state, mm, vpn);
  if (!pteIsPresent(live)) return { events: [], outcome: 'fault' };
  const ev: SimEvent[] = [];
  if ((live & PTE_YOUNG) === 0)
    ev.push({ type: 'pte/set', tid, mm, vpn, pte: live | PTE_YOUNG, src: 'hw', fn: rule });
  ev.push({
    type: 'tlb/fill',
    cpu,
    mm,
    vpn,
    pfn: ptePfn(live),
    w: hwWritable(live) ? 1 : 0,
    d: hwDirty(live) ? 1 : 0,
  });
  return { events: ev, outcome: 'done' };
}

/** What differs between the atomic-hardware archs that share X86-W1..W3 (x86-64, RISC-V Svadu). */
export interface X86LikeOptions {
  readonly name: string;
  readonly description: string;
  /** X86-W2 non-CET "stray D" option exists on this hardware (x86 only; RV-Svadu has none). */
  readonly strayDirtyAllowed: boolean;
  /** Rule id prefix for hardware PTE updates ('X86', 'RV'). */
  readonly rulePrefix: string;
  /**
   * x86-64 ≥ v6.6 _PAGE_SAVED_DIRTY: pte_wrprotect moves D into SavedDirty, pte_mkwrite moves it
   * back. false: pte_wrprotect only clears the write bit (RISC-V: arch/riscv pte_wrprotect).
   * @default true
   */
  readonly savedDirty?: boolean;
  /** Bit names for formatPte, in PTE_WRITE, PTE_HWDIRTY, PTE_SWDIRTY, PTE_YOUNG order. */
  readonly bitNames?: readonly [string, string, string, string];
}

export function makeX86Like(o: X86LikeOptions): ArchModel {
  const { name, description, strayDirtyAllowed, rulePrefix } = o;
  const savedDirty = o.savedDirty ?? true;
  const [nW, nD, nSD, nA] = o.bitNames ?? ['RW', 'D', 'SavedDirty', 'A'];
  return {
    name,
    description,
    dirtyClass: 'atomic-hw',
    flushStyle: 'ipi',
    optionDocs: {
      ...(strayDirtyAllowed && {
        strayDirty:
          'non-CET parts: a write racing with RW clearing may leave D=1 on the read-only PTE (X86-W2)',
      }),
      lazyCpus:
        "CPUs starting in lazy-TLB mode, e.g. '1,2': shootdowns skip them, they catch up on switching back (T2)",
    },
    mkPte(pfn, init) {
      let bits = PTE_PRESENT | PTE_YOUNG;
      if (init.write) bits |= PTE_WRITE;
      if (init.dirty) bits |= init.write || !savedDirty ? PTE_HWDIRTY : PTE_SWDIRTY;
      if (init.special) bits |= PTE_SPECIAL;
      return pteWithPfn(pfn, bits);
    },
    pteWrite: (pte) => (pte & PTE_WRITE) !== 0,
    pteDirty: (pte) => (pte & (PTE_HWDIRTY | PTE_SWDIRTY)) !== 0,
    hwWritable: (pte) => (pte & (PTE_PRESENT | PTE_WRITE)) === (PTE_PRESENT | PTE_WRITE),
    // X86-E (≥ v6.6): wrprotect clears RW and moves D into SavedDirty. RV-Svadu: clears W only.
    pteWrprotect(pte) {
      if (!savedDirty) return pte & ~PTE_WRITE;
      const hadD = (pte & PTE_HWDIRTY) !== 0;
      return (pte & ~(PTE_WRITE | PTE_HWDIRTY)) | (hadD ? PTE_SWDIRTY : 0);
    },
    pteMkclean: (pte) => pte & ~(PTE_HWDIRTY | PTE_SWDIRTY),
    pteMkwrite(pte) {
      const hadSD = (pte & PTE_SWDIRTY) !== 0;
      return (pte & ~PTE_SWDIRTY) | PTE_WRITE | (hadSD ? PTE_HWDIRTY : 0);
    },
    pteMkdirty: (pte) => pte | (!savedDirty || (pte & PTE_WRITE) !== 0 ? PTE_HWDIRTY : PTE_SWDIRTY),
    pteMkyoung: (pte) => pte | PTE_YOUNG,
    formatPte(pte) {
      if (!pteIsPresent(pte)) return pte === 0 ? 'none' : `pfn=${ptePfn(pte)} !P`;
      const bits = ['P'];
      if (pte & PTE_WRITE) bits.push(nW);
      if (pte & PTE_HWDIRTY) bits.push(nD);
      if (pte & PTE_SWDIRTY) bits.push(nSD);
      if (pte & PTE_YOUNG) bits.push(nA);
      if (pte & PTE_SPECIAL) bits.push('special');
      return `pfn=${ptePfn(pte)} ${bits.join('|')}`;
    },
    store: (ctx) => store(ctx, strayDirtyAllowed, rulePrefix),
    load: (ctx) =>
      atomicHwLoad(
        ctx,
        (pte) => (pte & PTE_WRITE) !== 0,
        (pte) => (pte & PTE_HWDIRTY) !== 0,
        `${rulePrefix}-R`,
      ),
  };
}

export const x86_64: ArchModel = {
  ...makeX86Like({
    name: 'x86-64',
    description:
      'x86-64: MMU sets D with a locked RMW that re-checks the live PTE (X86-W1..W3); SavedDirty encoding of v6.6+',
    strayDirtyAllowed: true,
    rulePrefix: 'X86',
  }),
  /**
   * arch/x86/include/asm/tlbflush.h pte_needs_flush → pte_flags_need_flush(old, new, true):
   * RW is in flush_on_change (a flush when it is set *or* cleared), D in flush_on_clear;
   * SavedDirty is a software flag and A is ignored (U2, conformance finding C-2).
   */
  pteNeedsFlush(old, pte) {
    if (!pteIsPresent(old)) return false;
    if (ptePfn(old) !== ptePfn(pte) || !pteIsPresent(pte)) return true;
    return (
      (old & PTE_WRITE) !== (pte & PTE_WRITE) ||
      ((old & PTE_HWDIRTY) !== 0 && (pte & PTE_HWDIRTY) === 0)
    );
  },
};
