import type { ExploreOptions, Scenario } from '../../src/index.js';
import type { PartOutcome } from '../../src/explore/parallel/merge.js';
import type { WorkItem } from '../../src/explore/parallel/searchPart.js';
import type { LevelEntry } from '../../src/explore/parallel/bfsPart.js';
import type { Pick } from '../../src/index.js';
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

/** Main thread → shortest-counterexample BFS thread (one request, one reply each). */
export type ToLevel =
  | {
      readonly kind: 'bfs-init';
      readonly scenario: Scenario;
      readonly arch: string;
      readonly variant: string;
      readonly properties: readonly string[];
      readonly set: SharedSetBuffers;
      readonly first: boolean;
    }
  | { readonly kind: 'level'; readonly depth: number }
  | { readonly kind: 'give-half' }
  | { readonly kind: 'take'; readonly entries: readonly LevelEntry[] };

/** Its replies: the status of the request and the thread's frontier size after it. */
export interface FromLevel {
  readonly kind: 'level-reply';
  readonly status: 'done' | 'violated' | 'full';
  readonly size: number;
  readonly transitions: number;
  readonly picks: readonly Pick[] | null;
  readonly entries?: readonly LevelEntry[];
  readonly error?: string;
}
