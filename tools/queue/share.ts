import type { Redis } from 'ioredis';
import { FingerprintRing } from '../../src/explore/parallel/fingerprintRing.js';
import type { Rings } from '../commands/exploreWorker.js';

/**
 * The visited states the subtree jobs of one exhaustive search share through Redis (issue:
 * without it, states reachable from several subtrees were stored and expanded in each).
 *
 * One Redis list per search (`ExploreJob.share`) holds chunks of 64-bit fingerprints (pairs of
 * little-endian int32): the submitter's prefix first, then whatever each job stores, flushed
 * every {@link TICK_MS}. A job takes in the chunks it has not read yet and treats those states
 * as visited. Why that is sound: every job expands each state it stores (it is a DFS) unless it
 * ends early, and the search holds only when every job finished; so a state pruned here because
 * job J stored it is expanded by J. If J's worker died, J runs again as a retry that imports
 * nothing: it explores its whole subtree with its own visited set only, so it reaches every
 * state its first attempt stored, pruned elsewhere or not. Fingerprints arrive late or get
 * dropped (a full ring) only at the cost of states explored twice, as without sharing.
 */
export const TICK_MS = 100;
const RING_PAIRS = 1 << 18;
/** The lists expire an hour after their last write (the submitter deletes its list at the end). */
const TTL_S = 3600;
/** Chunks read per LRANGE. */
const PAGE = 64;

/** Append fingerprints (pairs) to the list `key`. */
export async function publish(redis: Redis, key: string, pairs: Int32Array): Promise<void> {
  if (pairs.length === 0) return;
  const bytes = Buffer.from(pairs.buffer, pairs.byteOffset, pairs.byteLength);
  await redis.multi().rpush(key, bytes).expire(key, TTL_S).exec();
}

/** The pairs of one chunk, as a (4-byte aligned) copy. */
function pairsOf(chunk: Buffer): Int32Array {
  const out = new Int32Array(Math.floor(chunk.length / 8) * 2);
  Buffer.from(out.buffer).set(chunk.subarray(0, out.length * 4));
  return out;
}

/**
 * A running subtree job's side of the exchange, in the worker process's main thread: flushes
 * the job's outbox to the list and, unless `importing` is off (a retried job), feeds the
 * list's chunks into the job's inbox.
 */
export class Sharing {
  private readonly inbox = FingerprintRing.create(RING_PAIRS);
  private readonly outbox = FingerprintRing.create(RING_PAIRS);
  /** Chunks of the list read so far. */
  private cursor = 0;
  /** Pairs read from the list that did not fit into the inbox yet, and where they resume. */
  private pending: Int32Array[] = [];
  private at = 0;
  private timer: NodeJS.Timeout | null = null;
  private busy: Promise<void> | null = null;
  /** Fingerprints sent and received (for the worker's log). */
  sent = 0;
  received = 0;

  constructor(
    private readonly redis: Redis,
    private readonly key: string,
    private readonly importing: boolean,
  ) {}

  /** What the list held at the start, for the search to take in before it explores. */
  private initial = new SharedArrayBuffer(0);

  /** The rings (and the initial fingerprints) to hand to the search thread. */
  get rings(): Rings {
    return { inbox: this.inbox.buffer, outbox: this.outbox.buffer, initial: this.initial };
  }

  /**
   * Read everything the list holds already (the prefix at least, and what earlier jobs of the
   * search stored) into the initial buffer, then exchange every tick.
   */
  async start(): Promise<void> {
    if (this.importing) {
      const chunks = await this.redis.lrangeBuffer(this.key, 0, -1).catch(() => [] as Buffer[]);
      this.cursor = chunks.length;
      const bytes = chunks.reduce((n, c) => n + Math.floor(c.length / 8) * 8, 0);
      this.initial = new SharedArrayBuffer(bytes);
      const out = Buffer.from(this.initial);
      let at = 0;
      for (const c of chunks) {
        const n = Math.floor(c.length / 8) * 8;
        out.set(c.subarray(0, n), at);
        at += n;
      }
      this.received += bytes / 8;
    }
    this.timer = setInterval(() => {
      if (this.busy) return;
      this.busy = this.tick()
        .catch(() => undefined)
        .finally(() => (this.busy = null));
    }, TICK_MS);
  }

  /** Stop exchanging; the last stored fingerprints are still published. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.busy;
    await this.flush().catch(() => undefined);
  }

  private async tick(): Promise<void> {
    await this.flush();
    if (this.importing) await this.pull();
  }

  private async flush(): Promise<void> {
    const n = this.outbox.size;
    if (n === 0) return;
    const out = new Int32Array(n * 2);
    let k = 0;
    this.outbox.drain((a, b) => {
      out[k++] = a;
      out[k++] = b;
    }, n);
    this.sent += n;
    await publish(this.redis, this.key, out);
  }

  private async pull(): Promise<void> {
    if (this.feed()) {
      const chunks = await this.redis.lrangeBuffer(this.key, this.cursor, this.cursor + PAGE - 1);
      this.cursor += chunks.length;
      for (const c of chunks) this.pending.push(pairsOf(c));
      this.feed();
    }
  }

  /** Move pending pairs into the inbox; true when none are left. */
  private feed(): boolean {
    while (this.pending.length > 0) {
      const p = this.pending[0] as Int32Array;
      while (this.at < p.length) {
        if (!this.inbox.push(p[this.at] as number, p[this.at + 1] as number)) return false;
        this.at += 2;
        this.received++;
      }
      this.pending.shift();
      this.at = 0;
    }
    return true;
  }
}
