import { at } from '../errors.js';
import { isAccessOp, type UserThreadSpec } from '../scenario/types.js';
import type { AccessCtx } from '../arch/types.js';
import { tlbLookup } from '../arch/tlbLookup.js';
import { threadSpec, type StepCtx, type StepMachine } from './step.js';
import { defineMachine } from './machine.js';
import { FAULT } from './fault.js';
import { hasFlag } from './vmas.js';
import { vmaOpCall } from './userMm.js';

/** A user thread's spec (decide reads it; the scenario is fixed for a run). */
export function userSpec(ctx: StepCtx): UserThreadSpec {
  return threadSpec(ctx, 'user');
}

export const USER = defineMachine('user', {
  locals: [
    /** The next scripted op. */
    'op',
    /** Non-deterministic writes done. */
    'writes',
  ],
  labels: ['run'],
});

export const ACCESS = defineMachine('access', {
  locals: ['vpn', 'isWrite'],
  labels: ['access'],
});

const writableVpnCache = new WeakMap<UserThreadSpec, number[]>();
/** The last answer per thread, with the spec it was for (cheaper than the WeakMap each step). */
const lastSpecs: unknown[] = [];
const lastVpns: number[][] = [];
/** Pages a `write any page` step may pick: every vpn of a VM_WRITE VMA of the thread's mm. */
export function writableVpns(ctx: StepCtx, spec: UserThreadSpec): number[] {
  if (lastSpecs[ctx.tid] === spec) return lastVpns[ctx.tid] as number[];
  const vpns = writableVpnsOf(ctx, spec);
  lastSpecs[ctx.tid] = spec;
  lastVpns[ctx.tid] = vpns;
  return vpns;
}

function writableVpnsOf(ctx: StepCtx, spec: UserThreadSpec): number[] {
  const hit = writableVpnCache.get(spec);
  if (hit) return hit;
  const vpns: number[] = [];
  for (const vma of at(ctx.layout.scenario.mms, spec.mm).vmas)
    if (hasFlag(vma, 'write')) for (let i = 0; i < vma.npages; i++) vpns.push(vma.start + i);
  writableVpnCache.set(spec, vpns);
  return vpns;
}

/**
 * User program ({@link USER}). Scripted ops run in order; then `writes` stores to a page picked
 * by a recorded choice.
 */
export const userProgram: StepMachine = {
  layout: USER,
  options(ctx, frame) {
    const spec = userSpec(ctx);
    if (USER.get(frame, 'op') < spec.ops.length) return 1;
    if (USER.get(frame, 'writes') < spec.writes) return writableVpns(ctx, spec).length;
    return 1;
  },
  step(ctx, frame, choice) {
    const spec = userSpec(ctx);
    const e = USER.emit(ctx.tid);
    const opi = USER.get(frame, 'op');
    const op = spec.ops[opi];
    if (op && isAccessOp(op))
      return e.set('op', opi + 1).call(ACCESS, { vpn: op.vpn, isWrite: op.op === 'write' ? 1 : 0 })
        .ev;
    if (op) return vmaOpCall(ctx, op, e.set('op', opi + 1)).ev; // U1–U4 (userMm.ts)
    const wi = USER.get(frame, 'writes');
    if (wi < spec.writes)
      return e
        .set('writes', wi + 1)
        .call(ACCESS, { vpn: at(writableVpns(ctx, spec), choice), isWrite: 1 }).ev;
    return e.ret().ev;
  },
};

/**
 * One CPU access ({@link ACCESS}), retried until it completes (F5). On a TLB miss with a full
 * TLB the step first evicts a victim: the choice (X86-C / T7).
 */
export const accessProgram: StepMachine = {
  layout: ACCESS,
  options(ctx, frame) {
    const spec = userSpec(ctx);
    const tlb = ctx.state.tlbs[spec.cpu] ?? [];
    const vpn = ACCESS.get(frame, 'vpn');
    if (
      tlb.length >= ctx.layout.scenario.options.tlbCapacity &&
      !tlbLookup(ctx.state, spec.cpu, spec.mm, vpn)
    )
      return tlb.length;
    return 1;
  },
  step(ctx, frame, choice) {
    const spec = userSpec(ctx);
    const vpn = ACCESS.get(frame, 'vpn');
    const isWrite = ACCESS.get(frame, 'isWrite') === 1;
    const e = ACCESS.emit(ctx.tid);
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
    e.pushAll(r.events);
    if (r.outcome === 'done') return e.ret().ev;
    return e.call(FAULT, { vpn, isWrite: isWrite ? 1 : 0, orig: 0 }).ev;
  },
};
