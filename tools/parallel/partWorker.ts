import { parentPort } from 'node:worker_threads';
// The modules a search thread needs, not the library's index: a thread starts sooner.
import { makeModel } from '../../src/sim/model.js';
import { getProperty } from '../../src/check/registry.js';
import { SearchPart } from '../../src/explore/parallel/searchPart.js';
import { SharedFingerprintSet } from '../../src/explore/parallel/sharedSet.js';
import { BfsPart, type LevelEntry } from '../../src/explore/parallel/bfsPart.js';
import {
  HUNGRY,
  STOP,
  type FromLevel,
  type FromPart,
  type ToLevel,
  type ToPart,
} from './protocol.js';

/**
 * A search thread of `explore --workers N`: runs its {@link SearchPart} on the work items it
 * is sent, gives work to hungry threads, and says when it runs dry or stops.
 */
const port = parentPort;
if (!port) throw new Error('partWorker runs as a worker thread');
const post = (m: FromPart): void => port.postMessage(m);
/** Transitions per turn between looks at the control words. */
const TURN = 256;
const PROGRESS = 1 << 14;
let part: SearchPart | null = null;
let control: Int32Array | null = null;

function run(): void {
  const p = part as SearchPart;
  const ctl = control as Int32Array;
  let reported = p.stats.transitions;
  for (;;) {
    const r = p.step(TURN);
    if (r === 'violated' || r === 'cut') return post({ kind: 'stopped' });
    if (r === 'idle' || Atomics.load(ctl, STOP) !== 0) return post({ kind: 'idle' });
    if (Atomics.load(ctl, HUNGRY) > 0) {
      if (Atomics.sub(ctl, HUNGRY, 1) > 0) {
        const item = p.split();
        if (item) post({ kind: 'work', item });
        else Atomics.add(ctl, HUNGRY, 1);
      } else Atomics.add(ctl, HUNGRY, 1);
    }
    if (p.stats.transitions - reported >= PROGRESS) {
      reported = p.stats.transitions;
      post({ kind: 'progress', transitions: reported, depth: p.depth });
    }
  }
}

let bfs: BfsPart | null = null;

/** The shortest-counterexample BFS side of this thread (see levels.ts). */
function onLevel(m: ToLevel): void {
  const reply = (status: FromLevel['status'], entries?: readonly LevelEntry[]): void => {
    const b = bfs as BfsPart;
    const r: FromLevel = {
      kind: 'level-reply',
      status,
      size: b.size,
      transitions: b.transitions,
      picks: b.picks,
      ...(entries && { entries }),
    };
    port?.postMessage(r);
  };
  if (m.kind === 'bfs-init') {
    const model = makeModel(m.scenario, { arch: m.arch, variant: m.variant });
    bfs = new BfsPart(model, m.properties.map(getProperty), true, new SharedFingerprintSet(m.set));
    return reply(m.first ? bfs.begin() : 'done');
  }
  const b = bfs as BfsPart;
  if (m.kind === 'level') return reply(b.level(m.depth));
  if (m.kind === 'give-half') {
    const half = b.takeHalf();
    return reply('done', half);
  }
  b.add(m.entries);
  reply('done');
}

port.on('message', (m: ToPart | ToLevel) => {
  if (m.kind === 'bfs-init' || m.kind === 'level' || m.kind === 'give-half' || m.kind === 'take') {
    try {
      return onLevel(m);
    } catch (e) {
      const r: FromLevel = {
        kind: 'level-reply',
        status: 'full',
        size: 0,
        transitions: 0,
        picks: null,
        error: (e as Error).stack ?? String(e),
      };
      return port?.postMessage(r);
    }
  }
  try {
    if (m.kind === 'init') {
      const model = makeModel(m.scenario, { arch: m.arch, variant: m.variant });
      part = new SearchPart(
        model,
        m.properties.map(getProperty),
        m.options,
        new SharedFingerprintSet(m.set),
      );
      control = new Int32Array(m.control);
      if (!m.first) return post({ kind: 'idle' });
      part.begin();
      return run();
    }
    const p = part as SearchPart;
    if (m.kind === 'work') {
      p.give(m.item);
      return run();
    }
    post({
      kind: 'done',
      outcome: { stats: p.stats, violation: p.violation, picks: p.picks, cut: p.cut },
    });
  } catch (e) {
    post({
      kind: 'error',
      message: (e as Error).stack ?? String(e),
      code: (e as { code?: string }).code ?? null,
    });
  }
});
