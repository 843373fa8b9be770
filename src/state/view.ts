import { STATE_SCHEMA, type Field, type IdKind, type Part, type Shape } from './schema.js';
import type { SimState } from './types.js';

/** What naming a state's values needs from the run (the scenario's names, the arch's PTEs). */
export interface ViewNames {
  formatPte(pte: number): string;
  threadName(tid: number): string;
  lockName(lock: number): string;
}

/** One named value of a state: the diff compares these, the views print them. */
export interface StateItem {
  readonly part: Part;
  /** Index of the element within its part (-1 for a one-value part). */
  readonly index: number;
  /** e.g. `mm0.pte[vpn 1]`, `cpu1.tlb[mm 0 vpn 1]`, `bitmap0[3]`, `lock ptl[mm0:0].owner`. */
  readonly path: string;
  readonly text: string;
  /** The raw PTE, for fields shown as `pte` (the diff compares meanings across archs). */
  readonly pte?: number;
}

function idText(x: number, id: IdKind, names: ViewNames): string {
  if (id === 'tid') return x >= 0 ? names.threadName(x) : 'none';
  const out: string[] = [];
  for (let t = 0; t < 31; t++) if (x & (1 << t)) out.push(names.threadName(t));
  return out.length > 0 ? out.join(',') : 'none';
}

/** A compact text of a value of shape `s` (list elements joined; records as `k=v`). */
function valueText(s: Shape, v: unknown, names: ViewNames, show?: Field['show']): string {
  switch (s.t) {
    case 'int':
      return s.id !== undefined ? idText(v as number, s.id, names) : String(v);
    case 'str':
      return String(v);
    case 'ints':
    case 'locals':
      return (v as number[]).join(',');
    case 'list': {
      const xs = v as unknown[];
      if (show === 'frames')
        return (
          xs
            .map((x) => {
              const f = x as { fn: string; pc: number; l: number[] };
              return `${f.fn}@${f.pc}(${f.l.join(',')})`;
            })
            .join(' > ') || 'finished'
        );
      return xs.map((x) => valueText(s.of, x, names)).join('; ') || 'empty';
    }
    case 'record': {
      const o = v as Record<string, unknown>;
      return s.fields
        .map((f) => `${f.label ?? f.key}=${valueText(f.shape, o[f.key], names, f.show)}`)
        .join(' ');
    }
  }
}

/** Items of value `v` of shape `s` named `path`. */
function itemsOf(
  part: Part,
  index: number,
  path: string,
  s: Shape,
  v: unknown,
  names: ViewNames,
  out: StateItem[],
  field?: Field,
): void {
  if (s.t === 'record') {
    const o = v as Record<string, unknown>;
    for (const f of s.fields)
      itemsOf(part, index, `${path}.${f.label ?? f.key}`, f.shape, o[f.key], names, out, f);
    return;
  }
  if (s.t === 'ints') {
    const xs = v as number[];
    xs.forEach((x, i) => {
      const at = `${path}[${s.index !== undefined ? `${s.index} ${i}` : i}]`;
      if (field?.show === 'pte')
        out.push({ part, index, path: at, text: names.formatPte(x), pte: x });
      else
        out.push({
          part,
          index,
          path: at,
          text: s.id !== undefined ? idText(x, s.id, names) : String(x),
        });
    });
    return;
  }
  if (s.t === 'list' && s.keyBy !== undefined && s.of.t === 'record') {
    const keys = s.keyBy;
    const rest = s.of.fields.filter((f) => !keys.includes(f.key));
    for (const x of v as Record<string, unknown>[]) {
      const at = `${path}[${keys.map((k) => `${k} ${String(x[k])}`).join(' ')}]`;
      const text = rest
        .map((f) => `${f.label ?? f.key}=${valueText(f.shape, x[f.key], names)}`)
        .join(' ');
      out.push({ part, index, path: at, text });
    }
    return;
  }
  out.push({ part, index, path, text: valueText(s, v, names, field?.show) });
}

/** The name of element i of a per-index part (`mm0`, `cpu1`, `lock i_mmap_rwsem`). */
export function elementName(part: Part, i: number, names: ViewNames): string {
  if (part.per === 'lock') return `lock ${names.lockName(i)}`;
  return `${part.label ?? part.per ?? part.key}${i}`;
}

/**
 * Every value of `state` the schema describes, named for a reader (see {@link StateItem}).
 * Parts absent from this state (optional ones) give nothing; root fields the schema does not
 * describe are left to the caller.
 */
export function stateItems(
  state: SimState,
  names: ViewNames,
  schema: readonly Part[] = STATE_SCHEMA,
): StateItem[] {
  const root = state as unknown as Record<string, unknown>;
  const out: StateItem[] = [];
  for (const part of schema) {
    const v = root[part.key];
    if (v === undefined) continue;
    if (part.per === undefined) {
      itemsOf(part, -1, part.key, part.shape, v, names, out);
      continue;
    }
    (v as unknown[]).forEach((x, i) => {
      const base = elementName(part, i, names) + (part.path !== undefined ? `.${part.path}` : '');
      itemsOf(part, i, base, part.shape, x, names, out);
    });
  }
  return out;
}

/** Root fields of `state` the schema does not describe. */
export function undescribedRoots(
  state: SimState,
  schema: readonly Part[] = STATE_SCHEMA,
): string[] {
  return Object.keys(state).filter((k) => !schema.some((p) => p.key === k));
}
