import { z } from 'zod';

/**
 * A caller program: what a kernel-side user of the dirty helpers (a driver) does, as a list of
 * typed operations in the scenario file. src/kernel/caller.ts runs it as a step machine; the
 * library of named programs (today's protocols) is src/scenario/protocols.ts.
 *
 * Atomicity: one step runs operations in order until it has called a helper (`wrprotect`,
 * `clean`: the helper runs as its own steps), reaches a `lock` that is not its first
 * operation (a lock may block, so it starts a step), a `yield`, or the end of the program. So
 * "lock; work; unlock" is one atomic step, and other threads interleave between steps.
 */
const bitmap = z
  .enum(['driver', 'own'])
  .describe(
    "`driver`: the driver's bitmap (MKWRITE records into it); `own`: this thread's private one",
  );

const range = z
  .union([
    z.literal('thread'),
    z.literal('dirty-bounds'),
    z.object({ first: z.number().int().min(0), nr: z.number().int().min(0) }).strict(),
  ])
  .default('thread')
  .describe(
    "`thread`: the thread's [first, first + nr); `dirty-bounds`: that range clipped to the driver's dirty bounds (vmwgfx MKWRITE); or an explicit page range",
  );

const lockName = z
  .enum(['driver', 'i_mmap'])
  .describe(
    "`driver`: the driver's lock (vmwgfx: the BO reservation); `i_mmap`: mapping->i_mmap_rwsem",
  );

export const callerOpSchema: z.ZodType<CallerOp> = z.lazy(() =>
  z.discriminatedUnion('op', [
    z
      .object({
        op: z.literal('lock'),
        lock: lockName,
        mode: z.enum(['read', 'write']).default('write'),
      })
      .strict(),
    z
      .object({
        op: z.literal('unlock'),
        lock: lockName,
        mode: z.enum(['read', 'write']).default('write'),
      })
      .strict(),
    z
      .object({ op: z.literal('wrprotect'), range })
      .strict()
      .describe('wp_shared_mapping_range / wp_all (the write-protect helper)'),
    z
      .object({ op: z.literal('clean'), into: bitmap.default('own'), range })
      .strict()
      .describe('clean_record_shared_mapping_range / clean_record_pte into a bitmap'),
    z
      .object({ op: z.literal('unmap-mapping'), range })
      .strict()
      .describe(
        'unmap_mapping_range over the range as its own steps (Z3): i_mmap, then a zap with its mmu_gather per VMA; no harvest first',
      ),
    z
      .object({ op: z.literal('snapshot'), from: bitmap.default('driver') })
      .strict()
      .describe(
        "snapshot-and-clear: the bitmap's set bits in the thread's range move to the snapshot",
      ),
    z.object({ op: z.literal('clear'), bitmap: bitmap.default('driver') }).strict(),
    z.object({ op: z.literal('set'), bitmap: bitmap.default('driver') }).strict(),
    z
      .object({
        op: z.literal('copy'),
        pages: z
          .enum(['snapshot', 'recorded', 'all'])
          .default('recorded')
          .describe(
            '`recorded`: pages whose bit is set in `from`; `snapshot`: the last snapshot; `all`',
          ),
        from: bitmap.default('driver'),
        clear: z.boolean().default(true).describe('recorded: clear each copied bit'),
      })
      .strict()
      .describe('copy pages to the device'),
    z
      .object({ op: z.literal('transfer') })
      .strict()
      .describe(
        "vmwgfx's transfer, vmw_bo_dirty_transfer_to_res() for a resource over the thread's range: nothing when the dirty bounds miss it; else clear the driver bitmap's recorded pages (up to max(resource end, dirty end) by default, S-16), copy those inside the resource, shrink the bounds. Bits set with `set` outside the bounds are not seen",
      ),
    z
      .object({ op: z.literal('done-if-clean'), bitmap: bitmap.default('driver') })
      .strict()
      .describe(
        'no bit set in the range: drop the locks the program holds and return (vmw_bo_dirty_scan_mkwrite)',
      ),
    z
      .object({ op: z.literal('scan') })
      .strict()
      .describe(
        "vmw_bo_dirty_scan over the thread's range (the BO), holding the driver lock: the current method's scan, change_count and the switch to the other method (V5)",
      ),
    z
      .object({ op: z.literal('dirty-add'), method: z.enum(['mkwrite', 'pagetable']) })
      .strict()
      .describe(
        'vmw_bo_dirty_add, holding the driver lock: a fresh tracker; MKWRITE (the kernel picks it for BOs of 512 pages or more) write-protects then cleans the range into the driver bitmap (V5)',
      ),
    z
      .object({
        op: z.literal('unmap'),
        range,
        via: z
          .enum(['vmw_bo_dirty_unmap', 'ttm_bo_unmap_virtual'])
          .default('vmw_bo_dirty_unmap')
          .describe(
            '`vmw_bo_dirty_unmap`: in PAGETABLE mode harvest first (vmw_bo_dirty_pre_unmap); `ttm_bo_unmap_virtual`: TTM zaps the BO without harvesting',
          ),
      })
      .strict()
      .describe(
        'unmap the range holding the driver lock: vmw_bo_dirty_unmap write-protects and cleans it first in PAGETABLE mode (vmw_bo_dirty_pre_unmap), then unmap_shared_mapping_range zaps its PTEs as its own steps (unmap_mapping_range, Z3; V6)',
      ),
    z
      .object({ op: z.literal('validate'), dirtying: z.boolean().default(true) })
      .strict()
      .describe(
        "vmw_resource_do_validate's dirty part for a resource over the thread's range, holding the driver lock: dirtying and res_dirty clear → vmw_bo_dirty_unmap; then transfer; a dirtying use leaves res_dirty set (vmw_resource_unreserve) (V8)",
      ),
    z
      .object({ op: z.literal('yield') })
      .strict()
      .describe('end the atomic step here'),
    z
      .object({
        op: z.literal('repeat'),
        times: z.number().int().min(1).max(8),
        ops: z.array(callerOpSchema).min(1),
      })
      .strict()
      .describe('bounded repetition'),
  ]),
);

export type CallerBitmap = 'driver' | 'own';
export type CallerRange =
  'thread' | 'dirty-bounds' | { readonly first: number; readonly nr: number };
export type CallerLock = 'driver' | 'i_mmap';

export type CallerOp =
  | { readonly op: 'lock' | 'unlock'; readonly lock: CallerLock; readonly mode: 'read' | 'write' }
  | { readonly op: 'wrprotect'; readonly range: CallerRange }
  | { readonly op: 'clean'; readonly into: CallerBitmap; readonly range: CallerRange }
  | { readonly op: 'unmap-mapping'; readonly range: CallerRange }
  | { readonly op: 'snapshot'; readonly from: CallerBitmap }
  | { readonly op: 'clear' | 'set'; readonly bitmap: CallerBitmap }
  | {
      readonly op: 'copy';
      readonly pages: 'snapshot' | 'recorded' | 'all';
      readonly from: CallerBitmap;
      readonly clear: boolean;
    }
  | { readonly op: 'transfer' }
  | { readonly op: 'done-if-clean'; readonly bitmap: CallerBitmap }
  | { readonly op: 'scan' }
  | { readonly op: 'dirty-add'; readonly method: 'mkwrite' | 'pagetable' }
  | {
      readonly op: 'unmap';
      readonly range: CallerRange;
      readonly via: 'vmw_bo_dirty_unmap' | 'ttm_bo_unmap_virtual';
    }
  | { readonly op: 'validate'; readonly dirtying: boolean }
  | { readonly op: 'yield' }
  | { readonly op: 'repeat'; readonly times: number; readonly ops: readonly CallerOp[] };

/** A program without `repeat` (what the step machine runs; pcs index it). */
export type FlatOp = Exclude<CallerOp, { op: 'repeat' }>;

const flatCache = new WeakMap<readonly CallerOp[], readonly FlatOp[]>();

/** The program with every `repeat` unrolled. */
export function flattenProgram(program: readonly CallerOp[]): readonly FlatOp[] {
  const hit = flatCache.get(program);
  if (hit) return hit;
  const out: FlatOp[] = [];
  const walk = (ops: readonly CallerOp[]): void => {
    for (const op of ops)
      if (op.op === 'repeat') for (let i = 0; i < op.times; i++) walk(op.ops);
      else out.push(op);
  };
  walk(program);
  flatCache.set(program, out);
  return out;
}

/** Whether any operation names bitmap `own` (the thread then gets a private bitmap). */
export function usesOwnBitmap(program: readonly CallerOp[]): boolean {
  return flattenProgram(program).some(
    (op) =>
      ('into' in op && op.into === 'own') ||
      ('from' in op && op.from === 'own') ||
      ('bitmap' in op && op.bitmap === 'own'),
  );
}

/** vmwgfx tracker operations: they run src/kernel/vmwgfx.ts and need the BO reserved. */
export const TRACKER_OPS: ReadonlySet<string> = new Set(['scan', 'dirty-add', 'unmap', 'validate']);

/** Whether the program changes vmwgfx's tracker (method, change_count, res_dirty). */
export function changesTracker(program: readonly CallerOp[]): boolean {
  return flattenProgram(program).some((op) => TRACKER_OPS.has(op.op));
}

/**
 * Whether the program cleans PTEs: a `clean` helper call, or a tracker operation (scans and
 * method switches clean_record, an unmap zaps).
 */
export function cleansPtes(program: readonly CallerOp[]): boolean {
  return flattenProgram(program).some((op) => op.op === 'clean' || TRACKER_OPS.has(op.op));
}

/**
 * The checks a schema cannot express, on the unrolled program: locks taken and dropped in
 * pairs (a program never takes a lock it holds or drops one it does not), none held at the end,
 * and no helper call while holding i_mmap for write (the helper takes it for read: it would
 * wait for itself).
 */
export function checkProgram(
  ops: readonly FlatOp[],
  path: string,
  fail: (path: string, message: string) => never,
): void {
  const held = new Map<CallerLock, 'read' | 'write'>();
  ops.forEach((op, i) => {
    const at = `${path} (operation ${i}${ops.length > 0 ? ' after unrolling repeats' : ''})`;
    if (op.op === 'lock') {
      if (held.has(op.lock)) fail(at, `takes ${op.lock} which it already holds`);
      held.set(op.lock, op.mode);
    } else if (op.op === 'unlock') {
      if (held.get(op.lock) !== op.mode)
        fail(at, `drops ${op.lock} (${op.mode}) which it does not hold that way`);
      held.delete(op.lock);
    } else if (TRACKER_OPS.has(op.op) && !held.has('driver'))
      fail(at, `${op.op} runs with the BO reserved: take the driver lock first (V1)`);
    else if (TRACKER_OPS.has(op.op) && held.has('i_mmap'))
      fail(at, `${op.op} calls the helpers or takes i_mmap itself: do not hold i_mmap`);
    else if ((op.op === 'wrprotect' || op.op === 'clean') && held.get('i_mmap') === 'write')
      fail(
        at,
        `calls the ${op.op} helper holding i_mmap for write: the helper would wait for itself`,
      );
    else if (op.op === 'unmap-mapping' && held.has('i_mmap'))
      fail(at, 'calls unmap-mapping holding i_mmap: unmap_mapping_range takes it itself');
  });
  for (const [lock] of held) fail(path, `ends holding ${lock}`);
}
