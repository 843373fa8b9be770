import type { ChromeTrace } from '../../tools/report/perfetto.js';

/**
 * Structural check of a Chrome trace (what Perfetto's JSON importer needs): required fields
 * on every event, timestamps that never go backwards on a track, B/E balanced and properly
 * nested per track (E closes the innermost B of the same name), async b/e paired by id,
 * flow s/f paired by id, numeric counter values. Returns the problems found (empty = ok).
 */
export function traceProblems(trace: ChromeTrace): string[] {
  const problems: string[] = [];
  if (!Array.isArray(trace.traceEvents)) return ['traceEvents is not an array'];
  const lastTs = new Map<string, number>();
  const stacks = new Map<string, string[]>();
  const asyncOpen = new Map<string, number>();
  const flows = new Map<string, { s: number; f: number }>();
  trace.traceEvents.forEach((ev, k) => {
    const where = `traceEvents[${k}] (${ev.ph} ${ev.name})`;
    if (typeof ev.name !== 'string' || ev.name === '') problems.push(`${where}: no name`);
    if (typeof ev.ph !== 'string') problems.push(`${where}: no ph`);
    if (!Number.isInteger(ev.pid) || !Number.isInteger(ev.tid))
      problems.push(`${where}: pid/tid must be integers`);
    if (ev.ph === 'M') return;
    if (typeof ev.ts !== 'number' || !Number.isFinite(ev.ts) || ev.ts < 0) {
      problems.push(`${where}: ts must be a non-negative number`);
      return;
    }
    const track = `${ev.pid}:${ev.tid}`;
    const prev = lastTs.get(track);
    if (prev !== undefined && ev.ts < prev)
      problems.push(`${where}: ts ${ev.ts} goes back from ${prev} on track ${track}`);
    lastTs.set(track, ev.ts);
    switch (ev.ph) {
      case 'B':
        stacks.set(track, [...(stacks.get(track) ?? []), ev.name]);
        break;
      case 'E': {
        const st = stacks.get(track) ?? [];
        const top = st.pop();
        if (top === undefined) problems.push(`${where}: E without an open B on track ${track}`);
        else if (top !== ev.name)
          problems.push(`${where}: E closes '${ev.name}' but the innermost open slice is '${top}'`);
        stacks.set(track, st);
        break;
      }
      case 'X':
        if (typeof ev.dur !== 'number' || ev.dur < 0)
          problems.push(`${where}: X needs a non-negative dur`);
        break;
      case 'i':
        if (ev.s !== undefined && !['t', 'p', 'g'].includes(ev.s))
          problems.push(`${where}: bad instant scope`);
        break;
      case 'C':
        if (!ev.args || Object.values(ev.args).some((v) => typeof v !== 'number'))
          problems.push(`${where}: counter values must be numbers`);
        break;
      case 'b':
      case 'e': {
        if (typeof ev.id !== 'string' || ev.cat === undefined) {
          problems.push(`${where}: async events need id and cat`);
          break;
        }
        const key = `${ev.cat}:${ev.id}`;
        const open = asyncOpen.get(key) ?? 0;
        if (ev.ph === 'e' && open === 0) problems.push(`${where}: async end without begin`);
        asyncOpen.set(key, open + (ev.ph === 'b' ? 1 : -1));
        break;
      }
      case 's':
      case 'f': {
        if (typeof ev.id !== 'string') {
          problems.push(`${where}: flow events need an id`);
          break;
        }
        const f = flows.get(ev.id) ?? { s: -1, f: -1 };
        if (ev.ph === 's') f.s = ev.ts;
        else f.f = ev.ts;
        flows.set(ev.id, f);
        break;
      }
      default:
        problems.push(`${where}: unexpected phase`);
    }
  });
  for (const [track, st] of stacks)
    if (st.length)
      problems.push(`track ${track}: ${st.length} slice(s) never closed (${st.join(', ')})`);
  for (const [key, open] of asyncOpen)
    if (open !== 0) problems.push(`async ${key}: ${open} begin(s) without end`);
  for (const [id, f] of flows) {
    if (f.s < 0 || f.f < 0) problems.push(`flow ${id}: start and finish must both exist`);
    else if (f.f < f.s) problems.push(`flow ${id}: finishes before it starts`);
  }
  return problems;
}
