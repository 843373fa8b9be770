import { at } from '../errors.js';
import type { MprotectThreadSpec } from '../scenario/types.js';
import { pteIsPresent } from '../state/pte.js';
import { mmapLock } from '../state/layout.js';
import type { FrameView } from '../state/types.js';
import { mmuNotifierInvalidateRangeStart } from './notifier.js';
import { canAcquire, threadSpec, type StepCtx, type StepMachine } from './step.js';
import { eraBefore } from './kernelEra.js';
import { hasFlag } from './vmas.js';
import { defineMachine, type EmitOf } from './machine.js';
import { ptePeek, PteWalk } from './pteWalk.js';
import { ptepModifyProtCommit, ptepModifyProtStart } from './ptepModifyProt.js';
import { flushTlbBatchedPending, flushTlbSync } from './actorFlush.js';

/**
 * mprotect of one VMA: mm/mprotect.c do_mprotect_pkey → mprotect_fixup → change_protection →
 * change_pte_range (docs/rules/tlb.md §1.6, §5). Run by an `mprotect` actor thread (PROT_READ) and by
 * a user thread's `mprotect` operation (PROT_READ or PROT_READ|PROT_WRITE: locals `sys`, `mm`,
 * `vma`, `rw`). As of v6.x (MP1):
 *
 *   enter    mmap_write_lock; tlb_gather_mmu (inc_tlb_flush_pending, §1.6: before any PTL);
 *            change_pmd_range: mmu_notifier_invalidate_range_start(MMU_NOTIFY_PROTECTION_VMA)
 *            (R1).
 *   pte      [PTL of the table] on taking it, flush_tlb_batched_pending(mm) (3ea277194daa,
 *            S-6); present PTE → ptep_modify_prot_start (P1).
 *   commit   ptent = pte_modify(old, vm_page_prot) — read-only for a write-notify mapping even
 *            with PROT_WRITE, modelled as the arch's pte_wrprotect (D kept); with
 *            MM_CP_TRY_CHANGE_WRITABLE, can_change_pte_writable() is pte_dirty(ptent) for
 *            VM_SHARED: a dirty PTE is made writable again *without* ->pfn_mkwrite/
 *            ->page_mkwrite (MP1). ptep_modify_prot_commit (P2); tlb_flush_pte_range gathers the
 *            page only if pte_needs_flush(old, ptent) (the arch's; asm-generic: always). PTL
 *            dropped at table end.
 *   notifierEnd  change_pmd_range: mmu_notifier_invalidate_range_end — before the flush, as
 *            the kernel does for mprotect.
 *   finish   tlb_finish_mmu: mm_tlb_flush_nested → flush everything, else the gathered range;
 *            dec_tlb_flush_pending; mmap_write_unlock.
 * Before 6.0 (kernel option `pre-6.0` or older, MP2): `dirty_accountable = vma_wants_writenotify()` made
 * a dirty PTE writable the same way; change_protection_range flushed the whole range
 * (flush_tlb_range(vma, start, end)) if any PTE was changed, with no nested check, and nothing
 * was gathered when the flags did not change.
 * VM_WRITE is cleared in pc0 (`vma/write`), so later write faults get SIGSEGV; a store that
 * still completes after mprotect returned went through a stale TLB entry (S-6).
 * @remarks The helpers' VMA filters (H3) read the scenario's flags, not this state.
 */
export const MPROTECT = defineMachine('mprotect', {
  locals: [
    'vpn',
    /** The PTL held (-1 = none). */
    'ptl',
    /** The PTE read by ptep_modify_prot_start (P1). */
    'old',
    /** The range gathered for the flush [from, to) (tlb_flush_pte_range). */
    'gatherFrom',
    'gatherTo',
    /** PTEs changed (the return value). */
    'total',
    /** 1: a user thread's mprotect operation (the next three locals say what), 0: the actor. */
    'sys',
    'mm',
    /** The VMA's index in its mm. */
    'vma',
    /** 1: PROT_READ|PROT_WRITE, 0: PROT_READ. */
    'rw',
    /** 1: MM_CP_TRY_CHANGE_WRITABLE / dirty_accountable (a dirty PTE becomes writable). */
    'upgrade',
    /** 1: the flags did not change, no PTE is walked. */
    'same',
  ],
  labels: ['enter', 'pte', 'commit', 'notifierEnd', 'finish'],
});
const P = MPROTECT.pc;
const get = MPROTECT.get;
const walk = new PteWalk(MPROTECT, 'ptl');

export function mprotectSpec(ctx: StepCtx): MprotectThreadSpec {
  return threadSpec(ctx, 'mprotect');
}

/** What this frame mprotects: the actor's VMA (PROT_READ) or the user operation's. */
function target(ctx: StepCtx, frame: FrameView): { mm: number; vma: number; rw: boolean } {
  if (get(frame, 'sys') === 1)
    return { mm: get(frame, 'mm'), vma: get(frame, 'vma'), rw: get(frame, 'rw') === 1 };
  const spec = mprotectSpec(ctx);
  return { mm: spec.mm, vma: spec.vma, rw: false };
}

function vmaRange(ctx: StepCtx, mm: number, vma: number): readonly [number, number] {
  const v = at(at(ctx.layout.scenario.mms, mm).vmas, vma);
  return [v.start, v.start + v.npages];
}

/** After PTE `vpn`: next PTE, dropping the PTL at a table or range end (pte_unmap_unlock). */
function advance(
  ctx: StepCtx,
  frame: FrameView,
  e: EmitOf<typeof MPROTECT>,
  mm: number,
  ptl: number,
  end: number,
): void {
  const next = get(frame, 'vpn') + 1;
  walk.unlockUnlessNext(ctx, e, mm, ptl, next < end ? next : undefined);
  e.set('vpn', next).goto(next >= end ? 'notifierEnd' : 'pte');
}

/** pte_needs_flush(): the arch's, else the asm-generic default (always). */
function pteNeedsFlush(ctx: StepCtx, old: number, pte: number): boolean {
  return ctx.arch.pteNeedsFlush ? ctx.arch.pteNeedsFlush(old, pte) : true;
}

export const mprotectProgram: StepMachine = {
  layout: MPROTECT,
  options(ctx, frame) {
    const { mm } = target(ctx, frame);
    if (frame.pc === P.enter) {
      const lock = mmapLock(ctx.layout, mm);
      return lock < 0 || canAcquire(ctx.state, lock, 'w') ? 1 : 0;
    }
    if (frame.pc === P.pte) return walk.ready(ctx, frame, mm, get(frame, 'vpn'));
    return 1;
  },
  step(ctx, frame) {
    const { mm, vma: vmaIndex, rw } = target(ctx, frame);
    const [start, end] = vmaRange(ctx, mm, vmaIndex);
    const pre6 = eraBefore(ctx, 'pre-6.0');
    const e = MPROTECT.emit(ctx.tid);
    switch (frame.pc) {
      case P.enter: {
        const vma = at(at(ctx.layout.scenario.mms, mm).vmas, vmaIndex);
        e.push({
          type: 'actor/call',
          tid: ctx.tid,
          fn: 'mprotect',
          first: vma.pgoff,
          nr: vma.npages,
        });
        const lock = mmapLock(ctx.layout, mm);
        if (lock >= 0) e.acquire(lock, 'w');
        // PROT_WRITE needs VM_MAYWRITE (else -EACCES: modelled as PROT_READ).
        const write = rw && hasFlag(vma, 'maywrite');
        const was = (ctx.state.vmWrite?.[mm]?.[vmaIndex] ?? (hasFlag(vma, 'write') ? 1 : 0)) === 1;
        // mprotect_fixup: newflags == oldflags → return 0 without touching a PTE.
        const same = get(frame, 'sys') === 1 && write === was;
        // mprotect_fixup: vm_flags_reset(vma, newflags) before change_protection.
        if (write !== was)
          e.push({ type: 'vma/write', tid: ctx.tid, mm, vma: vmaIndex, value: write ? 1 : 0 });
        if (same && pre6) {
          // v5.x: no mmu_gather around mprotect_fixup; nothing else happens.
          if (lock >= 0) e.release(lock, 'w');
          e.push({ type: 'actor/return', tid: ctx.tid, fn: 'mprotect', total: 0 });
          return e.ret().ev;
        }
        e.push({ type: 'pending/inc', tid: ctx.tid, mm }); // tlb_gather_mmu / change_protection_range
        if (same) return e.set('same', 1).goto('finish').ev;
        // vma_wants_manual_pte_write_upgrade (MP1) / dirty_accountable (MP2): a writable shared
        // mapping that wants write-notify (it has ->pfn_mkwrite / ->page_mkwrite).
        if (write && hasFlag(vma, 'shared')) e.set('upgrade', 1);
        e.pushAll(mmuNotifierInvalidateRangeStart(ctx, mm, start, end));
        return e
          .set('vpn', start)
          .set('ptl', -1)
          .set('gatherFrom', end)
          .set('gatherTo', start)
          .goto('pte').ev;
      }
      case P.pte: {
        const vpn = get(frame, 'vpn');
        const { ptl, taken } = walk.lock(ctx, frame, e, mm, vpn);
        // change_pte_range: flush_tlb_batched_pending() right after pte_offset_map_lock (since
        // 3ea277194daa, v4.13: not in a pre-4.13 kernel's mprotect syscall; the actor thread
        // chooses with batchedPendingFlush, S-6).
        const batched =
          get(frame, 'sys') === 1
            ? !eraBefore(ctx, 'pre-4.13')
            : mprotectSpec(ctx).batchedPendingFlush;
        if (taken && batched) flushTlbBatchedPending(ctx, e, mm);
        const pte = ptePeek(ctx, mm, vpn);
        if (pteIsPresent(pte)) {
          e.push(ptepModifyProtStart(ctx.tid, mm, vpn));
          return e.set('old', pte).goto('commit').ev;
        }
        // A none PTE (e.g. reclaim cleared it): nothing to change, nothing gathered.
        advance(ctx, frame, e, mm, ptl, end);
        return e.ev;
      }
      case P.commit: {
        const vpn = get(frame, 'vpn');
        const old = get(frame, 'old');
        // pte_modify(old, vm_page_prot): read-only (write-notify), D kept.
        let next = ctx.arch.pteWrprotect(old, ctx.layout.scenario.options.arch);
        // MP1 can_change_pte_writable() / MP2 dirty_accountable: pte_dirty → pte_mkwrite.
        if (get(frame, 'upgrade') === 1 && ctx.arch.pteDirty(next)) {
          next = ctx.arch.pteMkwrite(next);
          if (!ctx.arch.pteWrite(old))
            e.push({
              type: 'decide/upgrade-writable',
              tid: ctx.tid,
              mm,
              vpn,
              fn: 'change_pte_range',
            });
        }
        e.push(ptepModifyProtCommit(ctx.tid, mm, vpn, next));
        if (!ctx.arch.pteWrite(next)) e.push({ type: 'ghost/wp-seen', tid: ctx.tid, mm, vpn });
        // MP1: tlb_flush_pte_range only if pte_needs_flush; MP2 flushes the whole range later.
        if (pre6 || pteNeedsFlush(ctx, old, next))
          e.set('gatherFrom', Math.min(get(frame, 'gatherFrom'), vpn)).set(
            'gatherTo',
            Math.max(get(frame, 'gatherTo'), vpn + 1),
          );
        e.set('total', get(frame, 'total') + 1);
        advance(ctx, frame, e, mm, walk.held(frame), end);
        return e.ev;
      }
      case P.notifierEnd:
        e.push({ type: 'notifier/end', tid: ctx.tid, mm, from: start, to: end });
        return e.goto('finish').ev;
      case P.finish: {
        const from = get(frame, 'gatherFrom');
        const to = get(frame, 'gatherTo');
        const all = ctx.layout.mmSize[mm] ?? 0;
        const nested = !pre6 && (ctx.state.mms[mm]?.pending ?? 0) > 1;
        // Decisions (src/events/decide.ts): the nested branch widened the flush; or nothing
        // was gathered, so nothing is flushed (S-6: reclaim cleared the PTE first).
        if (nested && (from !== 0 || to !== all))
          e.push({ type: 'decide/nested-flush', tid: ctx.tid, mm, from: 0, to: all });
        if (get(frame, 'same') === 0 && (pre6 ? get(frame, 'total') === 0 : !nested && from >= to))
          e.push({
            type: 'decide/skip-flush',
            tid: ctx.tid,
            mm,
            from: start,
            to: end,
            why: 'empty',
          });
        if (pre6) {
          // MP2: "Only flush the TLB if we actually modified any entries": the whole range.
          if (get(frame, 'total') > 0) flushTlbSync(ctx, e, mm, start, end);
        } else if (nested)
          // tlb_finish_mmu(): a parallel batcher (nested) forces a full flush (99baac21e458).
          flushTlbSync(ctx, e, mm, 0, all);
        else if (from < to && get(frame, 'same') === 0) flushTlbSync(ctx, e, mm, from, to);
        e.push({ type: 'pending/dec', tid: ctx.tid, mm });
        const lock = mmapLock(ctx.layout, mm);
        if (lock >= 0) e.release(lock, 'w');
        e.push({ type: 'actor/return', tid: ctx.tid, fn: 'mprotect', total: get(frame, 'total') });
        return e.ret().ev;
      }
      default:
        return MPROTECT.badPc(frame);
    }
  },
};

/** The frame a user thread's mprotect operation pushes (MP1/MP2). */
export function sysMprotectArgs(
  mm: number,
  vma: number,
  rw: boolean,
): { sys: number; mm: number; vma: number; rw: number; ptl: number } {
  return { sys: 1, mm, vma, rw: rw ? 1 : 0, ptl: -1 };
}
