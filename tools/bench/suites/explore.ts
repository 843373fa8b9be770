import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BenchSuite, Figure } from '../types.js';
import { hasSpin, runSpin, timed } from '../spin/run.js';
import {
  SPIN_PROP,
  spinExpected,
  spinName,
  spinScenario,
  spinScenarioText,
  type SpinConfig,
} from '../spin/config.js';
import { explore, getProperty, makeModel } from '../../../src/index.js';
import { exploreAgainst } from './exploreAgainst.js';

/**
 * ptesim explore vs SPIN on the anchor's largest configurations (write-protect mode, 2
 * concurrent callers, 2 pages, 2 CPUs, 2 writes each; and the clean-mode counterpart), in the
 * SPIN-equivalent setting. Time-to-verdict: for a property that holds, SPIN's exhaustive DFS
 * vs ptesim's exhaustive DFS (POR + symmetry); for a violated one, SPIN's BFS run (its shortest
 * trail) vs ptesim's search plus minimisation (BFS shortest). Peak memory is each process's
 * maximum resident set (GNU time %M). With `spin` installed both run here, one after the other;
 * without it the anchor's recorded figures (results.json of the same model on this machine
 * class) stand in, and the notes say so. Ratios are ptesim / SPIN: target ≤ 1.
 */
const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..', '..', '..');
const runner = join(root, 'dist', 'tools', 'bench', 'spin', 'ptesimRun.js');

interface Anchor {
  stored: number;
  wall: number;
  mem_mb: number;
  bfs?: { stored: number; wall: number; mem_mb: number; depth: number };
}

const C = (
  mode: SpinConfig['mode'],
  variant: SpinConfig['variant'],
  arch: SpinConfig['arch'],
  prop: SpinConfig['prop'],
): SpinConfig => ({
  mode,
  variant,
  arch,
  callers: 2,
  pages: 2,
  cpus: 2,
  prop,
});

const FULL: SpinConfig[] = [
  C('wrprotect', 'MERGED', 'A', 'DATA'),
  C('wrprotect', 'MERGED', 'B', 'DATA'),
  C('wrprotect', 'NAIVE', 'A', 'DATA'),
  C('wrprotect', 'MERGED', 'A', 'WPPOST'),
  C('clean', 'MERGED', 'A', 'DATA'),
  C('wrprotect', 'V4', 'A', 'WPPOST'),
  C('wrprotect', 'V4', 'A', 'DATA'),
  C('wrprotect', 'V4', 'B', 'DATA'),
  C('wrprotect', 'NAIVE', 'A', 'DIRTY'),
];
const QUICK: SpinConfig[] = [
  { mode: 'wrprotect', variant: 'MERGED', arch: 'A', callers: 2, pages: 1, cpus: 2, prop: 'DATA' },
  { mode: 'wrprotect', variant: 'V4', arch: 'A', callers: 2, pages: 1, cpus: 2, prop: 'DATA' },
  C('wrprotect', 'V4', 'A', 'WPPOST'),
];

function runPtesim(
  c: SpinConfig,
  flags: readonly string[] = [],
): {
  seconds: number;
  mb: number;
  violated: boolean;
  states: number;
  length: number | null;
  shortest: boolean | null;
} {
  const dir = mkdtempSync(join(tmpdir(), 'ptesim-bench-'));
  try {
    const file = join(dir, `${spinName(c)}.json`);
    writeFileSync(file, spinScenarioText(c));
    const r = timed(process.execPath, [runner, file, SPIN_PROP[c.prop], ...flags], dir);
    const j = JSON.parse(r.out) as {
      verdict: string;
      states: number;
      length: number | null;
      shortest: boolean | null;
    };
    return {
      seconds: r.seconds,
      mb: r.mb,
      violated: j.verdict === 'violated',
      states: j.states,
      length: j.length,
      shortest: j.shortest,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export const exploreSuite: BenchSuite = {
  name: 'explore',
  description:
    "ptesim explore vs SPIN on the anchor's largest configurations (time-to-verdict and peak memory; ratio = ptesim/SPIN, target ≤ 1)",
  async run({ quick, log, against, rounds }) {
    if (against !== undefined)
      return exploreAgainst(quick ? QUICK : FULL, against, rounds ?? 3, root, log);
    const anchors = JSON.parse(
      readFileSync(join(root, 'tools', 'bench', 'spin', 'anchor.json'), 'utf8'),
    ) as Record<string, Anchor>;
    const spin = hasSpin();
    if (!spin)
      log(
        "  spin/gcc not found: SPIN figures are the anchor's recorded ones (apt-get install spin to run it here)",
      );
    const figures: Figure[] = [];
    for (const c of quick ? QUICK : FULL) {
      const name = spinName(c);
      const expectViolation = spinExpected(c);
      const p = runPtesim(c);
      let s: { seconds: number; mb: number; stored: number; how: string };
      if (spin) {
        const r = runSpin(c, expectViolation);
        s = {
          seconds: r.seconds,
          mb: r.mb,
          stored: r.stored,
          how: expectViolation ? 'spin BFS (shortest trail), run here' : 'spin DFS, run here',
        };
      } else {
        const a = anchors[name];
        const src = expectViolation ? a?.bfs : a;
        s = {
          seconds: src?.wall ?? NaN,
          mb: src?.mem_mb ?? NaN,
          stored: src?.stored ?? NaN,
          how: 'anchor figures',
        };
      }
      const verdictOk = p.violated === expectViolation;
      log(
        `  ${name}: ptesim ${p.violated ? `violated (${p.length} steps${p.shortest ? ', shortest' : ''})` : 'holds'} ${p.states.toLocaleString('en')} states ${p.seconds.toFixed(2)} s ${p.mb.toFixed(0)} MB` +
          ` | SPIN ${s.stored.toLocaleString('en')} states ${s.seconds.toFixed(2)} s ${s.mb.toFixed(0)} MB (${s.how})${verdictOk ? '' : '  VERDICT MISMATCH'}`,
      );
      figures.push(
        {
          name: `${name} time ratio`,
          value: p.seconds / s.seconds,
          unit: 'x',
          target: { value: 1, atLeast: false },
          note: `${p.seconds.toFixed(2)} s vs ${s.seconds.toFixed(2)} s`,
        },
        {
          name: `${name} memory ratio`,
          value: p.mb / s.mb,
          unit: 'x',
          target: { value: 1, atLeast: false },
          note: `${p.mb.toFixed(0)} MB vs ${s.mb.toFixed(0)} MB`,
        },
        {
          name: `${name} verdict matches`,
          value: verdictOk ? 1 : 0,
          unit: 'bool',
          target: { value: 1, atLeast: true },
        },
      );
    }
    if (spin) figures.push(...likeForLike(quick ? QUICK : FULL, log));
    figures.push(...shootdownOrderGrowth(quick ? QUICK : ORDER, log));
    return figures;
  },
};

/**
 * The comparisons that separate what reduction and hashing buy (run only with SPIN here):
 * "verdict only" (ptesim's search without minimisation vs SPIN's DFS, no -DBFS) for the violated
 * configurations; on the first holding one, ptesim `--exact` (full keys) vs SPIN's exact state
 * store, and ptesim's 64-bit fingerprints vs SPIN's `-DHC4` hash compaction.
 */
/**
 * Configurations measured under per-CPU shootdowns: the wrprotect ones of the largest size take
 * minutes there (no symmetry over writers without atomic flushes), so only their 1-page forms.
 */
const ORDER: SpinConfig[] = [...QUICK.slice(0, 2), C('clean', 'MERGED', 'A', 'DATA')];

/**
 * T8: what the recorded shootdown order costs. The SPIN configurations flush in one atomic
 * step (as SPIN's model does), so the choice never arises there and their counts stay as they
 * were. Here the same configurations run with `flush: per-cpu` (each IPI its own step), once
 * with the old fixed order (`shootdownOrder: ascending`) and once with the order a choice
 * (`any`, the default): states stored by an exhaustive DFS of one property, in this process.
 */
function shootdownOrderGrowth(
  configs: readonly SpinConfig[],
  log: (line: string) => void,
): Figure[] {
  const out: Figure[] = [];
  for (const c of configs) {
    const states = (order: 'any' | 'ascending'): { states: number; verdict: string } => {
      const base = spinScenario(c);
      const scenario = {
        ...base,
        options: { ...base.options, flush: 'per-cpu' as const, shootdownOrder: order },
      };
      const r = explore(makeModel(scenario), { properties: [getProperty(SPIN_PROP[c.prop])] });
      return { states: r.stats.states, verdict: r.verdict };
    };
    const asc = states('ascending');
    const any = states('any');
    log(
      `  ${spinName(c)} flush per-cpu: ascending ${asc.states.toLocaleString('en')} states (${asc.verdict}), any order ${any.states.toLocaleString('en')} states (${any.verdict})`,
    );
    out.push({
      name: `${spinName(c)} per-cpu states, any order / ascending`,
      value: any.states / asc.states,
      unit: 'x',
      note: `${any.states} vs ${asc.states} states; verdict ${any.verdict} / ${asc.verdict}`,
    });
  }
  return out;
}

function likeForLike(configs: readonly SpinConfig[], log: (line: string) => void): Figure[] {
  const out: Figure[] = [];
  const pair = (
    name: string,
    p: { seconds: number; mb: number },
    s: { seconds: number; mb: number },
    what: string,
  ): void => {
    log(
      `  ${name}: ptesim ${p.seconds.toFixed(2)} s ${p.mb.toFixed(0)} MB | SPIN ${s.seconds.toFixed(2)} s ${s.mb.toFixed(0)} MB (${what})`,
    );
    out.push({
      name,
      value: p.seconds / s.seconds,
      unit: 'x',
      note: `${p.seconds.toFixed(2)} s vs ${s.seconds.toFixed(2)} s; memory ${p.mb.toFixed(0)} vs ${s.mb.toFixed(0)} MB (${what})`,
    });
  };
  for (const c of configs.filter(spinExpected))
    pair(
      `${spinName(c)} verdict only`,
      runPtesim(c, ['--no-minimise']),
      runSpin(c, false),
      'ptesim search, no minimisation, vs SPIN DFS',
    );
  const h = configs.find((c) => !spinExpected(c));
  if (h) {
    pair(
      `${spinName(h)} exact stores`,
      runPtesim(h, ['--exact']),
      runSpin(h, false),
      'ptesim --exact vs SPIN exact',
    );
    pair(
      `${spinName(h)} hash compaction`,
      runPtesim(h),
      runSpin(h, false, ['-DHC4']),
      'ptesim fingerprints vs SPIN -DHC4',
    );
  }
  return out;
}
