import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseScenarioText, type Scenario } from '../../../src/index.js';
import { packageRoot } from '../../scenarios.js';

/**
 * The SPIN anchor's configurations (`dirty.pml`, see README.md beside it) as ptesim scenarios
 * in the SPIN-equivalent setting: `faultPath: atomic` (SPIN's fault handler is one step under
 * the PTL), `flush: atomic` (one step over all CPUs), protocol `snap` in wrprotect mode and
 * `clean` in clean mode, one writer per CPU with 2 writes, NCALLERS callers plus one drain,
 * pages starting writable and clean, every bitmap bit set in wrprotect mode.
 */
export interface SpinConfig {
  readonly mode: 'wrprotect' | 'clean';
  /** SPIN VARIANT: V4 = seed-v4, MERGED = upstream, NAIVE = naive-rmw. */
  readonly variant: 'V4' | 'MERGED' | 'NAIVE';
  /** SPIN arch A = x86-64, B = arm64-nodbm (software dirty). */
  readonly arch: 'A' | 'B';
  readonly callers: 1 | 2;
  readonly pages: 1 | 2;
  readonly cpus: 1 | 2;
  /** DATA = lost-write, WPPOST = wrprotect-post, DIRTY = dirty-bit-lost. */
  readonly prop: 'DATA' | 'WPPOST' | 'DIRTY';
  /** DIRTY0: pages start dirty (default false). */
  readonly dirty0?: boolean;
  /** PROTO: wrprotect-mode driver protocol, SNAP (default) or the literal brief LIT. */
  readonly proto?: 'snap' | 'lit';
  /** NOFLUSH: the sanity mutant without any TLB flush (ptesim's test-only variant). */
  readonly noflush?: boolean;
  /** NWRITES: writes per writer (default 2; the scale suite raises it). */
  readonly writes?: number;
}

export const SPIN_VARIANT = { V4: 'seed-v4', MERGED: 'upstream', NAIVE: 'naive-rmw' } as const;
export const SPIN_ARCH = { A: 'x86-64', B: 'arm64-nodbm' } as const;
export const SPIN_PROP = {
  DATA: 'lost-write',
  WPPOST: 'wrprotect-post',
  DIRTY: 'dirty-bit-lost',
} as const;
/** dirty.pml's -D values for a config. */
export const spinDefines = (c: SpinConfig): string[] => [
  `-DNWRITES=${c.writes ?? 2}`,
  `-DPROTO=${c.proto === 'lit' ? 1 : 0}`,
  `-DDIRTY0=${c.dirty0 === true ? 1 : 0}`,
  ...(c.noflush === true ? ['-DNOFLUSH=1'] : []),
  `-DMODE=${c.mode === 'wrprotect' ? 0 : 1}`,
  `-DVARIANT=${{ V4: 0, MERGED: 1, NAIVE: 2 }[c.variant]}`,
  `-DARCH=${c.arch === 'A' ? 0 : 1}`,
  `-DNCALLERS=${c.callers}`,
  `-DNPAGES=${c.pages}`,
  `-DNCPUS=${c.cpus}`,
  `-DPROP=${{ DATA: 1, WPPOST: 2, DIRTY: 3 }[c.prop]}`,
];

/**
 * The config's name in the anchor's results (e.g. wrprotect_V4_archA_c2_n2_k2_d0_snap_DATA,
 * clean_MERGED_archB_c1_n1_k2_d1_snap_DATA, wrprotect_V4_archA_c1_n1_k1_d0_snap_noflush_WPPOST).
 * The anchor names the protocol `snap` in clean mode too (PROTO=0).
 */
export const spinName = (c: SpinConfig): string =>
  `${c.mode}_${c.variant}_arch${c.arch}_c${c.callers}_n${c.pages}_k${c.cpus}_d${c.dirty0 === true ? 1 : 0}_${c.proto ?? 'snap'}${c.noflush === true ? '_noflush' : ''}_${c.prop}`;

/** ptesim's variant for a config: the NOFLUSH mutant is the test-only no-flush variant. */
export const spinVariant = (c: SpinConfig): string =>
  c.noflush === true ? '__test-no-flush' : SPIN_VARIANT[c.variant];

/** The scenario, built as scenario text and parsed (so every default of the format applies). */
export function spinScenario(c: SpinConfig): Scenario {
  return parseScenarioText(spinScenarioText(c), `spin config ${spinName(c)}`);
}

/** The scenario file text (JSON, which the YAML scenario parser reads). */
export function spinScenarioText(c: SpinConfig): string {
  const protocol = c.mode === 'wrprotect' ? (c.proto ?? 'snap') : 'clean';
  const threads: Record<string, unknown>[] = [];
  for (let cpu = 0; cpu < c.cpus; cpu++)
    threads.push({ kind: 'user', name: `writer${cpu}`, cpu, writes: c.writes ?? 2 });
  for (let i = 0; i < c.callers; i++)
    threads.push({ kind: 'caller', name: `caller${i}`, cpu: i % c.cpus, protocol });
  threads.push({ kind: 'drain', name: 'drain', cpu: 0, protocol });
  const input = {
    name: `spin-${spinName(c)}`,
    description: `SPIN anchor configuration ${spinName(c)}`,
    arch: SPIN_ARCH[c.arch],
    variant: spinVariant(c),
    options: { faultPath: 'atomic', flush: 'atomic', tlbCapacity: 4, ptesPerTable: 512 },
    pages: c.pages,
    cpus: c.cpus,
    mms: [
      {
        vmas: [
          {
            start: 0,
            pgoff: 0,
            npages: c.pages,
            flags: ['shared', 'write', 'maywrite', 'io', 'pfnmap'],
          },
        ],
      },
    ],
    initialPte: c.dirty0 === true ? 'writable-dirty' : 'writable-clean',
    driver: {
      mode: c.mode === 'wrprotect' ? 'mkwrite' : 'pagetable',
      initialBitmap: c.mode === 'wrprotect' ? 'all' : 'none',
    },
    threads,
  };
  return JSON.stringify(input, null, 1);
}

/** Issue 15's scale configurations: c callers, n pages, k CPUs, w writes per writer. */
export interface ScaleSize {
  readonly c: number;
  readonly n: number;
  readonly k: number;
  readonly w: number;
}

/**
 * A scale configuration as a SPIN configuration (lost-write, merged helpers, x86-64). The
 * anchor's own matrix stops at 2 of each; the scale suites go past it, hence the cast.
 */
export const scaleConfig = (s: ScaleSize): SpinConfig =>
  ({
    mode: 'wrprotect',
    variant: 'MERGED',
    arch: 'A',
    callers: s.c,
    pages: s.n,
    cpus: s.k,
    prop: 'DATA',
    writes: s.w,
  }) as unknown as SpinConfig;

/** Its name in the suites' output: `c2 n2 k2 w3`. */
export const scaleLabel = (s: ScaleSize): string => `c${s.c} n${s.n} k${s.k} w${s.w}`;

/** Its scenario file text, named with its writes too (spinName leaves them out). */
export function scaleScenarioText(s: ScaleSize): string {
  const j = JSON.parse(spinScenarioText(scaleConfig(s))) as { name: string };
  j.name = `${j.name}_w${s.w}`;
  return JSON.stringify(j, null, 1);
}

/** Every configuration of the anchor's main matrix, in its table order. */
export function spinMainMatrix(): SpinConfig[] {
  const out: SpinConfig[] = [];
  for (const mode of ['wrprotect', 'clean'] as const)
    for (const variant of ['V4', 'MERGED', 'NAIVE'] as const)
      for (const arch of ['A', 'B'] as const)
        for (const callers of [1, 2] as const)
          for (const [pages, cpus] of [
            [1, 1],
            [1, 2],
            [2, 1],
            [2, 2],
          ] as const)
            for (const prop of mode === 'wrprotect'
              ? (['DATA', 'WPPOST', 'DIRTY'] as const)
              : (['DATA'] as const))
              out.push({ mode, variant, arch, callers, pages, cpus, prop });
  return out;
}

/** One configuration of the anchor's published results and SPIN's verdict for it. */
export interface SpinResult {
  readonly config: SpinConfig;
  /** The anchor's row group: main, dirty0 (pages start dirty), lit, noflush. */
  readonly group: 'main' | 'dirty0' | 'lit' | 'noflush';
  readonly verdict: 'holds' | 'violated';
}

interface FixtureRow extends Required<SpinConfig> {
  readonly name: string;
  readonly group: SpinResult['group'];
  readonly verdict: SpinResult['verdict'];
}

let results: readonly SpinResult[] | null = null;

/**
 * Every configuration of the anchor's tables with SPIN's verdict, from the copy of its published
 * results in test/fixtures/spin-results.json (facts, not a rule restated here). The config's
 * name is checked against the anchor's so the two cannot drift apart.
 */
export function spinResults(): readonly SpinResult[] {
  if (results !== null) return results;
  const file = join(packageRoot(), 'test', 'fixtures', 'spin-results.json');
  const rows = (JSON.parse(readFileSync(file, 'utf8')) as { configurations: FixtureRow[] })
    .configurations;
  results = rows.map((r) => {
    const config: SpinConfig = {
      mode: r.mode,
      variant: r.variant,
      arch: r.arch,
      callers: r.callers,
      pages: r.pages,
      cpus: r.cpus,
      prop: r.prop,
      ...(r.dirty0 && { dirty0: true }),
      ...(r.proto === 'lit' && { proto: 'lit' as const }),
      ...(r.noflush && { noflush: true }),
    };
    if (spinName(config) !== r.name)
      throw new Error(`spin-results.json: ${r.name} reads back as ${spinName(config)}`);
    return { config, group: r.group, verdict: r.verdict };
  });
  return results;
}

/** SPIN's verdict for a configuration (true = violated); throws for one the anchor never ran. */
export function spinExpected(c: SpinConfig): boolean {
  const name = spinName(c);
  const r = spinResults().find((x) => spinName(x.config) === name);
  if (r === undefined) throw new Error(`the SPIN anchor has no result for ${name}`);
  return r.verdict === 'violated';
}
