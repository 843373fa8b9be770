/** Lock steps. `lock` indexes SimState.locks; names come from the scenario's lock table. */
export interface LockAcquireEvent {
  readonly type: 'lock/acquire';
  readonly tid: number;
  readonly lock: number;
  readonly mode: 'r' | 'w';
}
export interface LockReleaseEvent {
  readonly type: 'lock/release';
  readonly tid: number;
  readonly lock: number;
  readonly mode: 'r' | 'w';
}
export type LockEvent = LockAcquireEvent | LockReleaseEvent;
export const isLockEvent = (e: { type: string }): e is LockEvent => e.type.startsWith('lock/');
