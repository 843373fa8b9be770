import { parseScenarioText, type Scenario } from '../../../src/index.js';

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
  '-DNWRITES=2',
  '-DPROTO=0',
  '-DDIRTY0=0',
  `-DMODE=${c.mode === 'wrprotect' ? 0 : 1}`,
  `-DVARIANT=${{ V4: 0, MERGED: 1, NAIVE: 2 }[c.variant]}`,
  `-DARCH=${c.arch === 'A' ? 0 : 1}`,
  `-DNCALLERS=${c.callers}`,
  `-DNPAGES=${c.pages}`,
  `-DNCPUS=${c.cpus}`,
  `-DPROP=${{ DATA: 1, WPPOST: 2, DIRTY: 3 }[c.prop]}`,
];

/** The config's name in the anchor's results (e.g. wrprotect_V4_archA_c2_n2_k2_d0_snap_DATA). */
export const spinName = (c: SpinConfig): string =>
  `${c.mode}_${c.variant}_arch${c.arch}_c${c.callers}_n${c.pages}_k${c.cpus}_d0_${c.mode === 'wrprotect' ? 'snap' : 'clean'}_${c.prop}`;

/** The scenario, built as scenario text and parsed (so every default of the format applies). */
export function spinScenario(c: SpinConfig): Scenario {
  return parseScenarioText(spinScenarioText(c), `spin config ${spinName(c)}`);
}

/** The scenario file text (JSON, which the YAML scenario parser reads). */
export function spinScenarioText(c: SpinConfig): string {
  const protocol = c.mode === 'wrprotect' ? 'snap' : 'clean';
  const threads: Record<string, unknown>[] = [];
  for (let cpu = 0; cpu < c.cpus; cpu++)
    threads.push({ kind: 'user', name: `writer${cpu}`, cpu, writes: 2 });
  for (let i = 0; i < c.callers; i++)
    threads.push({ kind: 'caller', name: `caller${i}`, cpu: i % c.cpus, protocol });
  threads.push({ kind: 'drain', name: 'drain', cpu: 0, protocol });
  const input = {
    name: `spin-${spinName(c)}`,
    description: `SPIN anchor configuration ${spinName(c)}`,
    arch: SPIN_ARCH[c.arch],
    variant: SPIN_VARIANT[c.variant],
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
    initialPte: 'writable-clean',
    driver: {
      mode: c.mode === 'wrprotect' ? 'mkwrite' : 'pagetable',
      initialBitmap: c.mode === 'wrprotect' ? 'all' : 'none',
    },
    threads,
  };
  return JSON.stringify(input, null, 1);
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

/**
 * The anchor's verdicts (README "Main matrix"): true = violated. V4 with 2 wrprotect callers
 * breaks DATA and WPPOST on both archs; NAIVE breaks DIRTY on arch A; everything else holds.
 */
export function spinExpected(c: SpinConfig): boolean {
  if (c.mode === 'clean') return false;
  if (c.prop === 'DIRTY') return c.variant === 'NAIVE' && c.arch === 'A';
  return c.variant === 'V4' && c.callers === 2;
}
