import { existsSync } from 'node:fs';
import { INCONCLUSIVE } from '../verdictWords.js';
import type { CommandModule } from './types.js';
import { json, type Io } from '../io.js';
import { collect, intArg } from '../args.js';
import { loadScenario } from '../scenarios.js';
import {
  diffLogs,
  diffModels,
  formatDiffEvent,
  makeModel,
  parseSchedule,
  readLogFile,
  SimError,
  type DiffResult,
  type EventOrigin,
  type Model,
} from '../../src/index.js';

interface DiffOpts {
  arch?: string[];
  variant?: string[];
  seed: number;
  schedule?: string;
  steps: number;
  context: number;
  hunks: number;
  json?: boolean;
}

const originText = (o: EventOrigin): string =>
  o.tid === null
    ? 'no thread'
    : `thread ${o.tid}${o.thread ? ` (${o.thread})` : ''}${o.frame ? ` in ${o.frame}` : ''}${o.fn ? `, ${o.fn}` : ''}`;

const verdictText = (ok: boolean | null, first: number | null): string =>
  ok === true ? 'holds' : ok === false ? `VIOLATED at ${first}` : INCONCLUSIVE;

function print(io: Io, r: DiffResult, ma: Model, mb: Model, maxHunks: number): void {
  io.out(
    `A: ${r.a.label} (${r.a.scenario}), ${r.a.events} events, schedule ${r.a.schedule || '-'}`,
  );
  io.out(
    `B: ${r.b.label} (${r.b.scenario}), ${r.b.events} events, schedule ${r.b.schedule || '-'}`,
  );
  if (r.schedule) {
    const m = r.schedule.firstMismatch;
    io.out(
      `B followed A's picks for ${r.schedule.followed} of ${r.schedule.picks.length} steps` +
        (m
          ? `; stopped matching at step ${m.step} (${m.reason}: ${m.detail})`
          : '; every step matched'),
    );
  }
  if (r.identical) {
    io.out('identical: same events, same verdicts');
    return;
  }
  const d = r.firstDivergence;
  if (d) {
    io.out(`\nfirst divergence at event ${d.indexA} (A) / ${d.indexB} (B):`);
    io.out(`  A: ${formatDiffEvent(d.eventA, ma)}\n     from ${originText(d.originA)}`);
    io.out(`  B: ${formatDiffEvent(d.eventB, mb)}\n     from ${originText(d.originB)}`);
    io.out('\nstate after the divergent events (changed paths only):');
    for (const c of r.stateDiff) io.out(`  ${c.path}\n    A: ${c.a}\n    B: ${c.b}`);
    if (r.stateDiff.length === 0)
      io.out('  (none: the events differ only in how they name things)');
  } else io.out('\nsame events; only verdicts differ');
  const vd = r.verdicts.filter((v) => v.differs);
  io.out(vd.length ? '\nverdicts that differ:' : '\nverdicts: the same on both sides');
  for (const v of vd)
    io.out(
      `  ${v.id.padEnd(24)} A ${verdictText(v.a, v.firstViolationA)}   B ${verdictText(v.b, v.firstViolationB)}`,
    );
  if (r.hunks.length)
    io.out(
      `\naligned events (${r.hunks.length} hunk${r.hunks.length === 1 ? '' : 's'}${r.hunks.length > maxHunks ? `, first ${maxHunks} shown` : ''}):`,
    );
  for (const h of r.hunks.slice(0, maxHunks)) {
    io.out(`@@ -${h.startA},${h.countA} +${h.startB},${h.countB} @@`);
    for (const l of h.lines)
      io.out(`${l.op}${String(l.op === '+' ? l.indexB : l.indexA).padStart(5)} ${l.text}`);
  }
}

export const diffCommand: CommandModule = {
  register(program, io, exit) {
    program
      .command('diff <a> [b]')
      .description('compare two logs, or one scenario under two archs/variants with the same picks')
      .option(
        '--arch <name>',
        'architecture of A, then of B (repeat: --arch x86-64 --arch arm64-nodbm)',
        collect,
      )
      .option('--variant <name>', 'helper variant of A, then of B (repeat)', collect)
      .option(
        '--seed <n>',
        "A's scheduler seed (and B's fallback)",
        intArg('--seed', 0xffffffff),
        1,
      )
      .option('--schedule <str>', "A follows these picks first, e.g. '0.1:2.0*3'")
      .option('--steps <n>', 'step bound per run', intArg('--steps'), 100_000)
      .option('--context <n>', 'kept events around each change', intArg('--context', 1000), 3)
      .option('--hunks <n>', 'hunks to print (text output)', intArg('--hunks'), 8)
      .option('--json', 'machine-readable output (every hunk)')
      .action((a: string, b: string | undefined, opts: DiffOpts) => {
        let result: DiffResult;
        let ma: Model;
        let mb: Model;
        if (b !== undefined) {
          if (opts.arch || opts.variant || opts.schedule)
            throw new SimError(
              'BAD_ARGUMENT',
              'two logs are compared as recorded; --arch/--variant/--schedule apply to the scenario form',
              'diff',
            );
          for (const p of [a, b])
            if (!existsSync(p)) throw new SimError('LOG_IO', `no such log file '${p}'`, 'diff');
          const la = readLogFile(a);
          const lb = readLogFile(b);
          result = diffLogs(la, lb, [a, b], { context: opts.context });
          ma = makeModel(la.header.scenario, { arch: la.header.arch, variant: la.header.variant });
          mb = makeModel(lb.header.scenario, { arch: lb.header.arch, variant: lb.header.variant });
        } else {
          const scenario = loadScenario(a);
          const archs = opts.arch ?? [];
          const variants = opts.variant ?? [];
          if (archs.length > 2 || variants.length > 2)
            throw new SimError(
              'BAD_ARGUMENT',
              `at most two --arch and two --variant values (got ${archs.length} and ${variants.length})`,
              'diff',
            );
          const side = (i: 0 | 1): { arch?: string; variant?: string } => {
            const arch = archs[i] ?? archs[0];
            const variant = variants[i] ?? variants[0];
            return {
              ...(arch !== undefined && { arch }),
              ...(variant !== undefined && { variant }),
            };
          };
          const sa = side(0);
          const sb = side(1);
          ma = makeModel(scenario, sa);
          mb = makeModel(scenario, sb);
          result = diffModels(scenario, sa, sb, {
            seed: opts.seed,
            maxSteps: opts.steps,
            context: opts.context,
            ...(opts.schedule !== undefined && { schedule: parseSchedule(opts.schedule) }),
          });
        }
        exit.code = result.identical ? 0 : 1;
        if (opts.json) return json(io, result);
        print(io, result, ma, mb, opts.hunks);
      });
  },
};
