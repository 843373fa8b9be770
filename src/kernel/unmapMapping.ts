import { at } from '../errors.js';
import type { FrameView } from '../state/types.js';
import { canAcquire, type StepCtx, type StepMachine } from './step.js';
import { defineMachine, type EmitOf } from './machine.js';
import { mappingVmas } from './vmas.js';
import { eraBefore } from './kernelEra.js';
import { ZAP, ZAP_HOW } from './zap.js';

/**
 * unmap_mapping_range(mapping, first, nr, even_cows) (mm/memory.c, Z3): what
 * ttm_bo_unmap_virtual (drm_vma_node_unmap) and vmw_bo_dirty_unmap (unmap_shared_mapping_range)
 * call — a caller program's `unmap-mapping` operation and vmwgfx's `unmap` / `validate`
 * (src/kernel/vmwgfx.ts, V6) push it. unmap_mapping_pages takes mapping->i_mmap_rwsem — for
 * write until v5.17, for read since v5.18 (2c8659951654; kernel option `pre-6.0` / `current`)
 * — and for every VMA of the i_mmap tree overlapping the range (H2 order) runs
 * zap_page_range_single on the clipped range: its own mmu_gather, notifier bracket and flush
 * per VMA ({@link ZAP}, Z1/Z2).
 */
export const UNMAP_MAPPING = defineMachine('unmapMapping', {
  locals: ['first', 'nr', /** The next i_mmap tree index to look at. */ 'vma'],
  labels: ['lock', 'next'],
});
const get = UNMAP_MAPPING.get;

/** i_mmap_lock_write until v5.17, i_mmap_lock_read since v5.18 (Z3). */
function immapMode(ctx: StepCtx): 'r' | 'w' {
  return eraBefore(ctx, 'pre-6.0') ? 'w' : 'r';
}

/** The next overlapping VMA from tree index `from`: zap it; none left: unlock and return. */
function nextVma(
  ctx: StepCtx,
  frame: FrameView,
  e: EmitOf<typeof UNMAP_MAPPING>,
  from: number,
): void {
  const vmas = mappingVmas(ctx.layout.scenario);
  const first = get(frame, 'first');
  const last = first + get(frame, 'nr');
  for (let i = from; i < vmas.length; i++) {
    const { mm, index, vma } = at(vmas, i);
    const lo = Math.max(first, vma.pgoff);
    const hi = Math.min(last, vma.pgoff + vma.npages);
    if (lo >= hi) continue;
    e.set('vma', i + 1)
      .goto('next')
      .call(ZAP, {
        how: ZAP_HOW.mapping,
        mm,
        vma: index,
        from: vma.start + lo - vma.pgoff,
        to: vma.start + hi - vma.pgoff,
        ptl: -1,
      });
    return;
  }
  e.release(ctx.layout.immapLock, immapMode(ctx));
  e.push({ type: 'actor/return', tid: ctx.tid, fn: 'unmap_mapping_range', total: 0 });
  e.ret();
}

export const unmapMappingProgram: StepMachine = {
  layout: UNMAP_MAPPING,
  options(ctx, frame) {
    if (frame.pc === UNMAP_MAPPING.pc.lock)
      return canAcquire(ctx.state, ctx.layout.immapLock, immapMode(ctx)) ? 1 : 0;
    return 1;
  },
  step(ctx, frame) {
    const e = UNMAP_MAPPING.emit(ctx.tid);
    switch (frame.pc) {
      case UNMAP_MAPPING.pc.lock:
        e.push({
          type: 'actor/call',
          tid: ctx.tid,
          fn: 'unmap_mapping_range',
          first: get(frame, 'first'),
          nr: get(frame, 'nr'),
        });
        e.acquire(ctx.layout.immapLock, immapMode(ctx));
        nextVma(ctx, frame, e, 0);
        return e.ev;
      case UNMAP_MAPPING.pc.next:
        nextVma(ctx, frame, e, get(frame, 'vma'));
        return e.ev;
      default:
        return UNMAP_MAPPING.badPc(frame);
    }
  },
};
