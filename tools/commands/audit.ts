import type { CommandModule } from './types.js';
import { ruleFooter } from '../ruleRef.js';
import { json } from '../io.js';
import { EXIT } from '../exit.js';
import { collect, intArg } from '../args.js';
import { auditLog, formatAudit, getProperty, makeModel, openLogFile } from '../../src/index.js';

/**
 * `ptesim audit <log>`: every property violation in a recorded log (any format version the
 * reader upgrades), with rule id, event index, thread, kernel function and context.
 * Exit 0 clean (warnings allowed), 1 violations, 2 bad input.
 */
export const auditCommand: CommandModule = {
  register(program, io, exit) {
    program
      .command('audit <log>')
      .description(
        'check a recorded log against every notifier/lock/flush/dirty-tracking rule; exit 1 on violations',
      )
      .option(
        '--rules <ids>',
        "rule ids, comma-separated; 'notifier-*' selects a family (default: all)",
        collect,
      )
      .option(
        '--context <n>',
        'events of context before each violation',
        intArg('--context', 1000),
        5,
      )
      .option('--salvage', 'audit the valid prefix of a log cut short')
      .option('--json', 'machine-readable output')
      .action(
        (
          path: string,
          opts: { rules?: string[]; context: number; salvage?: boolean; json?: boolean },
        ) => {
          const log = openLogFile(path, { salvage: opts.salvage === true });
          let report;
          try {
            report = auditLog(log, {
              context: opts.context,
              ...(opts.rules !== undefined && { rules: opts.rules }),
            });
          } finally {
            log.close();
          }
          // Every selected rule not applicable (a log of observed events): nothing was decided.
          const undecided =
            report.rules.length > 0 && report.notApplicable.length === report.rules.length;
          exit.code = report.failures > 0 ? EXIT.violated : undecided ? EXIT.inconclusive : EXIT.ok;
          if (opts.json)
            return json(io, {
              log: path,
              scenario: log.header.scenario.name,
              arch: log.header.arch,
              variant: log.header.variant,
              truncated: log.truncated !== null,
              ...report,
            });
          const h = log.header;
          io.out(
            `audit of ${path}: ${h.scenario.name} on ${h.arch} with ${h.variant}, seed ${h.seed}${log.truncated ? ' (truncated log: prefix only)' : ''}`,
          );
          io.out(formatAudit(report, makeModel(h.scenario, { arch: h.arch, variant: h.variant })));
          // The reference entries behind each finding's property (docs/rules/).
          const why = [...new Set(report.findings.map((f) => f.rule))]
            .map((id) => getProperty(id).explanation)
            .join('\n');
          const foot = ruleFooter(why, 100);
          if (foot.length > 0) io.out(foot.join('\n'));
        },
      );
  },
};
