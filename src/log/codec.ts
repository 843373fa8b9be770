import { Packr } from 'msgpackr';

/**
 * The one MessagePack codec of ptesim (STYLE §8). Plain maps and arrays only — no msgpackr
 * record extension, no structured clone — so any MessagePack reader decodes a log with the
 * documented schema (docs/log-format.md).
 */
const packr = new Packr({
  useRecords: false,
  structuredClone: false,
  moreTypes: false,
  mapsAsObjects: true,
  variableMapSize: true,
  int64AsType: 'number',
});

export function encode(value: unknown): Uint8Array {
  return packr.pack(value);
}

export function decode(bytes: Uint8Array): unknown {
  return packr.unpack(bytes);
}
