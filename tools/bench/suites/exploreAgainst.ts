import { isAbsolute, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Figure } from '../types.js';
import { SPIN_PROP, spinExpected, spinName, type SpinConfig } from '../spin/config.js';

/** What the A/B run needs from one build: its library and its SPIN configurations. */
interface Build {
  readonly label: string;
  readonly lib: typeof import('../../../src/index.js');
  readonly cfg: typeof import('../spin/config.js');
}

async function load(root: string, label: string): Promise<Build> {
  const at = (rel: string): string => pathToFileURL(join(root, 'dist', rel)).href;
  return {
    label,
    lib: (await import(at('src/index.js'))) as Build['lib'],
    cfg: (await import(at('tools/bench/spin/config.js'))) as Build['cfg'],
  };
}

/** A round in which one build's CPU on one configuration jumped (see {@link cpuJumps}). */
export interface CpuJump {
  /** The round, counted from 0. */
  readonly round: number;
  /** Its CPU seconds. */
  readonly cpu: number;
  /** The median CPU seconds of the rounds before it. */
  readonly median: number;
}

/** How much more CPU than its own earlier rounds' median makes a round suspect. */
export const JUMP_FACTOR = 1.5;
/** Rounds shorter than this (CPU seconds) are never flagged: that short, it is jitter. */
export const JUMP_MIN_SECONDS = 0.25;

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const h = s.length >> 1;
  return s.length % 2 === 1 ? (s[h] as number) : ((s[h - 1] as number) + (s[h] as number)) / 2;
}

/**
 * The rounds whose CPU is more than `factor` times the median of the same build's earlier
 * rounds on the same configuration (`cpu`: seconds per round, in order; the first round has
 * nothing to compare with). The in-process A/B has been seen to go pathological, one build
 * taking twice its usual CPU in every later round while fresh processes showed nothing of it:
 * the ratios of such a run are not the builds'.
 */
export function cpuJumps(
  cpu: readonly number[],
  factor = JUMP_FACTOR,
  minSeconds = JUMP_MIN_SECONDS,
): CpuJump[] {
  const out: CpuJump[] = [];
  for (let r = 1; r < cpu.length; r++) {
    const s = cpu[r] as number;
    const m = median(cpu.slice(0, r));
    if (s >= minSeconds && s > factor * m) out.push({ round: r, cpu: s, median: m });
  }
  return out;
}

/**
 * `--suite explore --against DIR [--rounds N]`: this build and the build in DIR (a checkout
 * with its own `npm ci && npm run build` done, e.g. a worktree of an older commit; not a copy
 * of dist/ sharing this checkout's node_modules: two builds loading one instance of a
 * dependency were seen to slow one of them twofold) explore the same
 * holding configurations (DFS, POR and symmetry, one property) in this one process, in turns,
 * `rounds` times each; CPU time by `process.cpuUsage`. Ratios measured in one run are what
 * the project compares; separate processes on a shared machine are not. States, transitions
 * and verdicts of both builds are printed, and a difference is a figure that fails. A round in
 * which a build's CPU jumps against its own earlier rounds ({@link cpuJumps}) is warned about
 * as it happens and in that configuration's figure note. The bench's entry
 * (tools/bench/main.ts) has checked that DIR holds a build.
 */
export async function exploreAgainst(
  configs: readonly SpinConfig[],
  dir: string,
  rounds: number,
  here: string,
  log: (line: string) => void,
): Promise<Figure[]> {
  const other = isAbsolute(dir) ? dir : resolve(dir);
  const builds = [await load(other, 'against'), await load(here, 'this')];
  const holding = configs.filter((c) => !spinExpected(c));
  const cpu = new Map<string, number[]>();
  const seen = new Map<string, string>();
  const figures: Figure[] = [];
  const warnings = new Map<string, string[]>();
  let differs = 0;
  for (let r = 0; r < rounds; r++)
    for (const c of holding)
      // Each build goes first in every other round (the first run of a round can be slowed).
      for (const b of r % 2 === 0 ? builds : [...builds].reverse()) {
        const model = b.lib.makeModel(b.cfg.spinScenario(c));
        const properties = [b.lib.getProperty(SPIN_PROP[c.prop])];
        const t0 = process.cpuUsage();
        const res = b.lib.explore(model, { properties, strategy: 'dfs' });
        const u = process.cpuUsage(t0);
        const s = (u.user + u.system) / 1e6;
        const key = `${spinName(c)} ${b.label}`;
        const times = [...(cpu.get(key) ?? []), s];
        cpu.set(key, times);
        const what = `${res.verdict}, ${res.stats.states} states, ${res.stats.transitions} transitions`;
        const before = seen.get(spinName(c));
        if (before !== undefined && before !== what) differs++;
        seen.set(spinName(c), what);
        log(`  round ${r + 1} ${spinName(c)} ${b.label.padEnd(7)} ${what}, CPU ${s.toFixed(2)} s`);
        const jump = cpuJumps(times).find((j) => j.round === r);
        if (jump !== undefined) {
          const w =
            `round ${r + 1}: ${b.label} took ${(jump.cpu / jump.median).toFixed(2)}x the median ` +
            `CPU of its earlier rounds (${jump.cpu.toFixed(2)} s vs ${jump.median.toFixed(2)} s)`;
          log(
            `  WARNING ${spinName(c)} ${w}: this process may have gone pathological, ` +
              `check the ratios against fresh processes`,
          );
          warnings.set(spinName(c), [...(warnings.get(spinName(c)) ?? []), w]);
        }
      }
  for (const c of holding) {
    const sum = (label: string): number =>
      (cpu.get(`${spinName(c)} ${label}`) ?? []).reduce((a, b) => a + b, 0);
    const mine = sum('this');
    const theirs = sum('against');
    figures.push({
      name: `${spinName(c)} CPU this / against`,
      value: mine / theirs,
      unit: 'x',
      note:
        `${mine.toFixed(2)} s vs ${theirs.toFixed(2)} s CPU over ${rounds} rounds; ${seen.get(spinName(c))}` +
        (warnings.get(spinName(c)) ?? []).map((w) => `; WARNING ${w}`).join(''),
    });
  }
  figures.push({
    name: 'same states and verdicts',
    value: differs === 0 ? 1 : 0,
    unit: 'bool',
    target: { value: 1, atLeast: true },
  });
  return figures;
}
