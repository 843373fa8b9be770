import { STEP_MACHINES } from './programs.js';

/**
 * The model layout version: which numbers the step machines' declared locals and labels
 * (src/kernel/machine.ts) have. Logs record pcs and slots as numbers (`thread/goto`,
 * `thread/set`, `thread/call` locals), so the log header records this version and a reader
 * refuses a log of another layout in one line instead of misreplaying it.
 *
 * Bump it when a number changes meaning ({@link layoutBreaks} of the signature a test holds for
 * this version is not empty): then record the new signature in that test and re-record logs/.
 * Additions (a new machine, a local appended, a label at a new pc) keep the version. Logs
 * written before the header had the field were written with layout 1.
 */
export const MODEL_LAYOUT_VERSION = 1;

/**
 * Every machine's name, locals and labels with their numbers, in one line each: the thing the
 * layout version stands for.
 */
export function modelLayoutSignature(): string {
  return [...STEP_MACHINES]
    .map((m) => m.layout)
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .map(
      (l) =>
        `${l.name}(${l.locals.join(',')}) ${l.labelAt
          .map((label, pc) => (label === undefined ? null : `${pc}:${label}`))
          .filter((x) => x !== null)
          .join(' ')}`,
    )
    .join('\n');
}

/**
 * What `current` breaks of `recorded` (two {@link modelLayoutSignature}s): a machine gone, a
 * local whose slot now means another local, a pc whose label changed. Additions (new machines,
 * locals appended, new labels at unused pcs) break nothing: logs of `recorded` still mean the
 * same. Empty when compatible.
 */
export function layoutBreaks(recorded: string, current: string): string[] {
  type Machine = { locals: string[]; labels: Map<string, string> };
  const parse = (sig: string): Map<string, Machine> => {
    const out = new Map<string, Machine>();
    for (const line of sig.split('\n')) {
      const m = /^(\w+)\(([^)]*)\)\s*(.*)$/.exec(line.trim());
      if (!m) continue;
      const labels = new Map<string, string>();
      for (const x of (m[3] ?? '').split(' ')) {
        const [pc, label] = x.split(':');
        if (pc && label) labels.set(pc, label);
      }
      out.set(m[1] ?? '', { locals: (m[2] ?? '').split(',').filter((x) => x !== ''), labels });
    }
    return out;
  };
  const was = parse(recorded);
  const now = parse(current);
  const out: string[] = [];
  for (const [name, w] of was) {
    const n = now.get(name);
    if (!n) {
      out.push(`machine ${name} is gone`);
      continue;
    }
    w.locals.forEach((l, i) => {
      if (n.locals[i] !== l) out.push(`${name}: slot ${i} was '${l}', now '${n.locals[i] ?? '-'}'`);
    });
    for (const [pc, label] of w.labels)
      if (n.labels.get(pc) !== label)
        out.push(`${name}: pc ${pc} was '${label}', now '${n.labels.get(pc) ?? '-'}'`);
  }
  return out;
}
