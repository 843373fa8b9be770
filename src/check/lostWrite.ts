import type { Property } from './types.js';

/**
 * `lost-write` (DESIGN §4; SPIN anchor's DATA): after the final drain, every page's device
 * copy equals its content version. Decided at the end of a completed run; a run cut by the
 * step bound or a deadlock gives no verdict.
 */
export const lostWrite: Property = {
  id: 'lost-write',
  description: 'after the final drain every page was copied to the device at its last version',
  explanation:
    'A write that completed but was never reported to the driver (bitmap bit or dirty PTE) is ' +
    'lost to the device copy. Checked when all threads have finished (the final drain ran). ' +
    'O1a/O1b are its on-the-fly forms.',
  expectation:
    'every completed write reaches the device: it is recorded (bitmap bit or dirty PTE) until the driver copies it',
  severity: 'failure',
  statePure: true,
  events: ['@sim/end'],
  start() {
    return {
      onEvent(e, index, state) {
        if (e.type !== '@sim/end' || e.reason !== 'done') return null;
        for (let p = 0; p < state.pages.length; p++) {
          const pg = state.pages[p];
          if (pg && pg.device !== pg.version)
            return {
              index,
              message: `page ${p}: content version ${pg.version} but the device holds version ${pg.device}`,
            };
        }
        return null;
      },
    };
  },
};
