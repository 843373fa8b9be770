import fc from 'fast-check';

// CI pins the fast-check seed through FC_SEED; every failure prints seed and path.
const seed = process.env['FC_SEED'];
fc.configureGlobal({
  ...(seed !== undefined && { seed: Number(seed) }),
  numRuns: Number(process.env['FC_NUM_RUNS'] ?? 100),
});
