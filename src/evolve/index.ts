import { produce, type Draft } from 'immer';
import type { SimEvent } from '../events/index.js';
import type { MutableSimState, SimState } from '../state/types.js';
import { assertNever } from '../errors.js';
import { applyPte } from './pte.js';
import { applyTlb } from './tlb.js';
import { applyLock } from './lock.js';
import { applyNotifier } from './notifier.js';
import { applyThread } from './thread.js';
import { applyKernel } from './ghost.js';
import { applySmmu } from './secondary.js';
import { applyPageCache } from './pagecache.js';
import { applyActor } from './actor.js';
import { applyCpu } from './cpu.js';

/**
 * The recipe: apply one fact to a draft (or to a private mutable copy: the recipes only
 * mutate, never return). Total: an event that refers to nothing changes nothing.
 */
export function applyEvent(d: Draft<MutableSimState> | MutableSimState, e: SimEvent): void {
  const draft = d as Draft<MutableSimState>;
  switch (e.type) {
    case '@sim/sched':
    case '@sim/choice':
    case '@sim/end':
      return;
    case 'thread/call':
    case 'thread/goto':
    case 'thread/set':
    case 'thread/return':
      return applyThread(draft, e);
    case 'pte/set':
      return applyPte(draft, e);
    case 'tlb/fill':
    case 'tlb/dirty':
    case 'tlb/drop':
    case 'tlb/flush':
    case 'flush/start':
    case 'flush/done':
      return applyTlb(draft, e);
    case 'lock/acquire':
    case 'lock/release':
      return applyLock(draft, e);
    case 'notifier/start':
    case 'notifier/end':
    case 'pending/inc':
    case 'pending/dec':
      return applyNotifier(draft, e);
    case 'mem/store':
    case 'dev/copy':
    case 'bitmap/set':
    case 'bitmap/clear':
    case 'bounds/set':
    case 'vmw/set':
    case 'helper/call':
    case 'helper/return':
    case 'fault/enter':
    case 'fault/exit':
    case 'ghost/wp-seen':
    case 'warn':
      return applyKernel(draft, e);
    case 'smmu/invalidate':
    case 'smmu/read-begin':
    case 'smmu/install':
    case 'smmu/zap':
      return applySmmu(draft, e);
    case 'page/dirty':
    case 'ubc/pending':
    case 'ubc/flushed':
      return applyPageCache(draft, e);
    case 'actor/call':
    case 'actor/return':
    case 'vma/write':
      return applyActor(draft, e);
    case 'tlb/defer':
    case 'tlb/catchup':
    case 'tlb/lazy':
      return applyCpu(draft, e);
    case 'decide/skip-vma':
    case 'decide/skip-flush':
    case 'decide/nested-flush':
    case 'decide/upgrade-writable':
      return; // a decision names the branch taken; the state already holds what it read
    case 'obs/fault':
    case 'obs/flush':
    case 'obs/mark':
      return; // observed in a kernel trace: the model's state does not hold them (ptesim import)
    default:
      return assertNever(e);
  }
}

/** evolve(state, event) -> state: one immer produce. A no-op event returns the same object. */
export function evolve(state: SimState, e: SimEvent): SimState {
  return produce(state, (d) => applyEvent(d as Draft<MutableSimState>, e));
}

/** Apply many events in one produce (bulk replay). Pure from the outside. */
export function evolveAll(state: SimState, events: readonly SimEvent[]): SimState {
  return produce(state, (d) => {
    for (const e of events) applyEvent(d as Draft<MutableSimState>, e);
  });
}
