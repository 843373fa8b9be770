import type { HelperVariant } from './types.js';
import { upstream } from './upstream.js';

/**
 * Test-only: upstream without any TLB flush. Exists so tests can show that `lost-write` and
 * `wrprotect-post` are able to fail. Never a kernel variant; the name says so.
 */
export const __TEST_ONLY_noFlush: HelperVariant = {
  ...upstream,
  name: '__test-no-flush',
  description: 'TEST ONLY: upstream with the TLB flush removed (shows the properties can fail)',
  counterfactual: true,
  flushRange: () => null,
};
