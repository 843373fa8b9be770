import type { Draft } from 'immer';
import type { ActorEvent } from '../events/index.js';
import type { MutableSimState } from '../state/types.js';

/** Actor brackets change nothing; `vma/write` sets VM_WRITE of one VMA (when modelled). */
export function applyActor(d: Draft<MutableSimState>, e: ActorEvent): void {
  if (e.type !== 'vma/write') return;
  const flags = d.vmWrite?.[e.mm];
  if (flags && e.vma < flags.length && flags[e.vma] !== e.value) flags[e.vma] = e.value;
}
