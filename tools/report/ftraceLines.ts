import { createColors } from 'picocolors';
import type { SimEvent } from '../../src/index.js';
import { eventFields } from './eventText.js';
import { cpuOfEvent } from './eventFilter.js';
import type { RunContext } from './runContext.js';

/**
 * ftrace-like lines: `<thread>-<tid> [cpu] <event#>: <event> <fields>`, e.g.
 *   `wp1-3 [001] 57: pte/set mm=0 vpn=1 pte=pfn=1 P|A src=sw fn=ptep_modify_prot_commit`
 * `marks` flags events (first violations) with a trailing `<-- VIOLATION id`.
 */
export function ftraceLines(
  events: readonly SimEvent[],
  actors: Int32Array,
  indices: readonly number[],
  ctx: RunContext,
  opts: { readonly color: boolean; readonly marks?: ReadonlyMap<number, string> },
): string[] {
  const c = createColors(opts.color);
  const width = String(Math.max(0, events.length - 1)).length;
  const nameW = Math.max(6, ...ctx.scenario.threads.map((t, i) => `${t.name}-${i}`.length));
  const paint = (type: string, s: string): string => {
    if (type.startsWith('pte/')) return c.yellow(s);
    if (type.startsWith('tlb/') || type.startsWith('flush/')) return c.cyan(s);
    if (type.startsWith('lock/')) return c.magenta(s);
    if (type.startsWith('notifier/') || type.startsWith('pending/')) return c.blue(s);
    if (type === 'warn') return c.red(s);
    if (type.startsWith('helper/') || type.startsWith('fault/')) return c.bold(s);
    return s;
  };
  return indices.map((i) => {
    const e = events[i] as SimEvent;
    const actor = actors[i] ?? -1;
    const who = actor < 0 ? '<sim>' : `${ctx.threadName(actor)}-${actor}`;
    const cpu = cpuOfEvent(e, actor, ctx);
    const cpuText = cpu < 0 ? '---' : String(cpu).padStart(3, '0');
    const f = eventFields(e, ctx);
    const mark = opts.marks?.get(i);
    return (
      `${who.padStart(nameW)} [${cpuText}] ${String(i).padStart(width)}: ${paint(e.type, e.type)}${f ? ` ${f}` : ''}` +
      (mark ? c.red(c.bold(`  <-- VIOLATION ${mark}`)) : '')
    );
  });
}
