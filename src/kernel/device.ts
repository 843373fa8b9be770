import { at } from '../errors.js';
import type { DeviceThreadSpec } from '../scenario/types.js';
import { pteIsPresent } from '../state/pte.js';
import { smmuLock } from '../state/layout.js';
import { canAcquire, threadSpec, type StepCtx, type StepMachine } from './step.js';
import { defineMachine } from './machine.js';
import { FAULT } from './fault.js';
import { hasFlag, vmaOf } from './vmas.js';

/**
 * A device behind a secondary MMU, mirroring one mm through an interval notifier
 * (mm/mmu_notifier.c; the HMM pattern of Documentation/mm/hmm.rst; docs/rules/notifier.md §6, R3/R4/R8).
 * Locals and labels: {@link DEVICE}.
 *
 *   pick    pick the vpn of the next store (a recorded choice among the mm's VM_WRITE pages).
 *   access  writable SPTE → the store completes (`mem/store` with cpu -1): it never touches the CPU
 *       PTE, so it never sets D (docs/rules/notifier.md §6). Otherwise mmu_interval_read_begin() — not
 *       enabled while this subscription collides with an active invalidation (it sleeps) —
 *       then hmm_range_fault's lockless PTE read: not present, not writable or not dirty →
 *       handle_mm_fault(FAULT_FLAG_WRITE) (the CPU fault path, src/kernel/fault.ts) and back
 *       to read_begin (-EBUSY); else install.
 *   install take the driver's user_lock; mmu_interval_read_retry(seq) → drop it and start over
 *       (R8); else install a writable SPTE and unlock. A buggy subscriber
 *       (`ignoresSequence`) skips the retry check.
 *
 * Which PTE makes a writable SPTE (R11, the mirror's `writableFrom`):
 * - 'write-and-dirty' (the default): a PTE that is writable *and dirty*; a write request on a
 *   clean writable PTE is first faulted (F4 sets D). A device write is then covered by a dirty
 *   PTE exactly as long as its SPTE exists: clean_record's mkclean runs inside the notifier
 *   window that zaps the SPTE (R4), and the device must fault again, re-dirtying the PTE.
 * - 'write': pte_write() alone, as the kernel's mirrors do: HMM (mm/hmm.c hmm_vma_handle_pte →
 *   pte_to_hmm_pfn_flags sets HMM_PFN_WRITE from pte_write; a missing or read-only PTE with a
 *   write request → hmm_vma_fault → handle_mm_fault(FAULT_FLAG_WRITE)) and KVM's pfnmap path
 *   (virt/kvm/kvm_main.c hva_to_pfn_remapped: writable = pte_write since bd2fae8da794, v5.12;
 *   a missing PTE → fixup_user_fault(FAULT_FLAG_WRITE)). Device stores to a clean writable page
 *   then leave the CPU PTE clean: nothing in the CPU page table records them.
 *   (KVM with a write to a present read-only PTE gets KVM_PFN_ERR_RO_FAULT and x86 emulates the
 *   access, whose store reaches the page through the host mapping's own write fault; the model
 *   takes that as the write fault followed by a retry, as HMM does.)
 */
export function deviceSpec(ctx: StepCtx): DeviceThreadSpec {
  return threadSpec(ctx, 'device');
}

export const DEVICE = defineMachine('device', {
  locals: [
    /** Stores done. */
    'stores',
    /** The target vpn. */
    'vpn',
    /** The seq from mmu_interval_read_begin (R8). */
    'seq',
    /** The PTE it read. */
    'pte',
  ],
  // Explicit numbers: install has been pc 3 in every recorded log.
  labels: { pick: 0, access: 1, install: 3 },
});
const Pc = DEVICE.pc;
const get = DEVICE.get;

const vpnCache = new WeakMap<DeviceThreadSpec, number[]>();
function targetVpns(ctx: StepCtx, spec: DeviceThreadSpec): number[] {
  const hit = vpnCache.get(spec);
  if (hit) return hit;
  const mm = at(ctx.layout.scenario.secondaryMmus, spec.sub).mm;
  const vpns: number[] = [];
  for (const vma of at(ctx.layout.scenario.mms, mm).vmas)
    if (hasFlag(vma, 'write')) for (let i = 0; i < vma.npages; i++) vpns.push(vma.start + i);
  vpnCache.set(spec, vpns);
  return vpns;
}

/** R11: does this mirror make a writable SPTE from pte_write() alone (HMM, KVM pfnmap)? */
function pteWriteAlone(ctx: StepCtx, spec: DeviceThreadSpec): boolean {
  return ctx.layout.scenario.secondaryMmus[spec.sub]?.writableFrom === 'write';
}

/** VM_WRITE of the VMA mapping (mm, vpn) now: the scenario's, unless mprotect/munmap changed it. */
function vmaWritableNow(ctx: StepCtx, mm: number, vpn: number): boolean {
  const vmas = ctx.layout.scenario.mms[mm]?.vmas ?? [];
  const i = vmas.findIndex((v) => vpn >= v.start && vpn < v.start + v.npages);
  const w = ctx.state.vmWrite?.[mm]?.[i];
  return w === undefined ? i >= 0 && hasFlag(at(vmas, i), 'write') : w === 1;
}

/** mmu_interval_read_begin() sleeps while the subscription's seq equals the odd mm seq. */
function colliding(ctx: StepCtx, sub: number): boolean {
  const s = ctx.state.smmus[sub];
  const mm = s ? ctx.state.mms[s.mm] : undefined;
  return s !== undefined && mm !== undefined && mm.seq % 2 === 1 && s.seq === mm.seq;
}

export const deviceProgram: StepMachine = {
  layout: DEVICE,
  options(ctx, frame) {
    const spec = deviceSpec(ctx);
    switch (frame.pc) {
      case Pc.pick:
        return get(frame, 'stores') < spec.writes ? Math.max(1, targetVpns(ctx, spec).length) : 1;
      case Pc.access: {
        const sub = ctx.state.smmus[spec.sub];
        if (sub?.sptes[get(frame, 'vpn')] === 2) return 1;
        return colliding(ctx, spec.sub) ? 0 : 1;
      }
      case Pc.install:
        return canAcquire(ctx.state, smmuLock(ctx.layout, spec.sub), 'w') ? 1 : 0;
      default:
        return 1;
    }
  },
  step(ctx, frame, choice) {
    const spec = deviceSpec(ctx);
    const e = DEVICE.emit(ctx.tid);
    const subState = at(ctx.state.smmus, spec.sub);
    const vpn = get(frame, 'vpn');
    switch (frame.pc) {
      case Pc.pick: {
        const vpns = targetVpns(ctx, spec);
        if (get(frame, 'stores') >= spec.writes || vpns.length === 0) return e.ret().ev;
        return e.set('vpn', at(vpns, choice)).goto('access').ev;
      }
      case Pc.access: {
        if (subState.sptes[vpn] === 2) {
          const vma = vmaOf(ctx.layout.scenario, subState.mm, vpn);
          const page = vma ? vma.pgoff + (vpn - vma.start) : vpn;
          e.push({ type: 'mem/store', tid: ctx.tid, cpu: -1, page });
          return e.set('stores', get(frame, 'stores') + 1).goto('pick').ev;
        }
        // R8: seq = mmu_interval_read_begin(); then hmm_range_fault reads the CPU PTE locklessly.
        e.push({ type: 'smmu/read-begin', tid: ctx.tid, sub: spec.sub, seq: subState.seq });
        e.set('seq', subState.seq);
        const pte = ctx.state.mms[subState.mm]?.ptes[vpn] ?? 0;
        if (
          pteIsPresent(pte) &&
          ctx.arch.pteWrite(pte) &&
          (pteWriteAlone(ctx, spec) || ctx.arch.pteDirty(pte))
        )
          return e.set('pte', pte).goto('install').ev;
        // hmm_vma_fault: a write fault on a VMA without VM_WRITE (mprotect(PROT_READ), munmap)
        // is -EPERM, not a fault: the device's store fails and it goes on with the next one.
        // (Retrying it would never end: the fault path answers SIGSEGV every time.)
        if (!vmaWritableNow(ctx, subState.mm, vpn))
          return e.set('stores', get(frame, 'stores') + 1).goto('pick').ev;
        // hmm_range_fault → handle_mm_fault(FAULT_FLAG_WRITE), then -EBUSY: read_begin again.
        return e.call(FAULT, { vpn, isWrite: 1, orig: 0 }).ev;
      }
      case Pc.install: {
        const lock = smmuLock(ctx.layout, spec.sub);
        e.acquire(lock);
        const sub = ctx.layout.scenario.secondaryMmus[spec.sub];
        if (!sub?.ignoresSequence && subState.seq !== get(frame, 'seq')) {
          // mmu_interval_read_retry(): an invalidation overlapped the read; discard it (R8).
          return e.release(lock).goto('access').ev;
        }
        e.push({
          type: 'smmu/install',
          tid: ctx.tid,
          sub: spec.sub,
          vpn,
          w: 1,
          seq: get(frame, 'seq'),
        });
        return e.release(lock).goto('access').ev;
      }
      default:
        return DEVICE.badPc(frame);
    }
  },
};
