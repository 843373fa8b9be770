import { parentPort } from 'node:worker_threads';
import { getProperty, makeModel } from '../../src/index.js';
import { SearchPart } from '../../src/explore/parallel/searchPart.js';
import { SharedFingerprintSet } from '../../src/explore/parallel/sharedSet.js';
import { HUNGRY, STOP, type FromPart, type ToPart } from './protocol.js';

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

port.on('message', (m: ToPart) => {
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
