import { crc32 } from 'node:zlib';
import { SimError } from '../errors.js';
import { decode } from './codec.js';
import { MAX_RECORD_BYTES } from './format.js';

/**
 * Random-access bytes: a file (src/log/file.ts `fileSource`) or memory. Readers pull one record
 * at a time, so memory stays one chunk however long the log.
 */
export interface ByteSource {
  readonly size: number;
  /** Exactly `length` bytes at `offset` (the caller keeps within `size`). */
  read(offset: number, length: number): Uint8Array;
  close(): void;
}

export function memorySource(bytes: Uint8Array): ByteSource {
  return {
    size: bytes.length,
    read: (offset, length) => bytes.subarray(offset, offset + length),
    close: () => undefined,
  };
}

export type RecordRead =
  | { readonly ok: true; readonly kind: number; readonly payload: unknown; readonly end: number }
  | { readonly ok: false; readonly truncated: true };

/**
 * The framed record at `offset`: a record cut short by the end of the file is `truncated`
 * (a killed writer); a hostile length, a CRC mismatch or bad MessagePack throws LOG_CORRUPT
 * naming `what` and the byte offset. The CRC is checked before the payload is decoded.
 */
export function readRecord(
  src: ByteSource,
  offset: number,
  where: string,
  what: string,
): RecordRead {
  if (offset + 5 > src.size) return { ok: false, truncated: true };
  const head = src.read(offset, 5);
  const len = new DataView(head.buffer, head.byteOffset, 5).getUint32(0, true);
  const at = `${where} ${what} at byte ${offset}`;
  if (len > MAX_RECORD_BYTES)
    throw new SimError('LOG_CORRUPT', `record claims ${len} bytes (limit ${MAX_RECORD_BYTES})`, at);
  if (offset + 9 + len > src.size) return { ok: false, truncated: true };
  const rec = src.read(offset, 9 + len);
  const kind = rec[4] as number;
  const crc = new DataView(rec.buffer, rec.byteOffset + 5 + len, 4).getUint32(0, true);
  if (crc32(rec.subarray(4, 5 + len)) !== crc)
    throw new SimError('LOG_CORRUPT', `CRC mismatch (record kind ${kind})`, at);
  let payload: unknown;
  try {
    payload = decode(rec.subarray(5, 5 + len));
  } catch (e) {
    // Deep nesting ends in a RangeError (stack), anything else in msgpackr's own errors.
    throw new SimError(
      'LOG_CORRUPT',
      `payload is not valid MessagePack: ${(e as Error).message.slice(0, 120)}`,
      at,
    );
  }
  return { ok: true, kind, payload, end: offset + 9 + len };
}
