/** Events the simulator injects itself: scheduler picks, recorded choices, end of run. */
export interface SchedEvent {
  readonly type: '@sim/sched';
  /** The thread the scheduler picked for the next step. */
  readonly tid: number;
}
export interface ChoiceEvent {
  readonly type: '@sim/choice';
  readonly tid: number;
  /** Index of the alternative taken, `0 <= value < of`. */
  readonly value: number;
  readonly of: number;
}
export type EndReason = 'done' | 'deadlock' | 'step-bound';
export interface EndEvent {
  readonly type: '@sim/end';
  readonly reason: EndReason;
}
export type SimFamilyEvent = SchedEvent | ChoiceEvent | EndEvent;
export const isSimEvent = (e: { type: string }): e is SimFamilyEvent => e.type.startsWith('@sim/');
