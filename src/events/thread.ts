/**
 * Thread progress lives in state and is advanced only by these events, so any prefix of a log
 * fixes every thread's position (DESIGN §1).
 */
export interface ThreadCallEvent {
  readonly type: 'thread/call';
  readonly tid: number;
  /** Step machine to push (see src/kernel/programs.ts). */
  readonly fn: string;
  /** Its initial locals. */
  readonly l: readonly number[];
}
export interface ThreadGotoEvent {
  readonly type: 'thread/goto';
  readonly tid: number;
  readonly pc: number;
}
export interface ThreadSetEvent {
  readonly type: 'thread/set';
  readonly tid: number;
  readonly slot: number;
  readonly value: number;
}
export interface ThreadReturnEvent {
  readonly type: 'thread/return';
  readonly tid: number;
}
export type ThreadEvent = ThreadCallEvent | ThreadGotoEvent | ThreadSetEvent | ThreadReturnEvent;
export const isThreadEvent = (e: { type: string }): e is ThreadEvent =>
  e.type.startsWith('thread/');
