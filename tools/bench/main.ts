import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { SUITES } from './suites/index.js';
import type { Figure } from './types.js';

/**
 * `npm run bench [-- --json] [--check] [--quick] [--suite NAME] [--against DIR] [--rounds N]`:
 * runs every suite, prints each figure with its ratio to its target; --check exits 1 when a
 * target is missed. `--against DIR`: suites that support it (explore) compare this build with
 * the built checkout in DIR in this one process instead (N rounds each, default 3).
 */
async function main(argv: string[]): Promise<number> {
  const asJson = argv.includes('--json');
  const check = argv.includes('--check');
  const quick = argv.includes('--quick');
  const only = argv.includes('--suite') ? argv[argv.indexOf('--suite') + 1] : undefined;
  const against = argv.includes('--against') ? argv[argv.indexOf('--against') + 1] : undefined;
  const rounds = argv.includes('--rounds') ? Number(argv[argv.indexOf('--rounds') + 1]) : 3;
  if (!Number.isInteger(rounds) || rounds < 1) {
    process.stderr.write('--rounds: a positive integer\n');
    return 2;
  }
  if (argv.includes('--against') && (against === undefined || against.startsWith('--'))) {
    process.stderr.write('--against: a directory (a built checkout of another commit)\n');
    return 2;
  }
  if (against !== undefined && !existsSync(join(against, 'dist', 'src', 'index.js'))) {
    process.stderr.write(
      `--against ${against}: no dist/src/index.js there (npm ci && npm run build first)\n`,
    );
    return 2;
  }
  if (against !== undefined && only !== 'explore') {
    // Only the explore suite compares two builds in one process; the others would ignore it.
    process.stderr.write('--against: only with --suite explore\n');
    return 2;
  }
  const log = (line: string): void => {
    if (!asJson) process.stdout.write(`${line}\n`);
  };
  const all: Record<string, number> = {};
  const figures: (Figure & { suite: string })[] = [];
  for (const s of SUITES) {
    if (only !== undefined && s.name !== only) continue;
    log(`## ${s.name}: ${s.description}`);
    for (const f of await s.run({
      quick,
      log,
      ...(against !== undefined && { against }),
      rounds,
    })) {
      figures.push({ ...f, suite: s.name });
      all[f.name] = f.value;
      const ratio = f.target
        ? f.target.atLeast
          ? f.value / f.target.value
          : f.target.value / f.value
        : undefined;
      log(
        `  ${f.name.padEnd(28)} ${f.value.toPrecision(4).padStart(12)} ${f.unit}` +
          (f.target
            ? `   target ${f.target.atLeast ? '≥' : '≤'} ${f.target.value}  ratio ${ratio?.toFixed(2)}${(ratio ?? 1) < 1 ? '  MISSED' : ''}`
            : '') +
          (f.note ? `   (${f.note})` : ''),
      );
    }
  }
  if (asJson) process.stdout.write(`${JSON.stringify({ ...all, figures }, null, 2)}\n`);
  const missed = figures.filter(
    (f) => f.target && (f.target.atLeast ? f.value < f.target.value : f.value > f.target.value),
  );
  return check && missed.length > 0 ? 1 : 0;
}

process.exitCode = await main(process.argv.slice(2));
