import type { BenchSuite } from '../types.js';

/** Every benchmark suite; one line each. */
export const SUITES: readonly BenchSuite[] = [];
