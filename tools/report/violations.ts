import type { LogFooter } from '../../src/index.js';

/** First-violation event index → `id: message`, from a log's footer (several ids joined by `; `). */
export function violationMarksOf(log: { readonly footer: LogFooter | null }): Map<number, string> {
  const marks = new Map<number, string>();
  for (const v of log.footer?.verdicts ?? [])
    if (v.ok === false && v.firstViolationEvent !== null) {
      const prev = marks.get(v.firstViolationEvent);
      const text = `${v.id}${v.message ? `: ${v.message}` : ''}`;
      marks.set(v.firstViolationEvent, prev ? `${prev}; ${text}` : text);
    }
  return marks;
}
