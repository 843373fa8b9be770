// Structured log mutation for tests and the fuzz target: replace a chunk's events and frame the
// chunk again with a valid CRC (the reader then has to judge the content, not the checksum).
import { LogReader, memorySource, type SimEvent } from '../../src/index.js';
import { ChunkEncoder } from '../../src/log/chunkCodec.js';
import { currentTypeTable, encoderFor } from '../../src/log/eventTable.js';
import { frameRecord, RECORD_CHUNK, TRAILER_BYTES, TRAILER_MAGIC } from '../../src/log/format.js';

/**
 * `bytes` with chunk `k`'s events replaced by `edit(events)` (same count, so the footer still
 * agrees), re-encoded and framed with a fresh CRC. The trailer is dropped (record offsets
 * moved), so readers find the records by scanning, as for a killed writer with a footer.
 */
export function mutateChunk(
  bytes: Uint8Array,
  k: number,
  edit: (events: SimEvent[]) => SimEvent[],
): Uint8Array {
  const r = LogReader.open(memorySource(bytes));
  const info = r.chunks[k];
  if (!info) throw new Error(`no chunk ${k}`);
  const events = edit(r.chunkEvents(k));
  if (events.length !== info.n) throw new Error('mutateChunk keeps the event count');
  const enc = new ChunkEncoder(encoderFor(currentTypeTable()), false);
  for (const e of events) enc.add(e);
  const rec = frameRecord(RECORD_CHUNK, enc.finish(info.first));
  const next = r.chunks[k + 1]?.offset ?? r.checkpoints.find((c) => c.offset > info.offset)?.offset;
  const end =
    next ??
    (() => {
      // The last chunk ends where the next record (checkpoint or footer) starts.
      const dv = new DataView(bytes.buffer, bytes.byteOffset);
      return info.offset + 9 + dv.getUint32(info.offset, true);
    })();
  const head = bytes.subarray(0, info.offset);
  const t = bytes.subarray(bytes.length - TRAILER_BYTES);
  const hasTrailer = TRAILER_MAGIC.every((b, i) => t[i] === b);
  const tail = bytes.subarray(end, bytes.length - (hasTrailer ? TRAILER_BYTES : 0));
  const out = new Uint8Array(head.length + rec.length + tail.length);
  out.set(head, 0);
  out.set(rec, head.length);
  out.set(tail, head.length + rec.length);
  return out;
}
