import { describe, expect, it } from 'vitest';
import {
  getProtocol,
  isSimError,
  makeModel,
  parseScenario,
  PROTOCOLS,
  runModel,
  type SimEvent,
} from '../../src/index.js';
import { builtin } from '../helpers/scenarios.js';
import { cli } from '../helpers/cli.js';

/** A one-page scenario with a writer and the given caller-side threads. */
function withThreads(threads: unknown[]): unknown {
  return {
    name: 't',
    pages: 2,
    cpus: 2,
    mms: [
      { vmas: [{ start: 0, pgoff: 0, npages: 2, flags: ['shared', 'write', 'io', 'pfnmap'] }] },
    ],
    threads: [{ kind: 'user', cpu: 1, writes: 1 }, ...threads],
  };
}

function parseError(threads: unknown[]): string {
  try {
    parseScenario(withThreads(threads), 'x.yaml');
  } catch (e) {
    if (isSimError(e)) return e.message;
    throw e;
  }
  return 'no error';
}

describe('caller programs in the scenario file', () => {
  it('a protocol name resolves to its library program', () => {
    const s = parseScenario(withThreads([{ kind: 'caller', protocol: 'snap' }]), 'x');
    const t = s.threads[1];
    expect(t?.kind === 'caller' && t.program).toEqual(getProtocol('snap')?.program);
  });

  it('a resolved scenario (protocol and program) reads back the same', () => {
    const s = parseScenario(withThreads([{ kind: 'caller', protocol: 'clean' }]), 'x');
    expect(parseScenario(JSON.parse(JSON.stringify(s)), 'again')).toEqual(s);
  });

  it.each([
    [
      'an unknown operation',
      [{ kind: 'caller', program: [{ op: 'frobnicate' }] }],
      /x\.yaml: threads\[1\]\.program\[0\]\.op: /,
    ],
    [
      'a bad field of an operation',
      [{ kind: 'caller', program: [{ op: 'lock', lock: 'bkl' }] }],
      /threads\[1\]\.program\[0\]\.lock: /,
    ],
    [
      'an unknown field',
      [{ kind: 'caller', program: [{ op: 'yield', extra: 1 }] }],
      /threads\[1\]\.program\[0\]: .*extra/,
    ],
    ['neither protocol nor program', [{ kind: 'caller' }], /threads\[1\]: a caller needs/],
    [
      'a program that is not its protocol',
      [{ kind: 'caller', protocol: 'snap', program: [{ op: 'yield' }] }],
      /threads\[1\]\.program: is not the program of protocol 'snap'/,
    ],
    [
      'dropping a lock it does not hold',
      [{ kind: 'caller', program: [{ op: 'unlock', lock: 'driver' }] }],
      /threads\[1\]\.program \(operation 0.*drops driver/,
    ],
    [
      'ending with a lock held',
      [{ kind: 'caller', program: [{ op: 'lock', lock: 'driver' }] }],
      /threads\[1\]\.program: ends holding driver/,
    ],
    [
      'a helper call under i_mmap for write',
      [
        {
          kind: 'caller',
          program: [
            { op: 'lock', lock: 'i_mmap' },
            { op: 'wrprotect' },
            { op: 'unlock', lock: 'i_mmap' },
          ],
        },
      ],
      /would wait for itself/,
    ],
  ])('rejects %s with a field path', (_, threads, want) => {
    expect(parseError(threads)).toMatch(want);
  });

  it('one atomic step runs operations up to the next lock, yield or helper call', () => {
    // lock; set; unlock in one step, then a second step from the next lock.
    const s = parseScenario(
      withThreads([
        {
          kind: 'caller',
          program: [
            { op: 'lock', lock: 'driver' },
            { op: 'set', bitmap: 'driver' },
            { op: 'unlock', lock: 'driver' },
            { op: 'lock', lock: 'driver' },
            { op: 'copy', pages: 'recorded' },
            { op: 'unlock', lock: 'driver' },
          ],
        },
      ]),
      'x',
    );
    const events: SimEvent[] = [];
    runModel(makeModel(s), { schedule: [{ tid: 1, choice: 0 }], maxSteps: 1 }, (e) =>
      events.push(e),
    );
    const mine = events.filter((e) => 'tid' in e && e.tid === 1 && !e.type.startsWith('@sim'));
    expect(mine.map((e) => e.type)).toEqual([
      'lock/acquire',
      'bitmap/set',
      'bitmap/set',
      'lock/release',
      'thread/goto',
    ]);
    // The copy in the same step sees the bits this step set (a step's own view of the bitmap).
    const all: SimEvent[] = [];
    runModel(
      makeModel(s),
      {
        schedule: [
          { tid: 1, choice: 0 },
          { tid: 1, choice: 0 },
        ],
        maxSteps: 2,
      },
      (e) => all.push(e),
    );
    expect(all.filter((e) => e.type === 'dev/copy').map((e) => 'page' in e && e.page)).toEqual([
      0, 1,
    ]);
  });

  it('bounded repetition unrolls', () => {
    const s = parseScenario(withThreads([{ kind: 'consumer', passes: 3 }]), 'x');
    const events: SimEvent[] = [];
    runModel(makeModel(s), { seed: 1 }, (e) => events.push(e));
    const acquires = events.filter((e) => e.type === 'lock/acquire' && e.tid === 1);
    expect(acquires).toHaveLength(3);
  });
});

describe('the protocol library', () => {
  it('has the protocols the model had built in, and the vmwgfx tracker ones (V5, V8)', () => {
    expect(PROTOCOLS.map((p) => p.name)).toEqual([
      'snap',
      'lit',
      'clean',
      'vmwgfx-mkwrite',
      'vmwgfx-pagetable',
      'vmwgfx-scan',
      'vmwgfx-execbuf',
    ]);
  });

  it('ptesim protocols prints each as a program: block that parses back', async () => {
    const r = await cli('protocols', 'vmwgfx-mkwrite');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^# vmwgfx-mkwrite: /);
    const { parse } = await import('yaml');
    const program = (parse(r.out.split('\n').slice(1).join('\n')) as { program: unknown }).program;
    expect(program).toEqual(getProtocol('vmwgfx-mkwrite')?.program);
    expect((await cli('protocols', 'nope')).code).toBe(2);
  });
});

describe('a consumer copies while a helper call is in flight', () => {
  it('consumer-during-clean: the consumer clears a bit between the commit and the flush', () => {
    const s = builtin('consumer-during-clean');
    expect(s.threads.map((t) => t.kind)).toEqual(['user', 'caller', 'consumer', 'drain']);
  });
});
