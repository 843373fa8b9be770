import { crc32 } from 'node:zlib';
import { EVENT_SCHEMA_VERSION } from '../events/version.js';
import { MODEL_LAYOUT_VERSION } from '../kernel/modelLayout.js';
import type { SimEvent } from '../events/index.js';
import type { PropertyVerdict } from '../check/types.js';
import type { Scenario } from '../scenario/types.js';
import { encode } from './codec.js';
import type { SimState } from '../state/types.js';
import { initialState } from '../sim/init.js';

/**
 * Log file format, version 3 (docs/log-format.md):
 *   magic "PTESIM\0\x03" (8 bytes), then records
 *   [u32 LE payload length][u8 kind][payload: MessagePack][u32 LE CRC32 of kind + payload]
 *   kind 1 header (first), 2 chunk of events (columnar, src/log/chunkCodec.ts), 4 state
 *   checkpoint, 3 footer (last, with the index), then a 16-byte trailer
 *   "PTESIMFT" + u64 LE byte offset of the footer record.
 * Format 3 adds the initial state to the header; format 2 (same framing, magic byte 2, no
 * initial state) is read by deriving it from the scenario (src/log/migrate.ts). Format 1 (no
 * columns, no checkpoints, no trailer) is read by src/log/formatV1.ts.
 */
export const MAGIC = Uint8Array.from([0x50, 0x54, 0x45, 0x53, 0x49, 0x4d, 0x00, 0x03]);
export const TRAILER_MAGIC = Uint8Array.from([0x50, 0x54, 0x45, 0x53, 0x49, 0x4d, 0x46, 0x54]);
export const TRAILER_BYTES = 16;
export const LOG_FORMAT_VERSION = 3;
export const RECORD_HEADER = 1;
export const RECORD_CHUNK = 2;
export const RECORD_FOOTER = 3;
export const RECORD_CHECKPOINT = 4;
/** No record may claim more than this: a hostile length must not allocate gigabytes. */
export const MAX_RECORD_BYTES = 64 * 1024 * 1024;

export interface LogHeader {
  /** The file format the log was written in (1 to 3); readers upgrade older ones. */
  readonly format: number;
  readonly schema: number;
  /**
   * The model layout version (src/kernel/modelLayout.ts) the log's pcs and slots mean; logs
   * written before the field existed were written with layout 1.
   */
  readonly layout: number;
  readonly tool: { readonly name: string; readonly version: string };
  readonly scenario: Scenario;
  readonly arch: string;
  readonly variant: string;
  readonly seed: number;
  /** Forced picks, if the run followed a schedule string. */
  readonly schedule: string;
  /**
   * The state before the first event, as the writer's model built it (arch encoding, entry
   * points). Replay folds the events onto it with the recipes alone, so a log stays readable
   * when an architecture's encoding or the kernel's entry points change. Logs of format 1
   * and 2 did not store it: readers derive it from the scenario (src/log/migrate.ts).
   */
  readonly initial: SimState;
}

export interface LogChunk {
  readonly first: number;
  readonly events: readonly SimEvent[];
}

export interface LogFooter {
  readonly events: number;
  readonly steps: number;
  readonly end: string;
  readonly finalStateHash: string;
  readonly verdicts: readonly PropertyVerdict[];
}

/** A header for a run of `h.scenario`; its initial state is the model's (`initialState`). */
export function makeHeader(
  h: Omit<LogHeader, 'format' | 'schema' | 'layout' | 'tool' | 'initial'>,
  toolVersion: string,
): LogHeader {
  return {
    format: LOG_FORMAT_VERSION,
    schema: EVENT_SCHEMA_VERSION,
    layout: MODEL_LAYOUT_VERSION,
    tool: { name: 'ptesim', version: toolVersion },
    ...h,
    initial: initialState(h.scenario),
  };
}

/** One framed record: length, kind, MessagePack payload, CRC32 of kind + payload. */
export function frameRecord(kind: number, payload: unknown): Uint8Array {
  const body = encode(payload);
  const out = new Uint8Array(4 + 1 + body.length + 4);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, body.length, true);
  out[4] = kind;
  out.set(body, 5);
  dv.setUint32(5 + body.length, crc32(out.subarray(4, 5 + body.length)), true);
  return out;
}

/** The 16-byte trailer pointing at the footer record. */
export function makeTrailer(footerOffset: number): Uint8Array {
  const out = new Uint8Array(TRAILER_BYTES);
  out.set(TRAILER_MAGIC, 0);
  const dv = new DataView(out.buffer);
  dv.setUint32(8, footerOffset % 2 ** 32, true);
  dv.setUint32(12, Math.floor(footerOffset / 2 ** 32), true);
  return out;
}
