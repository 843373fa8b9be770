import { SimError } from '../errors.js';

/**
 * Parsing of recorded ftrace text: the `trace` file of tracefs and `trace-cmd report` output
 * (pure: text in, records out). A line is
 *   `<task>-<pid> [(<tgid>)] [<cpu>] [<flags>] <secs>.<usecs>: <event>: <body>`
 * Comment lines (`#`), blank lines and trace-cmd's `cpus=N` / `version = N` preamble are
 * skipped; anything else that does not parse, or a `[LOST n EVENTS]` notice, is bad input
 * naming the line (TRACE_INVALID).
 */
export interface TraceRecord {
  /** 1-based line number in the text. */
  readonly line: number;
  readonly task: string;
  readonly pid: number;
  readonly cpu: number;
  /** Timestamp in microseconds (exact: seconds and microseconds are integers). */
  readonly us: number;
  /** Event name without its system: page_fault_user, tlb_flush, tracing_mark_write, ... */
  readonly event: string;
  readonly body: string;
  /** The line as recorded. */
  readonly raw: string;
}

/** The metadata `ptesim conform --keep` writes at the head of a recorded trace. */
export interface TraceHeader {
  readonly kernel: string | null;
  readonly machine: string | null;
  readonly scenario: string | null;
  /** The C program the trace came from (`#| ` lines). */
  readonly program: string | null;
}

const LINE =
  /^\s*(.*?)-(\d+)\s+(?:\(\s*[-\d]+\)\s+)?\[(\d+)\]\s+(?:[^\s:]{4,6}\s+)?(\d+)\.(\d{6}):\s+(?:[\w]+:)?(\w+):\s?(.*)$/;

export function parseTraceText(text: string, where = 'trace'): TraceRecord[] {
  const out: TraceRecord[] = [];
  const lines = text.split('\n');
  lines.forEach((raw, i) => {
    const line = raw.replace(/\r$/, '');
    if (line.trim() === '' || line.trimStart().startsWith('#')) return;
    if (/^cpus=\d+$/.test(line.trim()) || /^version = /.test(line.trim())) return;
    if (/\[LOST \d+ EVENTS\]/.test(line))
      throw new SimError(
        'TRACE_INVALID',
        'the ring buffer lost events: the trace is incomplete (record again with a larger buffer)',
        `${where}:${i + 1}`,
      );
    const m = LINE.exec(line);
    if (!m)
      throw new SimError(
        'TRACE_INVALID',
        `not an ftrace event line: '${line.slice(0, 60)}'`,
        `${where}:${i + 1}`,
      );
    out.push({
      line: i + 1,
      task: m[1] ?? '',
      pid: Number(m[2]),
      cpu: Number(m[3]),
      us: Number(m[4]) * 1_000_000 + Number(m[5]),
      event: m[6] ?? '',
      body: m[7] ?? '',
      raw: line,
    });
  });
  return out;
}

/** The `# key: value` and `#| program` lines of a recorded trace's head. */
export function parseTraceHeader(text: string): TraceHeader {
  const get = (key: string): string | null => {
    const m = new RegExp(`^# ${key}: (.*)$`, 'm').exec(text);
    return m ? (m[1] ?? '').trim() : null;
  };
  const prog = text
    .split('\n')
    .filter((l) => l.startsWith('#|'))
    .map((l) => l.slice(l.startsWith('#| ') ? 3 : 2));
  return {
    kernel: get('kernel'),
    machine: get('machine'),
    scenario: get('scenario'),
    program: prog.length > 0 ? prog.join('\n') : null,
  };
}

/** `key=value` fields of an event body (page_fault_user: address=0x.. ip=0x.. error_code=0x6). */
export function bodyField(body: string, key: string): string | null {
  const m = new RegExp(`(?:^|\\s)${key}[=:](\\S+)`).exec(body);
  return m ? (m[1] ?? null) : null;
}

/** A page fault: `address=0x.. ip=0x.. error_code=0x..` (x86 exceptions:page_fault_user). */
export interface FaultRecord {
  readonly address: bigint;
  readonly errorCode: number;
}

export function faultOf(r: TraceRecord, where = 'trace'): FaultRecord {
  const a = bodyField(r.body, 'address');
  const c = bodyField(r.body, 'error_code');
  if (!a || !c || !/^0x[0-9a-f]+$/i.test(a) || !/^0x[0-9a-f]+$/i.test(c))
    throw new SimError(
      'TRACE_INVALID',
      `page_fault_user without a hex address and error_code: '${r.body.slice(0, 60)}'`,
      `${where}:${r.line}`,
    );
  return { address: BigInt(a), errorCode: Number.parseInt(c.slice(2), 16) };
}

/**
 * tlb:tlb_flush reasons (include/linux/mm_types.h enum tlb_flush_reason, as the tracepoint
 * prints them: `pages:N reason:<text> (<n>)`).
 */
export const TLB_FLUSH_REASONS = [
  'flush on task switch',
  'remote shootdown',
  'local shootdown',
  'local MM shootdown',
  'remote IPI send',
  'remote wrong CPU',
] as const;

export interface FlushRecord {
  readonly pages: number;
  readonly reason: number;
}

export function flushOf(r: TraceRecord, where = 'trace'): FlushRecord {
  const m = /pages:(-?\d+)\s+reason:.*\((\d+)\)\s*$/.exec(r.body);
  if (!m)
    throw new SimError(
      'TRACE_INVALID',
      `tlb_flush without pages and reason: '${r.body.slice(0, 60)}'`,
      `${where}:${r.line}`,
    );
  return { pages: Number(m[1]), reason: Number(m[2]) };
}
