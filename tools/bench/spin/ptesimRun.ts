import { readFileSync } from 'node:fs';
import { parseScenarioText } from '../../../src/index.js';
import { runJob } from '../../commands/exploreJob.js';

/**
 * The bench's ptesim side, as lean as SPIN's `./pan` run: load one scenario file, explore one
 * property (DFS with POR and symmetry; a violation is minimised, BFS shortest), print JSON.
 * Usage: node ptesimRun.js <scenario.json> <property> [--no-minimise] [--exact]
 */
const [file, property, ...flags] = process.argv.slice(2);
const scenario = parseScenarioText(readFileSync(file ?? '', 'utf8'), file ?? '');
const r = runJob({
  scenario,
  scenarioRef: file ?? '',
  properties: [property ?? 'lost-write'],
  options: { strategy: 'dfs', ...(flags.includes('--exact') && { exact: true }) },
  minimise: !flags.includes('--no-minimise'),
});
process.stdout.write(
  `${JSON.stringify({ verdict: r.result.verdict, states: r.result.stats.states, transitions: r.result.stats.transitions, length: r.length, shortest: r.minimised?.shortest ?? null, seconds: r.seconds + r.minimiseSeconds })}\n`,
);
