import type { Property } from './types.js';

/**
 * `lock-bitmap` (V1, O4): the driver's shared bitmap and its dirty bounds are
 * written only under the driver's lock (vmwgfx: the BO reservation). Callers' private bitmaps
 * (bm > 0) belong to one thread and need no lock.
 */
export const lockBitmap: Property = {
  id: 'lock-bitmap',
  description: "the driver's bitmap and bounds are written only under the driver lock",
  explanation:
    "V1: all bitmap/bounds/method changes require the BO's resv; H8: bitmap writes are non-atomic " +
    '(__set_bit), so the caller must serialize every bitmap writer (mkwrite handler, clean helper, ' +
    'consumer). O4: bitmap writes under the consumer lock.',
  expectation: 'the writing thread holds the driver lock',
  severity: 'failure',
  events: ['bitmap/set', 'bitmap/clear', 'bounds/set'],
  start(model) {
    const { driverLock: lock, lockNames } = model.layout;
    const name = lockNames[lock] ?? 'driver_lock';
    return {
      onEvent(e, index, state) {
        const isShared =
          ((e.type === 'bitmap/set' || e.type === 'bitmap/clear') && e.bm === 0) ||
          e.type === 'bounds/set';
        if (!isShared || state.locks[lock]?.owner === e.tid) return null;
        const what =
          e.type === 'bounds/set' ? 'the dirty bounds' : `bit ${e.bit} of the driver's bitmap`;
        return {
          index,
          message: `thread ${e.tid} wrote ${what} (${e.type}) without holding ${name}`,
        };
      },
    };
  },
};
