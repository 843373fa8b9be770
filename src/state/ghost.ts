import type { SmmuState, TlbEntry } from './types.js';

/**
 * What `ghost/wp-seen` of thread bit `bit` for (mm, vpn) marks (the ghost of `wrprotect-post`,
 * rule O3 in docs/rules/oracles.md): a writable TLB entry for that page not marked by the thread
 * yet. The recipe (src/evolve/ghost.ts) marks with it and a caller that emits the event only
 * when it would mark something (the zap, src/kernel/zap.ts) asks it first.
 */
export function wpSeenMarksEntry(
  t: Readonly<TlbEntry>,
  mm: number,
  vpn: number,
  bit: number,
): boolean {
  return t.mm === mm && t.vpn === vpn && t.w === 1 && (t.susp & bit) === 0;
}

/** {@link wpSeenMarksEntry} for a secondary MMU: a writable SPTE (2) of the page, unmarked. */
export function wpSeenMarksSpte(
  sub: Readonly<Pick<SmmuState, 'mm'>> & {
    readonly sptes: readonly number[];
    readonly susp: readonly number[];
  },
  mm: number,
  vpn: number,
  bit: number,
): boolean {
  return sub.mm === mm && sub.sptes[vpn] === 2 && ((sub.susp[vpn] ?? 0) & bit) === 0;
}
