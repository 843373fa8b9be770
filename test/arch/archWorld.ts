import { getArch, type MutableSimState, type SimState } from '../../src/index.js';
import { freshState, tinyModel } from '../helpers/world.js';

/** One CPU access context on CPU 0, mm 0, vpn 0 of a tiny world. */
export const accessCtx = (
  state: MutableSimState,
  options: Record<string, string | boolean> = {},
) => ({
  state: state as unknown as SimState,
  tid: 0,
  cpu: 0,
  mm: 0,
  vpn: 0,
  options,
});

/** A tiny world on `arch` whose PTE 0 is `pte` and whose CPU 0 optionally caches an entry for it. */
export function archWorld(
  arch: string,
  pte: number,
  tlb?: { w: 0 | 1; d: 0 | 1 },
): MutableSimState {
  const s = freshState(tinyModel({ arch }));
  (s.mms[0] as { ptes: number[] }).ptes[0] = pte;
  if (tlb) s.tlbs[0]?.push({ mm: 0, vpn: 0, pfn: 0, w: tlb.w, d: tlb.d, susp: 0 });
  return s;
}

export { getArch };
