import type { ExploreOptions, Scenario } from '../../src/index.js';
import type { PartOutcome } from '../../src/explore/parallel/merge.js';
import type { WorkItem } from '../../src/explore/parallel/searchPart.js';
import type { SharedSetBuffers } from '../../src/explore/parallel/sharedSet.js';

/** Words of the control buffer shared by the threads of one parallel search. */
export const STOP = 0;
/** Idle threads not yet promised work: a busy thread that claims one sends it a work item. */
export const HUNGRY = 1;
export const CONTROL_WORDS = 2;

/** Main thread → search thread. */
export type ToPart =
  | {
      readonly kind: 'init';
      readonly scenario: Scenario;
      readonly arch: string;
      readonly variant: string;
      readonly properties: readonly string[];
      readonly options: Omit<ExploreOptions, 'properties' | 'onProgress' | 'shouldStop'>;
      readonly set: SharedSetBuffers;
      readonly control: SharedArrayBuffer;
      /** This thread starts from the initial state. */
      readonly first: boolean;
    }
  | { readonly kind: 'work'; readonly item: WorkItem }
  | { readonly kind: 'finish' };

/** Search thread → main thread. */
export type FromPart =
  | { readonly kind: 'idle' }
  | { readonly kind: 'work'; readonly item: WorkItem }
  | { readonly kind: 'stopped' }
  | { readonly kind: 'progress'; readonly transitions: number; readonly depth: number }
  | { readonly kind: 'done'; readonly outcome: PartOutcome }
  | { readonly kind: 'error'; readonly message: string; readonly code: string | null };
