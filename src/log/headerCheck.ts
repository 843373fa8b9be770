import { SimError } from '../errors.js';
import { parseScenario } from '../scenario/parse.js';
import { machinesBrokenSince, MODEL_LAYOUT_VERSION } from '../kernel/modelLayout.js';
import type { LogFooter, LogHeader } from './format.js';
import { stateShape } from '../sim/init.js';
import { initialOfOldHeader } from './migrate.js';
import { checkState } from './stateCheck.js';

const isObj = (x: unknown): x is Record<string, unknown> =>
  typeof x === 'object' && x !== null && !Array.isArray(x);

/** Validate a decoded header map (untrusted) of the given file format; the scenario is re-parsed. */
export function checkHeader(payload: unknown, where: string, format: number): LogHeader {
  if (!isObj(payload)) throw new SimError('LOG_CORRUPT', 'header is not a map', where);
  const { schema, tool, arch, variant, seed, schedule } = payload;
  if (payload['format'] !== format)
    throw new SimError(
      'LOG_CORRUPT',
      `expected log format ${format}, found ${String(payload['format']).slice(0, 20)}`,
      `${where} header.format`,
    );
  if (typeof schema !== 'number' || !Number.isInteger(schema) || schema < 1)
    throw new SimError('LOG_CORRUPT', 'header.schema must be a positive integer', where);
  if (typeof arch !== 'string' || typeof variant !== 'string' || typeof seed !== 'number')
    throw new SimError(
      'LOG_CORRUPT',
      'header needs string arch, string variant and numeric seed',
      where,
    );
  const t = isObj(tool) ? tool : {};
  const layout = checkLayout(payload['layout'], where);
  const scenario = parseScenario(payload['scenario'], `${where} header.scenario`);
  // Format 3 stores the initial state (checked against the scenario's shape); older formats
  // are upgraded by deriving it.
  const initial =
    format >= 3
      ? checkState(payload['initial'], stateShape(scenario), scenario, where, 'header.initial')
      : initialOfOldHeader(scenario);
  return {
    format,
    schema,
    layout,
    tool: {
      name: String(t['name'] ?? 'ptesim').slice(0, 100),
      version: String(t['version'] ?? '?').slice(0, 100),
    },
    scenario,
    arch,
    variant,
    seed,
    schedule: typeof schedule === 'string' ? schedule : '',
    initial,
  };
}

/**
 * The header's model layout version (absent: 1, the layout of logs written before the field).
 * Reading, folding and auditing a log do not depend on it (events are facts); re-deriving its
 * events with today's step machines does, and refuses another layout (requireModelLayout).
 */
function checkLayout(raw: unknown, where: string): number {
  const layout = raw ?? 1;
  if (typeof layout !== 'number' || !Number.isInteger(layout) || layout < 1)
    throw new SimError('LOG_CORRUPT', 'header.layout must be a positive integer', where);
  return layout;
}

/**
 * Refuse, in one line, to re-derive the events of a log written with another model layout when
 * a step machine it ran (`machines`: frame names) changed a number since: its thread/goto and
 * thread/set numbers mean other pcs and locals today, so re-simulating it would report
 * differences that are only renumbering. Machines that kept their numbers re-simulate as ever.
 */
export function requireModelLayout(
  header: LogHeader,
  machines: ReadonlySet<string>,
  where: string,
): void {
  if (header.layout === MODEL_LAYOUT_VERSION) return;
  const broken = machinesBrokenSince(header.layout);
  const hit = broken === null ? null : [...machines].filter((m) => broken.has(m));
  if (hit !== null && hit.length === 0) return;
  throw new SimError(
    'LOG_LAYOUT',
    `written with model layout ${header.layout} (ptesim ${header.tool.version}), this ptesim has layout ${MODEL_LAYOUT_VERSION}${hit ? ` in which the ${hit.join(', ')} step machine changed its numbers` : ''}: it cannot be re-simulated here; re-record it (or use the ptesim that wrote it)`,
    `${where} header.layout`,
  );
}

/** Validate a decoded footer map (untrusted). */
export function checkFooter(payload: unknown, where: string): LogFooter {
  if (!isObj(payload)) throw new SimError('LOG_CORRUPT', 'footer is not a map', where);
  const { events, steps, end, finalStateHash, verdicts } = payload;
  if (
    typeof events !== 'number' ||
    !Number.isSafeInteger(events) ||
    events < 0 ||
    typeof finalStateHash !== 'string' ||
    !Array.isArray(verdicts)
  )
    throw new SimError('LOG_CORRUPT', 'footer needs events, finalStateHash and verdicts', where);
  return {
    events,
    steps: typeof steps === 'number' ? steps : 0,
    end: typeof end === 'string' ? end : '?',
    finalStateHash,
    verdicts: verdicts.filter(isObj).map((v) => ({
      id: String(v['id']),
      // Logs written before verdicts carried a severity: every verdict was a failure check.
      severity: v['severity'] === 'warning' ? ('warning' as const) : ('failure' as const),
      ok: typeof v['ok'] === 'boolean' ? v['ok'] : null,
      firstViolationEvent:
        typeof v['firstViolationEvent'] === 'number' ? v['firstViolationEvent'] : null,
      message: typeof v['message'] === 'string' ? v['message'] : null,
    })),
  };
}
