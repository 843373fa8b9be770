import type { BenchSuite } from '../types.js';
import { reportSuite } from './report.js';
import { logSuite } from './log.js';
import { exploreSuite } from './explore.js';
import { scaleSuite } from './scale.js';
import { costSuite } from './cost.js';

/** Every benchmark suite; one line each. */
export const SUITES: readonly BenchSuite[] = [
  reportSuite,
  logSuite,
  exploreSuite,
  scaleSuite,
  costSuite,
];
