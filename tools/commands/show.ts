import { createColors } from 'picocolors';
import type { CommandModule } from './types.js';
import { json } from '../io.js';
import { collect, intArg } from '../args.js';
import { foldEvents, readLogFile, SimError } from '../../src/index.js';
import { violationMarksOf } from '../report/violations.js';
import { actorsOf, makeRunContext, terminalSafe } from '../report/runContext.js';
import { selectEvents } from '../report/eventFilter.js';
import { ftraceLines } from '../report/ftraceLines.js';
import {
  diffState,
  openTransactions,
  openWindows,
  renderState,
  stateLines,
} from '../report/stateText.js';
import {
  cpuTableMarkdown,
  cpuTableText,
  MAIL_WIDTH,
  MIN_COLUMN_WIDTH,
  tableSteps,
  type TableBy,
} from '../report/cpuTable.js';
import { watchPage } from '../report/pageWatch.js';
import { eventText } from '../report/eventText.js';
import { ruleFooter } from '../ruleRef.js';

interface ShowOpts {
  from?: number;
  to?: number;
  cpu?: number;
  page?: number;
  kinds?: string[];
  all?: boolean;
  stateAt?: number;
  diffFrom?: number;
  watch?: string;
  table?: boolean;
  markdown?: boolean;
  by: string;
  width?: number;
  salvage?: boolean;
  json?: boolean;
}

/** Column width of the per-thread table when no --width is given (wide terminals). */
const THREAD_COLUMN_WIDTH = 40;

function checkIndex(flag: string, n: number, count: number): void {
  if (n >= count)
    throw new SimError(
      'BAD_ARGUMENT',
      `${flag} ${n} is past the end of the log (${count} events, 0..${count - 1})`,
      flag,
    );
}

function parseWatch(text: string): number {
  const m = /^page=(\d+)$/.exec(text);
  if (!m) throw new SimError('BAD_ARGUMENT', `--watch expects 'page=P', got '${text}'`, '--watch');
  return Number(m[1]);
}

export const showCommand: CommandModule = {
  register(program, io) {
    program
      .command('show <log>')
      .description('print a log as ftrace-like lines, a CPU-column table, or the state at an event')
      .option('--from <n>', 'first event index', intArg('--from'))
      .option('--to <n>', 'last event index (inclusive)', intArg('--to'))
      .option('--cpu <c>', 'only events on this CPU', intArg('--cpu'))
      .option('--page <p>', 'only events touching this address_space page', intArg('--page'))
      .option(
        '--kinds <list>',
        "event types or families, comma-separated (e.g. 'pte,tlb/flush,lock')",
        collect,
      )
      .option('--all', 'also show scheduler picks and thread bookkeeping')
      .option('--state-at <n>', 'print the state after event N', intArg('--state-at'))
      .option(
        '--diff-from <m>',
        'with --state-at N: only what changed between events M and N',
        intArg('--diff-from'),
      )
      .option('--watch <page=P>', 'follow one page through the run')
      .option(
        '--table',
        'the interleaving as CPU columns (one per thread), for pasting into a mail',
      )
      .option('--markdown', 'the CPU-column table as Markdown')
      .option(
        '--by <thread|cpu>',
        'columns of --table/--markdown: one per thread or per CPU',
        'thread',
      )
      .option(
        '--width <n>',
        `line width of --table, wrapped at token boundaries (default: ${MAIL_WIDTH} with --by cpu, else columns of ${THREAD_COLUMN_WIDTH})`,
        intArg('--width', 1000),
      )
      .option('--salvage', 'read the valid prefix of a log cut short')
      .option('--json', 'machine-readable output')
      .action((path: string, opts: ShowOpts) => {
        const log = readLogFile(path, { salvage: opts.salvage === true });
        const ctx = makeRunContext(log.header.scenario, log.header.arch, log.header.initial);
        const events = log.events;
        const n = events.length;
        const marks = violationMarksOf(log);
        const c = createColors(io.color === true && !opts.json);
        if (opts.width !== undefined && opts.width < MIN_COLUMN_WIDTH)
          throw new SimError(
            'BAD_ARGUMENT',
            `--width must be at least ${MIN_COLUMN_WIDTH}, got ${opts.width}`,
            '--width',
          );
        if (opts.by !== 'thread' && opts.by !== 'cpu')
          throw new SimError(
            'BAD_ARGUMENT',
            `--by expects 'thread' or 'cpu', got '${terminalSafe(opts.by)}'`,
            '--by',
          );
        const by: TableBy = opts.by;
        if (opts.diffFrom !== undefined && opts.stateAt === undefined)
          throw new SimError('BAD_ARGUMENT', '--diff-from M needs --state-at N', '--diff-from');
        if (opts.stateAt !== undefined) {
          checkIndex('--state-at', opts.stateAt, n);
          const at = opts.stateAt;
          const lines = stateLines(
            foldEvents(log.header, events, at),
            openWindows(events, at),
            ctx,
            openTransactions(events, at, ctx),
          );
          if (opts.diffFrom !== undefined) {
            checkIndex('--diff-from', opts.diffFrom, n);
            const before = stateLines(
              foldEvents(log.header, events, opts.diffFrom),
              openWindows(events, opts.diffFrom),
              ctx,
              openTransactions(events, opts.diffFrom, ctx),
            );
            const diff = diffState(before, lines);
            if (opts.json) return json(io, { from: opts.diffFrom, to: at, changes: diff });
            io.out(`state changes from event ${opts.diffFrom} to event ${at}:`);
            io.out(
              diff.length
                ? diff.map((l) => (l.startsWith('+') ? c.green(l) : c.red(l))).join('\n')
                : '  (none)',
            );
            return;
          }
          if (opts.json)
            return json(io, {
              index: at,
              state: foldEvents(log.header, events, at),
              notifierWindows: openWindows(events, at),
              protTransactions: openTransactions(events, at, ctx),
            });
          io.out(
            `state after event ${at} (${eventText(events[at] as (typeof events)[number], ctx)}):`,
          );
          io.out(renderState(lines).join('\n'));
          return;
        }
        if (opts.watch !== undefined) {
          const page = parseWatch(opts.watch);
          if (page >= ctx.scenario.pages)
            throw new SimError(
              'BAD_ARGUMENT',
              `page ${page} is not in the address_space (pages 0..${ctx.scenario.pages - 1})`,
              '--watch',
            );
          const actors = actorsOf(events);
          const trail = watchPage(events, page, ctx);
          if (opts.json) return json(io, trail);
          const out = [`page ${page} at start: ${trail[0]?.summary ?? ''}`];
          for (const t of trail.slice(1)) {
            out.push(
              ftraceLines(events, actors, [t.index], ctx, { color: io.color === true, marks })[0] ??
                '',
            );
            if (t.summary) out.push(c.dim(`      => ${t.summary}`));
          }
          io.out(out.join('\n'));
          return;
        }
        if (opts.table || opts.markdown) {
          const steps = tableSteps(events, ctx, {
            ...(opts.from !== undefined && { from: opts.from }),
            ...(opts.to !== undefined && { to: opts.to }),
            marks,
          });
          if (opts.json) return json(io, steps);
          const text = opts.markdown
            ? cpuTableMarkdown(steps, ctx, by)
            : cpuTableText(steps, ctx, {
                by,
                ...(opts.width !== undefined
                  ? { width: opts.width }
                  : by === 'cpu'
                    ? { width: MAIL_WIDTH }
                    : { columnWidth: THREAD_COLUMN_WIDTH }),
              });
          io.out(text);
          const foot = ruleFooter(text, opts.width ?? MAIL_WIDTH);
          if (foot.length > 0) io.out(`\n${foot.join('\n')}`);
          return;
        }
        const actors = actorsOf(events);
        const indices = selectEvents(
          events,
          actors,
          {
            ...(opts.from !== undefined && { from: opts.from }),
            ...(opts.to !== undefined && { to: opts.to }),
            ...(opts.cpu !== undefined && { cpu: opts.cpu }),
            ...(opts.page !== undefined && { page: opts.page }),
            ...(opts.kinds !== undefined && { kinds: opts.kinds }),
            ...(opts.all !== undefined && { all: opts.all }),
          },
          ctx,
        );
        if (opts.json)
          return json(
            io,
            indices.map((i) => ({ index: i, tid: actors[i], event: events[i] })),
          );
        const h = log.header;
        io.out(
          c.dim(
            `# ${terminalSafe(h.scenario.name)} on ${h.arch} with ${h.variant}, seed ${h.seed}: ${n} events`,
          ),
        );
        const lines = ftraceLines(events, actors, indices, ctx, {
          color: io.color === true,
          marks,
        });
        if (lines.length) io.out(lines.join('\n'));
        for (const [i, m] of marks) io.out(c.red(`# first violation at event ${i}: ${m}`));
        const foot = ruleFooter(lines.join('\n'), 100);
        if (foot.length > 0) io.out(c.dim(foot.map((l) => `# ${l}`).join('\n')));
      });
  },
};
