import { at } from '../errors.js';
import type { UserThreadSpec } from '../scenario/types.js';
import type { AccessCtx } from '../arch/types.js';
import { tlbLookup } from '../arch/tlbLookup.js';
import { Emit, local, type StepCtx, type StepMachine } from './step.js';
import { hasFlag } from './vmas.js';

/** A user thread's spec (decide reads it; the scenario is fixed for a run). */
export function userSpec(ctx: StepCtx): UserThreadSpec {
  const spec = at(ctx.layout.scenario.threads, ctx.tid);
  if (spec.kind !== 'user') throw new Error(`thread ${ctx.tid} is not a user thread`);
  return spec;
}

const writableVpnCache = new WeakMap<UserThreadSpec, number[]>();
/** Pages a `write any page` step may pick: every vpn of a VM_WRITE VMA of the thread's mm. */
export function writableVpns(ctx: StepCtx, spec: UserThreadSpec): number[] {
  const hit = writableVpnCache.get(spec);
  if (hit) return hit;
  const vpns: number[] = [];
  for (const vma of at(ctx.layout.scenario.mms, spec.mm).vmas)
    if (hasFlag(vma, 'write')) for (let i = 0; i < vma.npages; i++) vpns.push(vma.start + i);
  writableVpnCache.set(spec, vpns);
  return vpns;
}

/**
 * User program. Locals: [0] next scripted op, [1] non-deterministic writes done.
 * Scripted ops run in order; then `writes` stores to a page picked by a recorded choice.
 */
export const userProgram: StepMachine = {
  options(ctx, frame) {
    const spec = userSpec(ctx);
    if (local(frame, 0) < spec.ops.length) return 1;
    if (local(frame, 1) < spec.writes) return writableVpns(ctx, spec).length;
    return 1;
  },
  step(ctx, frame, choice) {
    const spec = userSpec(ctx);
    const e = new Emit(ctx.tid);
    const opi = local(frame, 0);
    const op = spec.ops[opi];
    if (op) return e.set(0, opi + 1).call('access', [op.vpn, op.op === 'write' ? 1 : 0]).ev;
    const wi = local(frame, 1);
    if (wi < spec.writes)
      return e.set(1, wi + 1).call('access', [at(writableVpns(ctx, spec), choice), 1]).ev;
    return e.ret().ev;
  },
};

/**
 * One CPU access, retried until it completes (F5). Locals: [0] vpn, [1] is-write.
 * On a TLB miss with a full TLB the step first evicts a victim: the choice (X86-C / T7).
 */
export const accessProgram: StepMachine = {
  options(ctx, frame) {
    const spec = userSpec(ctx);
    const tlb = ctx.state.tlbs[spec.cpu] ?? [];
    const vpn = local(frame, 0);
    if (
      tlb.length >= ctx.layout.scenario.options.tlbCapacity &&
      !tlbLookup(ctx.state, spec.cpu, spec.mm, vpn)
    )
      return tlb.length;
    return 1;
  },
  step(ctx, frame, choice) {
    const spec = userSpec(ctx);
    const vpn = local(frame, 0);
    const isWrite = local(frame, 1) === 1;
    const e = new Emit(ctx.tid);
    let state = ctx.state;
    const tlb = state.tlbs[spec.cpu] ?? [];
    if (
      tlb.length >= ctx.layout.scenario.options.tlbCapacity &&
      !tlbLookup(state, spec.cpu, spec.mm, vpn)
    ) {
      const victim = at(tlb, choice);
      e.push({ type: 'tlb/drop', cpu: spec.cpu, mm: victim.mm, vpn: victim.vpn, why: 'evict' });
      // The arch model reads the TLB; the victim is gone but the accessed entry was a miss anyway.
      state = ctx.state;
    }
    const actx: AccessCtx = {
      state,
      tid: ctx.tid,
      cpu: spec.cpu,
      mm: spec.mm,
      vpn,
      options: ctx.layout.scenario.options.arch,
    };
    const r = isWrite ? ctx.arch.store(actx) : ctx.arch.load(actx);
    e.push(...r.events);
    if (r.outcome === 'done') return e.ret().ev;
    return e.call('fault', [vpn, isWrite ? 1 : 0, 0]).ev;
  },
};
