import { applyEvent, type SimEvent, type SimState } from '../../src/index.js';
import { touchesPage } from './eventFilter.js';
import type { RunContext } from './runContext.js';

/** Page `page` at one instant: every PTE mapping it, every TLB entry for it, its bits. */
export function pageSummary(state: SimState, page: number, ctx: RunContext): string {
  const ptes: string[] = [];
  state.mms.forEach((mm, m) =>
    mm.ptes.forEach((pte, vpn) => {
      if (ctx.pageOf(m, vpn) === page) ptes.push(`mm${m}:${vpn} ${ctx.formatPte(pte)}`);
    }),
  );
  const tlbs: string[] = [];
  state.tlbs.forEach((tlb, cpu) => {
    for (const t of tlb)
      if (ctx.pageOf(t.mm, t.vpn) === page)
        tlbs.push(`CPU${cpu} ${t.w ? 'W' : 'RO'}${t.d ? 'D' : ''}${t.susp ? '!' : ''}`);
  });
  const bits = state.bitmaps.map((bm) => bm[page] ?? 0).join('');
  const p = state.pages[page];
  return `pte ${ptes.join(', ') || '-'} | tlb ${tlbs.join(', ') || '-'} | bits ${bits} | version ${p?.version ?? '?'} device ${p?.device ?? '?'}`;
}

/**
 * Follow one page through the run: the indices of the events that touch it, each with the
 * page's summary after it when that summary changed (a `!` after a TLB entry = stale for a
 * write-protect caller).
 */
export function watchPage(
  events: readonly SimEvent[],
  page: number,
  ctx: RunContext,
): { index: number; summary: string | null }[] {
  const state = ctx.initialState();
  const view = state as unknown as SimState;
  let last = pageSummary(view, page, ctx);
  const out: { index: number; summary: string | null }[] = [{ index: -1, summary: last }];
  for (let i = 0; i < events.length; i++) {
    const e = events[i] as SimEvent;
    applyEvent(state, e);
    const touches = touchesPage(e, page, ctx);
    // A TLB fill/drop on another page never changes this page's summary; skip the fold cost.
    if (!touches) continue;
    const now = pageSummary(view, page, ctx);
    out.push({ index: i, summary: now === last ? null : now });
    last = now;
  }
  return out;
}
