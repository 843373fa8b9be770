import type { KthreadThreadSpec } from '../scenario/types.js';
import { threadSpec, type StepCtx, type StepMachine } from './step.js';
import { defineMachine } from './machine.js';

/**
 * A kernel thread the scheduler switches to on one CPU (T9): `switches` times, at any point of
 * the run, the CPU leaves its user task for this thread. On x86 that is lazy-TLB mode
 * (kernel/sched/core.c context_switch → enter_lazy_tlb(): the old mm stays loaded,
 * cpu_tlbstate_shared.is_lazy is set), so shootdowns skip the CPU (should_flush_tlb(), T2) and
 * it catches up when its user task runs again (switch_mm_irqs_off() compares the mm's tlb_gen
 * with the one it last flushed to, src/arch/deferredFlush.ts). The CPU can have filled TLB
 * entries before it switches out, so the catch-up drops real entries. A switch while the CPU is
 * already running a kernel thread changes nothing. arm64 broadcasts TLBI to every CPU, lazy or
 * not (T3), so there the switch is harmless by construction.
 *
 *   switchOut  if the CPU runs a user task: `tlb/lazy` (enter_lazy_tlb); `switches` done → return.
 */
export const KTHREAD = defineMachine('kthread', {
  locals: [
    /** Switches made so far. */
    'done',
  ],
  labels: ['switchOut'],
});
const get = KTHREAD.get;

export function kthreadSpec(ctx: StepCtx): KthreadThreadSpec {
  return threadSpec(ctx, 'kthread');
}

export const kthreadProgram: StepMachine = {
  layout: KTHREAD,
  options() {
    return 1;
  },
  step(ctx, frame) {
    const spec = kthreadSpec(ctx);
    const e = KTHREAD.emit(ctx.tid);
    if (frame.pc !== KTHREAD.pc.switchOut) return KTHREAD.badPc(frame);
    if (ctx.state.cpus?.[spec.cpu]?.lazy === 0)
      e.push({ type: 'tlb/lazy', tid: ctx.tid, cpu: spec.cpu });
    const done = get(frame, 'done') + 1;
    return done >= spec.switches ? e.ret().ev : e.set('done', done).ev;
  },
};
