import type { CallerOp } from './program.js';

export interface Protocol {
  readonly name: string;
  readonly description: string;
  readonly program: readonly CallerOp[];
}

const lock: CallerOp = { op: 'lock', lock: 'driver', mode: 'write' };
const unlock: CallerOp = { op: 'unlock', lock: 'driver', mode: 'write' };

/**
 * `ops` with the driver lock held for write around them (vmwgfx: the BO reserved,
 * ttm_bo_reserve … ttm_bo_unreserve), as a run of a program.
 */
function underDriverLock(...ops: readonly CallerOp[]): readonly CallerOp[] {
  return [lock, ...ops, unlock];
}

/**
 * The named caller programs (`protocol:` in a scenario; `ptesim protocols` prints them as YAML
 * to copy into `program:`). Each is the program form of the protocol the model had built in,
 * step for step (the same events, the same atomic steps): test/e2e/matrixExpect.test.ts holds
 * the cells of the scenarios recorded before caller programs (snap, clean, vmwgfx-mkwrite) to
 * what the built-in code gave; the other protocols are held to their scenarios' `expect:`.
 */
export const PROTOCOLS: readonly Protocol[] = [
  {
    name: 'snap',
    description:
      "the SPIN anchor's SNAP (docs/rules/vmwgfx.md): under the driver lock snapshot-and-clear the driver bitmap, then write-protect the range, then copy the snapshot's pages",
    program: [
      ...underDriverLock({ op: 'snapshot', from: 'driver' }),
      { op: 'wrprotect', range: 'thread' },
      ...underDriverLock({ op: 'copy', pages: 'snapshot', from: 'driver', clear: false }),
    ],
  },
  {
    name: 'lit',
    description:
      "the SPIN anchor's literal brief (PROTO=1): write-protect the range, then under the driver lock copy the pages whose bit is set and clear them",
    program: [
      { op: 'wrprotect', range: 'thread' },
      ...underDriverLock({ op: 'copy', pages: 'recorded', from: 'driver', clear: true }),
    ],
  },
  {
    name: 'clean',
    description:
      'clean_record into a private bitmap, then under the driver lock copy the recorded pages and clear their bits',
    program: [
      { op: 'clean', into: 'own', range: 'thread' },
      ...underDriverLock({ op: 'copy', pages: 'recorded', from: 'own', clear: true }),
    ],
  },
  {
    name: 'vmwgfx-mkwrite',
    description:
      'vmw_bo_dirty_scan_mkwrite with the BO reserved: no bit set → done; else write-protect the dirty bounds, transfer, unreserve (V2)',
    program: underDriverLock(
      { op: 'done-if-clean', bitmap: 'driver' },
      { op: 'yield' },
      { op: 'wrprotect', range: 'dirty-bounds' },
      { op: 'transfer' },
    ),
  },
  {
    name: 'vmwgfx-pagetable',
    description:
      'vmw_bo_dirty_scan_pagetable with the BO reserved: clean_record the whole range into the driver bitmap, transfer, unreserve',
    program: underDriverLock(
      { op: 'yield' },
      { op: 'clean', into: 'driver', range: 'thread' },
      { op: 'transfer' },
    ),
  },
  {
    name: 'vmwgfx-scan',
    description:
      "vmw_bo_dirty_scan with the BO reserved, with method switching (change_count, V5): the current method's scan, then transfer, unreserve",
    program: underDriverLock({ op: 'scan' }, { op: 'transfer' }),
  },
  {
    name: 'vmwgfx-execbuf',
    description:
      'command submission with the BO reserved: vmw_bo_dirty_scan (V5), then validate a dirtying use of a resource over the range (unmap when res_dirty is clear, transfer; V8), unreserve',
    program: underDriverLock({ op: 'scan' }, { op: 'validate', dirtying: true }),
  },
];

export function getProtocol(name: string): Protocol | undefined {
  return PROTOCOLS.find((p) => p.name === name);
}

/** A consumer's program: `passes` times, under the driver lock, copy and clear recorded pages. */
export function consumerProgram(passes: number, from: 'driver' | 'own'): readonly CallerOp[] {
  return [
    {
      op: 'repeat',
      times: passes,
      ops: underDriverLock({ op: 'copy', pages: 'recorded', from, clear: true }),
    },
  ];
}
