import type { ArchModel } from '../arch/types.js';
import { ptePfn } from '../state/pte.js';
import type { Layout } from '../state/layout.js';
import type { SimState } from '../state/types.js';
import { stateItems, undescribedRoots, type ViewNames } from '../state/view.js';
import { STATE_SCHEMA, type Part } from '../state/schema.js';

/** One differing location of two states: a readable path and each side's value. */
export interface StateChange {
  /** e.g. `mm0.pte[vpn 1]`, `cpu1.tlb[mm 0 vpn 1]`, `bitmap0[3]`, `lock ptl[mm0:0].owner`. */
  readonly path: string;
  readonly a: string;
  readonly b: string;
}

interface Side {
  readonly state: SimState;
  readonly arch: ArchModel;
  readonly layout: Layout;
}

/** Names for one side's items: its arch's PTE format, the layout's lock names. */
function namesOf(side: Side): ViewNames {
  return {
    formatPte: (pte) => side.arch.formatPte(pte),
    threadName: (t) => `t${t}`,
    lockName: (l) => side.layout.lockNames[l] ?? String(l),
  };
}

/** What the kernel sees of a PTE (pte_write, pte_dirty, hardware-writable, pfn). */
function pteMeaning(arch: ArchModel, pte: number): string {
  return pte === 0
    ? 'none'
    : `pfn=${ptePfn(pte)} write=${arch.pteWrite(pte) ? 1 : 0} dirty=${arch.pteDirty(pte) ? 1 : 0} hw-writable=${arch.hwWritable(pte) ? 1 : 0}`;
}

/**
 * The differences between two states, only at the paths that differ, named the way a kernel
 * developer reads them (the state schema's labels, src/state/schema.ts): PTEs decoded by each
 * side's arch (both archs' bit names when they differ), TLB entries keyed by (mm, vpn), bitmap
 * bits, locks by name, thread positions. Root fields the schema does not describe are compared
 * generically by dotted path.
 */
export function diffStates(
  a: Side,
  b: Side,
  schema: readonly Part[] = STATE_SCHEMA,
): StateChange[] {
  const out: StateChange[] = [];
  const push = (path: string, x: string, y: string): void => {
    if (x !== y) out.push({ path, a: x, b: y });
  };
  const ia = stateItems(a.state, namesOf(a), schema);
  const ib = new Map(stateItems(b.state, namesOf(b), schema).map((x) => [x.path, x]));
  const sameArch = a.arch.name === b.arch.name;
  const seen = new Set<string>();
  for (const x of ia) {
    seen.add(x.path);
    const y = ib.get(x.path);
    if (x.pte !== undefined && y?.pte !== undefined) {
      // Across archs raw encodings always differ: compare what the kernel sees; within one
      // arch compare the bits.
      const differs = sameArch
        ? x.pte !== y.pte
        : pteMeaning(a.arch, x.pte) !== pteMeaning(b.arch, y.pte);
      if (differs)
        push(
          x.path,
          `${x.text} [${pteMeaning(a.arch, x.pte)}]`,
          `${y.text} [${pteMeaning(b.arch, y.pte)}]`,
        );
      continue;
    }
    push(x.path, x.text, y?.text ?? 'absent');
  }
  for (const [path, y] of ib) if (!seen.has(path)) push(path, 'absent', y.text);
  // Everything else (fields the schema does not describe): generic dotted paths.
  const ra = a.state as unknown as Record<string, unknown>;
  const rb = b.state as unknown as Record<string, unknown>;
  for (const k of new Set([
    ...undescribedRoots(a.state, schema),
    ...undescribedRoots(b.state, schema),
  ]))
    genericDiff(k, ra[k], rb[k], push);
  return out;
}

function genericDiff(
  path: string,
  x: unknown,
  y: unknown,
  push: (p: string, a: string, b: string) => void,
): void {
  if (typeof x === 'object' && x !== null && typeof y === 'object' && y !== null) {
    const kx = Object.keys(x);
    const ky = Object.keys(y);
    for (const k of new Set([...kx, ...ky]))
      genericDiff(
        Array.isArray(x) ? `${path}[${k}]` : `${path}.${k}`,
        (x as Record<string, unknown>)[k],
        (y as Record<string, unknown>)[k],
        push,
      );
    return;
  }
  push(path, JSON.stringify(x) ?? '-', JSON.stringify(y) ?? '-');
}
