import type { SimEvent } from '../events/index.js';
import type { SimState } from '../state/types.js';
import type { AccessCtx, AccessResult, ArchModel } from './types.js';

/** The state as the access sees it after the CPU dropped every entry of `mm`. */
function withoutMm(state: SimState, cpu: number, mm: number): SimState {
  return {
    ...state,
    tlbs: state.tlbs.map((t, c) => (c === cpu ? t.filter((e) => e.mm !== mm) : t)),
  };
}

/**
 * Deferred invalidations around every CPU access (docs/rules/tlb.md §5):
 * T2 (x86 lazy TLB): a lazy CPU switches back to the mm before its first user access; if a
 *    flush skipped it meanwhile (the mm's generation advanced) it drops all of the mm's entries
 *    first (switch_mm_irqs_off comparing tlb_gen).
 * T3 nosync (arm64 flush_tlb_page_nosync): the TLBI completes only at the CPU's next barrier;
 *    in this model that is the exception entry of the CPU's next fault (a context switch's DSB).
 * Scenarios without `state.cpus` pay nothing: the access is the arch's own.
 */
export function withDeferredFlush(arch: ArchModel): ArchModel {
  const wrap =
    (access: (ctx: AccessCtx) => AccessResult) =>
    (ctx: AccessCtx): AccessResult => {
      const c = ctx.state.cpus?.[ctx.cpu];
      if (!c) return access(ctx);
      const bit = 1 << ctx.mm;
      const pre: SimEvent[] = [];
      let owed = c.owed;
      let actx = ctx;
      if (c.lazy === 1) {
        pre.push({ type: 'tlb/catchup', cpu: ctx.cpu, mm: ctx.mm, why: 'switch' });
        if (owed & bit) actx = { ...ctx, state: withoutMm(ctx.state, ctx.cpu, ctx.mm) };
        owed &= ~bit;
      }
      const r = access(actx);
      if (r.outcome !== 'fault' || owed === 0)
        return pre.length ? { events: [...pre, ...r.events], outcome: r.outcome } : r;
      const post: SimEvent[] = [];
      for (let m = 0; m < 31; m++)
        if (owed & (1 << m))
          post.push({ type: 'tlb/catchup', cpu: ctx.cpu, mm: m, why: 'barrier' });
      return { events: [...pre, ...r.events, ...post], outcome: r.outcome };
    };
  return { ...arch, store: wrap(arch.store), load: wrap(arch.load) };
}
