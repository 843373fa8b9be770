#!/usr/bin/env node
import { main } from './main.js';

// `ptesim show LOG | head`: a closed pipe ends the output quietly, like any Unix filter.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(0);
  throw e;
});
process.exitCode = await main(process.argv.slice(2));
