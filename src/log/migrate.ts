import { EVENT_SCHEMA_VERSION } from '../events/version.js';
import { SimError } from '../errors.js';
import type { Scenario } from '../scenario/types.js';
import type { SimState } from '../state/types.js';
import { initialState } from '../sim/init.js';

/**
 * Pure per-version upgraders of raw (decoded, not yet validated) events: MIGRATIONS[v] turns a
 * schema-v event into a schema-(v+1) one. Schema 1 is the first, so the table is empty; each
 * bump adds an entry and a fixture log of the old version under test/fixtures/.
 */
const MIGRATIONS: Readonly<
  Record<number, (raw: Record<string, unknown>) => Record<string, unknown>>
> = {};

export function migrateRawEvent(schema: number, raw: unknown, where: string): unknown {
  if (schema > EVENT_SCHEMA_VERSION)
    throw new SimError(
      'LOG_SCHEMA_TOO_NEW',
      `expected event schema ≤ ${EVENT_SCHEMA_VERSION}, found ${schema}; upgrade ptesim to read this log`,
      where,
    );
  let v = raw;
  for (let s = schema; s < EVENT_SCHEMA_VERSION; s++) {
    const up = MIGRATIONS[s];
    if (!up) throw new SimError('LOG_CORRUPT', `no migration from event schema ${s}`, where);
    if (typeof v === 'object' && v !== null) v = up(v as Record<string, unknown>);
  }
  return v;
}

/**
 * Format 1 and 2 headers carry no initial state: derive it from the scenario with today's
 * architecture encoding and entry points (what those readers did on every replay). Format 3
 * logs store it and need neither.
 */
export function initialOfOldHeader(scenario: Scenario): SimState {
  return initialState(scenario);
}
