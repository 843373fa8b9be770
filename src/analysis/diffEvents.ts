import type { SimEvent } from '../events/index.js';
import { EVENT_FIELDS } from '../events/schema.js';

/**
 * Canonical text of an event: its type, then its fields in the schema's order, so events built
 * by decide() and events decoded from a log compare equal whatever their key order. `aliases`
 * renames `fn` values first (the seed patch's apply_as_wrprotect and upstream's
 * wp_shared_mapping_range are the same routine for a diff across variants).
 */
export function eventKey(e: SimEvent, aliases?: Readonly<Record<string, string>>): string {
  const fields = EVENT_FIELDS[e.type];
  const r = e as unknown as Record<string, unknown>;
  let s = e.type;
  for (const f of Object.keys(fields)) {
    const v = r[f];
    s += ` ${f}=${JSON.stringify(f === 'fn' && typeof v === 'string' ? (aliases?.[v] ?? v) : v)}`;
  }
  return s;
}

/** One line of an aligned diff: kept (' '), only in A ('-'), only in B ('+'). */
export interface DiffLine {
  readonly op: ' ' | '-' | '+';
  /** Event index in A (for ' ' and '-'), else null. */
  readonly indexA: number | null;
  /** Event index in B (for ' ' and '+'), else null. */
  readonly indexB: number | null;
}

/** A run of changes with up to `context` kept lines around it, like a `diff -u` hunk. */
export interface DiffHunk {
  readonly startA: number;
  readonly countA: number;
  readonly startB: number;
  readonly countB: number;
  readonly lines: readonly DiffLine[];
}

/**
 * Shortest edit script between two key sequences (Myers' O((N+M)·D) algorithm after trimming
 * the common prefix and suffix). When more than `maxEdits` edits would be needed the middle is
 * reported as one block removed from A and added to B, so a huge diff stays cheap.
 */
export function alignKeys(a: readonly string[], b: readonly string[], maxEdits = 4000): DiffLine[] {
  let pre = 0;
  while (pre < a.length && pre < b.length && a[pre] === b[pre]) pre++;
  let suf = 0;
  while (
    suf < a.length - pre &&
    suf < b.length - pre &&
    a[a.length - 1 - suf] === b[b.length - 1 - suf]
  )
    suf++;
  const out: DiffLine[] = [];
  for (let i = 0; i < pre; i++) out.push({ op: ' ', indexA: i, indexB: i });
  const midA = a.slice(pre, a.length - suf);
  const midB = b.slice(pre, b.length - suf);
  for (const l of myers(midA, midB, maxEdits))
    out.push({
      op: l.op,
      indexA: l.indexA === null ? null : l.indexA + pre,
      indexB: l.indexB === null ? null : l.indexB + pre,
    });
  for (let i = 0; i < suf; i++)
    out.push({ op: ' ', indexA: a.length - suf + i, indexB: b.length - suf + i });
  return out;
}

function myers(a: readonly string[], b: readonly string[], maxEdits: number): DiffLine[] {
  const n = a.length;
  const m = b.length;
  const max = Math.min(n + m, maxEdits);
  const off = max + 1;
  let v = new Int32Array(2 * max + 3);
  const trace: Int32Array[] = [];
  let found = -1;
  for (let d = 0; d <= max && found < 0; d++) {
    trace.push(v.slice());
    const next = v.slice();
    for (let k = -d; k <= d; k += 2) {
      let x =
        k === -d || (k !== d && (v[off + k - 1] ?? 0) < (v[off + k + 1] ?? 0))
          ? (v[off + k + 1] ?? 0)
          : (v[off + k - 1] ?? 0) + 1;
      let y = x - k;
      while (x < n && y < m && a[x] === b[y]) {
        x++;
        y++;
      }
      next[off + k] = x;
      if (x >= n && y >= m) {
        found = d;
        break;
      }
    }
    v = next;
  }
  if (found < 0) {
    const out: DiffLine[] = [];
    for (let i = 0; i < n; i++) out.push({ op: '-', indexA: i, indexB: null });
    for (let j = 0; j < m; j++) out.push({ op: '+', indexA: null, indexB: j });
    return out;
  }
  // Backtrack through the saved frontiers.
  const rev: DiffLine[] = [];
  let x = n;
  let y = m;
  for (let d = found; d > 0; d--) {
    const vd = trace[d] as Int32Array;
    const k = x - y;
    const down = k === -d || (k !== d && (vd[off + k - 1] ?? 0) < (vd[off + k + 1] ?? 0));
    const pk = down ? k + 1 : k - 1;
    const px = vd[off + pk] ?? 0;
    const py = px - pk;
    while (x > (down ? px : px + 1) && y > (down ? py + 1 : py)) {
      x--;
      y--;
      rev.push({ op: ' ', indexA: x, indexB: y });
    }
    if (down) {
      y--;
      rev.push({ op: '+', indexA: null, indexB: y });
    } else {
      x--;
      rev.push({ op: '-', indexA: x, indexB: null });
    }
  }
  while (x > 0 && y > 0) {
    x--;
    y--;
    rev.push({ op: ' ', indexA: x, indexB: y });
  }
  return rev.reverse();
}

/** Group an alignment into hunks with `context` kept lines on each side. */
export function toHunks(lines: readonly DiffLine[], context = 3): DiffHunk[] {
  const hunks: DiffHunk[] = [];
  let i = 0;
  while (i < lines.length) {
    while (i < lines.length && lines[i]?.op === ' ') i++;
    if (i >= lines.length) break;
    const start = Math.max(0, i - context);
    let end = i;
    // Extend while the next change is within 2*context kept lines.
    for (;;) {
      while (end < lines.length && lines[end]?.op !== ' ') end++;
      let k = end;
      while (k < lines.length && lines[k]?.op === ' ' && k - end < 2 * context) k++;
      if (k < lines.length && lines[k]?.op !== ' ') end = k;
      else break;
    }
    const stop = Math.min(lines.length, end + context);
    const slice = lines.slice(start, stop);
    const firstA = slice.find((l) => l.indexA !== null)?.indexA ?? 0;
    const firstB = slice.find((l) => l.indexB !== null)?.indexB ?? 0;
    hunks.push({
      startA: firstA,
      countA: slice.filter((l) => l.op !== '+').length,
      startB: firstB,
      countB: slice.filter((l) => l.op !== '-').length,
      lines: slice,
    });
    i = stop;
  }
  return hunks;
}
