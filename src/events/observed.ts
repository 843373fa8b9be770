/**
 * Observed events: what a recorded kernel trace saw (`ptesim import`), not what the model
 * did. A family of their own so no rule mistakes them for modelled facts (docs/rules/
 * conformance.md); each keeps the trace line it came from. `us` is the trace timestamp in
 * microseconds, `pid` the task id, `cpu` the CPU the line was recorded on.
 */
export interface ObsFaultEvent {
  readonly type: 'obs/fault';
  readonly pid: number;
  readonly cpu: number;
  readonly us: number;
  /** The faulting user address. */
  readonly addr: number;
  /** The x86 page-fault error code (bit 0 present, bit 1 write, bit 2 user). */
  readonly error: number;
  readonly line: string;
}
export interface ObsFlushEvent {
  readonly type: 'obs/flush';
  readonly pid: number;
  readonly cpu: number;
  readonly us: number;
  /** Pages flushed; -1 = TLB_FLUSH_ALL. */
  readonly pages: number;
  /** enum tlb_flush_reason (0 task switch … 5 remote wrong CPU). */
  readonly reason: number;
  readonly line: string;
}
export interface ObsMarkEvent {
  readonly type: 'obs/mark';
  readonly pid: number;
  readonly cpu: number;
  readonly us: number;
  /** The trace line (`tracing_mark_write: <text>`): one string per event, as chunks store them. */
  readonly line: string;
}
export type ObservedEvent = ObsFaultEvent | ObsFlushEvent | ObsMarkEvent;
export const isObservedEvent = (e: { type: string }): e is ObservedEvent =>
  e.type.startsWith('obs/');
