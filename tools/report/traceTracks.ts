import type { SimState } from '../../src/index.js';
import type { RunContext } from './runContext.js';

/** One Chrome trace event (the JSON Object Format that Perfetto and chrome://tracing open). */
export interface TraceEvent {
  readonly name: string;
  readonly ph: 'B' | 'E' | 'X' | 'i' | 'C' | 'b' | 'e' | 's' | 'f' | 'M';
  readonly pid: number;
  readonly tid: number;
  readonly ts?: number;
  readonly dur?: number;
  readonly cat?: string;
  readonly id?: string;
  readonly s?: 't' | 'p' | 'g';
  readonly bp?: 'e';
  readonly args?: Readonly<Record<string, unknown>>;
}

export interface ChromeTrace {
  readonly traceEvents: readonly TraceEvent[];
  readonly displayTimeUnit: 'ns' | 'ms';
  readonly otherData: Readonly<Record<string, unknown>>;
}

/** The one process of a ptesim trace. */
export const PID = 1;
/** Track ids: CPU c is tid 1 + c, simulated thread t is tid 1000 + t. */
export const cpuTrack = (cpu: number): number => 1 + cpu;
export const threadTrack = (tid: number): number => 1000 + tid;

/**
 * Per-track slice stack that keeps B/E balanced and properly nested even when the model
 * releases locks out of order: closing a slice that is not on top closes the ones above it
 * and re-opens them at the same timestamp.
 */
export class SliceStacks {
  private readonly stacks = new Map<
    number,
    { key: string; name: string; args?: Record<string, unknown> }[]
  >();
  constructor(private readonly out: TraceEvent[]) {}
  open(track: number, key: string, name: string, ts: number, args?: Record<string, unknown>): void {
    const st = this.stacks.get(track) ?? [];
    this.stacks.set(track, st);
    st.push({ key, name, ...(args && { args }) });
    this.out.push({
      name,
      ph: 'B',
      pid: PID,
      tid: track,
      ts,
      cat: 'kernel',
      ...(args && { args }),
    });
  }
  close(track: number, key: string, ts: number): void {
    const st = this.stacks.get(track);
    if (!st) return;
    let k = -1;
    for (let j = st.length - 1; j >= 0; j--)
      if (st[j]?.key === key) {
        k = j;
        break;
      }
    if (k < 0) return;
    const above = st.splice(k + 1);
    for (let j = above.length - 1; j >= 0; j--)
      this.out.push({
        name: (above[j] as { name: string }).name,
        ph: 'E',
        pid: PID,
        tid: track,
        ts,
      });
    const [mine] = st.splice(k, 1);
    this.out.push({ name: (mine as { name: string }).name, ph: 'E', pid: PID, tid: track, ts });
    for (const a of above) {
      st.push(a);
      this.out.push({
        name: a.name,
        ph: 'B',
        pid: PID,
        tid: track,
        ts,
        cat: 'kernel',
        ...(a.args && { args: a.args }),
      });
    }
  }
  closeAll(ts: number): void {
    for (const [track, st] of this.stacks) {
      while (st.length)
        this.out.push({
          name: (st.pop() as { name: string }).name,
          ph: 'E',
          pid: PID,
          tid: track,
          ts,
        });
    }
  }
}

/** Pages whose content changed since the device copy and that neither a bitmap nor a dirty PTE records. */
export function dirtyUnrecorded(state: SimState, ctx: RunContext): number {
  const arch = ctx.arch;
  let n = 0;
  for (let p = 0; p < state.pages.length; p++) {
    const pg = state.pages[p];
    if (!pg || pg.version === pg.device) continue;
    if (state.bitmaps.some((bm) => bm[p] === 1)) continue;
    let dirtyPte = false;
    state.mms.forEach((mm, m) =>
      mm.ptes.forEach((pte, vpn) => {
        if (!dirtyPte && arch && ctx.pageOf(m, vpn) === p && arch.pteDirty(pte)) dirtyPte = true;
      }),
    );
    if (!dirtyPte) n++;
  }
  return n;
}
