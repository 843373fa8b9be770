import { SimError } from '../errors.js';
import type { Property } from './types.js';
import { lostWrite } from './lostWrite.js';
import { wrprotectPost } from './wrprotectPost.js';

/** Every property, by stable id. */
const PROPERTIES: readonly Property[] = [lostWrite, wrprotectPost];

export function listProperties(): readonly Property[] {
  return PROPERTIES;
}

export function getProperty(id: string): Property {
  const p = PROPERTIES.find((x) => x.id === id);
  if (!p)
    throw new SimError(
      'BAD_ARGUMENT',
      `unknown property '${id}'; expected one of: ${PROPERTIES.map((x) => x.id).join(', ')}`,
    );
  return p;
}
