import type { LogFooter, LogHeader, LogReader, ParsedLog, SimEvent } from '../../src/index.js';

/**
 * The exporters' view of a log: header, footer, and the events visited in order. A log read
 * whole (ParsedLog) and a log opened for streaming (LogReader, one chunk in memory at a time)
 * both fit, so a 1M-event log is exported without materialising a million event objects.
 */
export interface EventSource {
  readonly header: LogHeader;
  readonly footer: LogFooter | null;
  readonly truncated: boolean;
  readonly length: number;
  /**
   * Visit events [from, to) in order. The event object may be reused for the next event: a
   * visitor copies what it keeps.
   */
  forEach(visit: (e: SimEvent, i: number) => void, from?: number, to?: number): void;
  /** Events [from, to) as fresh objects (bounded ranges only). */
  events(from: number, to: number): readonly SimEvent[];
}

const isReader = (x: ParsedLog | LogReader): x is LogReader =>
  !Array.isArray((x as ParsedLog).events);

export function eventSource(x: ParsedLog | LogReader): EventSource {
  if (isReader(x))
    return {
      header: x.header,
      footer: x.footer,
      truncated: x.truncated !== null,
      length: x.length,
      forEach: (visit, from = 0, to = x.length) => x.forEach(visit, from, to, true),
      events: (from, to) => x.events(from, to),
    };
  const events = x.events;
  return {
    header: x.header,
    footer: x.footer,
    truncated: x.truncated !== null,
    length: events.length,
    forEach(visit, from = 0, to = events.length) {
      for (let i = from; i < to && i < events.length; i++) visit(events[i] as SimEvent, i);
    },
    events: (from, to) => events.slice(from, to),
  };
}
