import { findNamed } from '../errors.js';
import type { Property } from './types.js';
import { lostWrite } from './lostWrite.js';
import { lostWriteMkwrite } from './lostWriteMkwrite.js';
import { wrprotectPost } from './wrprotectPost.js';
import { cleanA } from './cleanA.js';
import { cleanB } from './cleanB.js';
import { flushComplete } from './flushComplete.js';
import { flushPendingBalance } from './flushPendingBalance.js';
import { notifierPteInWindow } from './notifierPteInWindow.js';
import { notifierFlushBeforeEnd } from './notifierFlushBeforeEnd.js';
import { notifierPaired } from './notifierPaired.js';
import { notifierEndBeforeDec } from './notifierEndBeforeDec.js';
import { notifierSmmuInvalidated } from './notifierSmmuInvalidated.js';
import { notifierSmmuInWindow } from './notifierSmmuInWindow.js';
import { notifierSmmuStaleSeq } from './notifierSmmuStaleSeq.js';
import { lockPtePtl } from './lockPtePtl.js';
import { lockProtTransaction } from './lockProtTransaction.js';
import { lockBitmap } from './lockBitmap.js';
import { lockImmapWalk } from './lockImmapWalk.js';
import { lockBalanced } from './lockBalanced.js';
import { lockExclusive } from './lockExclusive.js';
import { warnKernel } from './warnKernel.js';
import { warnRacyPteUpdate } from './warnRacyPteUpdate.js';
import { dirtyBitLost } from './dirtyBitLost.js';

/** Every property, by stable id. One line each; order is the order reports list them. */
const PROPERTIES: readonly Property[] = [
  lostWrite,
  lostWriteMkwrite,
  wrprotectPost,
  cleanA,
  cleanB,
  flushComplete,
  flushPendingBalance,
  notifierPteInWindow,
  notifierFlushBeforeEnd,
  notifierPaired,
  notifierEndBeforeDec,
  notifierSmmuInvalidated,
  notifierSmmuInWindow,
  notifierSmmuStaleSeq,
  lockPtePtl,
  lockProtTransaction,
  lockBitmap,
  lockImmapWalk,
  lockBalanced,
  lockExclusive,
  warnKernel,
  warnRacyPteUpdate,
  dirtyBitLost,
];

export function listProperties(): readonly Property[] {
  return PROPERTIES;
}

export function getProperty(id: string): Property {
  return findNamed(PROPERTIES, (x) => x.id, id, 'BAD_ARGUMENT', 'property');
}
