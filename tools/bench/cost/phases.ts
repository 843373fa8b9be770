/**
 * Where one search worker's time and allocations go, by phase of a transition: a classifier of
 * V8 profile trees (the inspector's CPU profile, and its sampling heap profile with collected
 * objects kept) into the phases issue 15 §2 names. A sample belongs to the phase of the nearest
 * frame on its stack that marks one (decide, the copy-on-write successor, applying events,
 * property checks, the canonical fingerprint, the visited set, enabled steps and POR, the step
 * driver, the search loop), so code a marker calls (a kernel step machine under `decide`, a
 * checker under `Checks.feed`) counts with it, and so does code V8 inlined into it. Frames are
 * matched by the file they come from (its path under `src/`, in the build or the sources) and their function's
 * name; the explorer's state operations are compiled at run time from the state schema
 * (src/explore/stateOps.ts) and have no file, so they are matched by their generated names.
 */

export const PHASES = [
  'decide',
  'copy-on-write successor',
  'apply events',
  'property checks',
  'canonical fingerprint',
  'visited set',
  'enabled steps and POR',
  'step driver',
  'search loop',
  'garbage collector',
  'other',
] as const;

export type Phase = (typeof PHASES)[number];

/** A profile frame, as both of V8's profiles give it. */
export interface CallFrame {
  readonly functionName: string;
  readonly url: string;
}

/** Generated state operations (no file): name → phase. */
const GENERATED: readonly (readonly [RegExp, Phase])[] = [
  [/^(cloneTouched|planOf|clone|permute|c\d+)$/, 'copy-on-write successor'],
  [/^(hash|hashRenamed|hashPermuted|sigs|eh\d+|ch\d+|rn\d+)$/, 'canonical fingerprint'],
];

/** Files under src/ (without extension; a directory ends in '/') and the functions that mark a phase. */
const MARKERS: readonly (readonly [string, RegExp, Phase])[] = [
  ['sim/decide', /^decide$/, 'decide'],
  ['sim/decide', /^(stepOptions|allDone)$/, 'enabled steps and POR'],
  ['sim/step', /^enabledSteps$/, 'enabled steps and POR'],
  ['explore/localStep', /./, 'enabled steps and POR'],
  ['explore/transition', /^(ampleOf|transitionsOf)$/, 'enabled steps and POR'],
  ['explore/exhaustive', /^(successors|others|preOf)$/, 'enabled steps and POR'],
  ['explore/cloneTouched', /./, 'copy-on-write successor'],
  ['evolve/index', /^applyEvent$/, 'apply events'],
  ['check/', /./, 'property checks'],
  ['explore/stateHash64', /^(add|addTable|has|grow)$/, 'visited set'],
  ['explore/stateHash64', /./, 'canonical fingerprint'],
  ['explore/visited', /^(addLast|sameAs)$/, 'visited set'],
  ['explore/visited', /./, 'canonical fingerprint'],
  ['explore/symmetry', /./, 'canonical fingerprint'],
  ['explore/stateOps', /^(contentHash|sigId)$/, 'canonical fingerprint'],
  ['sim/step', /^(takeStep|emit)$/, 'step driver'],
  ['explore/transition', /^execute$/, 'step driver'],
  ['explore/exhaustive', /./, 'search loop'],
];

/**
 * Under the step driver, the files of a phase whose marker V8 may have inlined into the driver
 * (the heap profiler's stacks, unlike the CPU profiler's, leave inlined frames out): a kernel
 * step machine or an architecture's hook is decide's, an evolve recipe is applying events.
 */
const UNDER_DRIVER: readonly (readonly [string, Phase])[] = [
  ['kernel/', 'decide'],
  ['arch/', 'decide'],
  ['evolve/', 'apply events'],
];

/**
 * The phase `f` marks, or null when it runs on behalf of its caller; `inherited` is the phase
 * of its caller.
 */
export function markerOf(f: CallFrame, inherited: Phase = 'other'): Phase | null {
  if (f.functionName === '(garbage collector)') return 'garbage collector';
  if (f.url === '') {
    for (const [re, phase] of GENERATED) if (re.test(f.functionName)) return phase;
    return null;
  }
  const at = f.url.lastIndexOf('/src/');
  if (at < 0) return null;
  // Without its extension: the build's .js, or the .ts sources a test runs.
  const path = f.url.slice(at + 5).replace(/\.[jt]s$/, '');
  if (inherited === 'step driver')
    for (const [dir, phase] of UNDER_DRIVER) if (path.startsWith(dir)) return phase;
  for (const [file, re, phase] of MARKERS)
    if ((file.endsWith('/') ? path.startsWith(file) : path === file) && re.test(f.functionName))
      return phase;
  return null;
}

/** A node of either profile tree: the CPU profile's flat list, or the heap profile's tree. */
export interface ProfileNode {
  readonly id?: number;
  readonly callFrame: CallFrame;
  readonly children?: readonly (number | ProfileNode)[];
  /** Heap profile: bytes sampled at this node itself. */
  readonly selfSize?: number;
}

/** The inspector's CPU profile (Profiler.stop). */
export interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

/** Amounts per phase (every phase present, zero when nothing fell there). */
export type ByPhase = Record<Phase, number>;

const zero = (): ByPhase => Object.fromEntries(PHASES.map((p) => [p, 0])) as ByPhase;

/**
 * Microseconds of a CPU profile per phase: each sample's interval (the next sample's time
 * delta) goes to the phase of its node.
 */
export function cpuByPhase(p: CpuProfile): ByPhase {
  const byId = new Map<number, ProfileNode>();
  for (const n of p.nodes) byId.set(n.id as number, n);
  const phaseOf = new Map<number, Phase>();
  const visit = (id: number, inherited: Phase): void => {
    const n = byId.get(id);
    if (!n) return;
    const phase = markerOf(n.callFrame, inherited) ?? inherited;
    phaseOf.set(id, phase);
    for (const c of n.children ?? []) visit(c as number, phase);
  };
  const root = p.nodes[0];
  if (root) visit(root.id as number, 'other');
  const out = zero();
  for (let i = 0; i < p.samples.length; i++) {
    const dt = p.timeDeltas[i + 1] ?? 0;
    out[phaseOf.get(p.samples[i] as number) ?? 'other'] += dt;
  }
  return out;
}

/** Bytes of a sampling heap profile (HeapProfiler.stopSampling's `head`) per phase. */
export function allocByPhase(head: ProfileNode): ByPhase {
  const out = zero();
  const visit = (n: ProfileNode, inherited: Phase): void => {
    const phase = markerOf(n.callFrame, inherited) ?? inherited;
    out[phase] += n.selfSize ?? 0;
    for (const c of n.children ?? []) if (typeof c !== 'number') visit(c, phase);
  };
  visit(head, 'other');
  return out;
}

/** The sum over every phase. */
export const total = (b: ByPhase): number => PHASES.reduce((s, p) => s + b[p], 0);
