/** Bumped on any change to an event's shape; a pure upgrader goes into src/log/migrate.ts. */
export const EVENT_SCHEMA_VERSION = 1;
