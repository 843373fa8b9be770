import type { SimFamilyEvent } from './sim.js';
import type { ThreadEvent } from './thread.js';
import type { PteEvent } from './pte.js';
import type { TlbEvent } from './tlb.js';
import type { LockEvent } from './lock.js';
import type { NotifierEvent } from './notifier.js';
import type { KernelEvent } from './kernel.js';
import type { SmmuEvent } from './secondary.js';
import type { PageCacheEvent } from './pagecache.js';
import type { ActorEvent } from './actor.js';
import type { CpuEvent } from './cpu.js';
import type { ObservedEvent } from './observed.js';
import type { DecideEvent } from './decide.js';

export * from './sim.js';
export * from './thread.js';
export * from './pte.js';
export * from './tlb.js';
export * from './lock.js';
export * from './notifier.js';
export * from './kernel.js';
export * from './secondary.js';
export * from './pagecache.js';
export * from './actor.js';
export * from './cpu.js';
export * from './observed.js';
export * from './decide.js';
export { EVENT_SCHEMA_VERSION } from './version.js';

/** Every fact the simulator records. Discriminated on `type` ('family/verb'). */
export type SimEvent =
  | SimFamilyEvent
  | ThreadEvent
  | PteEvent
  | TlbEvent
  | LockEvent
  | NotifierEvent
  | KernelEvent
  | SmmuEvent
  | PageCacheEvent
  | ActorEvent
  | CpuEvent
  | DecideEvent
  | ObservedEvent;

export type SimEventType = SimEvent['type'];
