import { z } from 'zod';
import { expectSchema } from './expect.js';
import { callerOpSchema } from './program.js';
import { PROTOCOLS } from './protocols.js';

/**
 * The scenario file format (YAML or JSON). `scenarioJsonSchema()` exports it as JSON Schema for
 * editors; `parseScenario` (parse.ts) adds the cross-field checks a schema cannot express.
 */
const int = (min = 0) => z.number().int().min(min);
/** Every thread kind may be named (for the views); most run on a CPU, 0 unless given. */
const named = { name: z.string().min(1).max(200).optional() };
const onCpu = { ...named, cpu: int().default(0) };
/** The address_space pages a thread works on. */
const pageRange = {
  first: int().default(0),
  nr: int(1).optional().describe('pages from `first`; default: to the end of the address_space'),
};

export const vmFlagSchema = z.enum([
  'shared',
  'mayshare',
  'write',
  'maywrite',
  'io',
  'pfnmap',
  'mixedmap',
  'hugetlb',
]);

export const vmaSchema = z
  .object({
    start: int().describe('first virtual page number'),
    pgoff: int().describe('page offset into the address_space'),
    npages: int(1),
    flags: z
      .array(vmFlagSchema)
      .max(8)
      .describe('vm_flags: VM_SHARED, VM_WRITE, VM_MAYWRITE, VM_IO, ...'),
    special: z
      .boolean()
      .optional()
      .describe(
        'VM_MIXEDMAP only: its PTEs are special (vmf_insert_mixed → insert_pfn on an arch with pte_special, as TTM in 2019): no struct page, so write faults take wp_pfn_shared and writeback/reclaim never reach them (F7). Absent/false: page-backed (vm_insert_page)',
      ),
  })
  .strict();

const accessOpSchema = z.object({ op: z.enum(['write', 'read']), vpn: int() }).strict();
/** Address-space calls of a user thread on one whole VMA of its mm (index `vma`). */
const vmaOpSchema = z
  .object({
    op: z.enum(['msync', 'madvise-dontneed', 'munmap', 'mmap']),
    vma: int().default(0),
  })
  .strict();
const mprotectOpSchema = z
  .object({
    op: z.literal('mprotect'),
    vma: int().default(0),
    prot: z.enum(['read', 'read-write']),
  })
  .strict();
const userOpSchema = z.union([accessOpSchema, vmaOpSchema, mprotectOpSchema]);

export const userThreadSchema = z
  .object({
    kind: z.literal('user'),
    ...named,
    cpu: int(),
    mm: int().default(0),
    ops: z
      .array(userOpSchema)
      .max(1000)
      .default([])
      .describe(
        'scripted accesses and address-space calls (msync, mprotect, madvise, munmap, mmap), in order (at most 1000)',
      ),
    writes: int()
      .default(0)
      .describe('then this many writes to a page chosen non-deterministically'),
  })
  .strict();

export const callerThreadSchema = z
  .object({
    kind: z.enum(['caller', 'drain']),
    ...onCpu,
    protocol: z
      .enum(PROTOCOLS.map((p) => p.name) as [string, ...string[]])
      .optional()
      .describe('a named program of the library (`ptesim protocols`); or give `program`'),
    program: z
      .array(callerOpSchema)
      .min(1)
      .max(64)
      .optional()
      .describe('the caller as typed operations (see README "Write your own driver protocol")'),
    ...pageRange,
    copy: z
      .boolean()
      .default(true)
      .describe(
        'clean protocol: copy recorded pages to the device; false = the bitmap is consumed outside the model',
      ),
  })
  .strict();

export const consumerThreadSchema = z
  .object({
    kind: z.literal('consumer'),
    ...onCpu,
    passes: int(1).max(4).default(1).describe('how many times it runs'),
    from: z.enum(['driver', 'own']).default('driver').describe('the bitmap it consumes'),
    ...pageRange,
  })
  .strict()
  .describe(
    'a concurrent consumer: under the driver lock, copies the pages whose bits are set and clears them, whenever it runs (also while a helper call is in flight)',
  );

export const mprotectThreadSchema = z
  .object({
    kind: z.literal('mprotect'),
    ...onCpu,
    mm: int().default(0),
    vma: int().default(0).describe('index of the VMA (in its mm) that mprotect(PROT_READ) covers'),
    batchedPendingFlush: z
      .boolean()
      .default(true)
      .describe(
        'call flush_tlb_batched_pending() under the PTL (3ea277194daa); false reproduces S-6',
      ),
  })
  .strict();

export const clearRefsThreadSchema = z
  .object({
    kind: z.literal('clear-refs'),
    ...onCpu,
    mm: int().default(0),
    type: z
      .enum(['soft-dirty', 'young'])
      .default('soft-dirty')
      .describe('echo 4 (soft-dirty) or 1 (young) > clear_refs'),
    missingFlush: z
      .boolean()
      .default(false)
      .describe(
        'tlb_finish_mmu with nothing gathered skips the flush (0758cd830494, fixed by 912efa17e512): S-9',
      ),
  })
  .strict();

export const writebackThreadSchema = z
  .object({
    kind: z.literal('writeback'),
    ...onCpu,
    ...pageRange,
    final: z
      .boolean()
      .default(false)
      .describe('run once every other thread has finished (like a drain)'),
    checksFlushPending: z
      .boolean()
      .default(false)
      .describe(
        'counterfactual: page_mkclean_one also flushes when mm_tlb_flush_pending() (the S-3 fix applied to S-14)',
      ),
  })
  .strict();

export const reclaimThreadSchema = z
  .object({
    kind: z.literal('reclaim'),
    ...onCpu,
    page: int().describe('the page try_to_unmap() unmaps with a batched (deferred) TLB flush'),
  })
  .strict();

export const deviceThreadSchema = z
  .object({
    kind: z.literal('device'),
    ...named,
    cpu: z
      .literal(-1)
      .optional()
      .describe('always -1 (a device is no CPU); written in resolved scenarios'),
    sub: int().default(0).describe('index into secondaryMmus'),
    writes: int().default(1).describe('device stores, each to a page chosen non-deterministically'),
  })
  .strict();

export const kthreadThreadSchema = z
  .object({
    kind: z.literal('kthread'),
    name: z.string().min(1).max(200).optional(),
    cpu: int().default(0),
    switches: int(1)
      .max(8)
      .default(1)
      .describe(
        'T9: times the CPU switches from its user task to this kernel thread (lazy TLB on x86) at any point',
      ),
  })
  .strict();

export const scenarioSchema = z
  .object({
    name: z.string().min(1).max(200),
    description: z.string().max(4000).default(''),
    arch: z.string().default('x86-64'),
    variant: z.string().default('seed-v4'),
    options: z
      .object({
        faultPath: z.enum(['faithful', 'atomic']).default('faithful'),
        flush: z.enum(['per-cpu', 'atomic']).default('per-cpu'),
        shootdownOrder: z
          .enum(['any', 'ascending'])
          .optional()
          .describe(
            "T8, flush: per-cpu: 'any' (default) = which CPU's IPI completes next is a recorded choice; 'ascending' = lowest CPU first",
          ),
        tlbCapacity: int(1).max(4096).default(64),
        ptesPerTable: int(1).max(4096).default(512),
        arch: z.record(z.string().max(64), z.union([z.string().max(200), z.boolean()])).default({}),
        kernel: z
          .enum(['current', 'pre-6.0', 'pre-4.13'])
          .optional()
          .describe(
            "kernel generation where paths differ: `current` (default), `pre-6.0` (mprotect's dirty_accountable and whole-range flush; unmap_mapping_range under i_mmap for write, as until v5.17) or `pre-4.13` (also: the zap's mmu_gather before 99baac21e458, no tlb_flush_pending and no nested flush)",
          ),
      })
      .strict()
      .default({
        faultPath: 'faithful',
        flush: 'per-cpu',
        tlbCapacity: 64,
        ptesPerTable: 512,
        arch: {},
      }),
    pages: int(1).max(30),
    cpus: int(1).max(16),
    mms: z
      .array(z.object({ vmas: z.array(vmaSchema).min(1).max(16) }).strict())
      .min(1)
      .max(8),
    initialPte: z
      .enum(['writable-clean', 'writable-dirty', 'readonly', 'none'])
      .default('writable-clean'),
    driver: z
      .object({
        mode: z.enum(['mkwrite', 'pagetable']).default('pagetable'),
        initialBitmap: z.enum(['all', 'none']).default('none'),
        changeCount: int()
          .max(2)
          .optional()
          .describe(
            'vmwgfx change_count at start (consecutive method-change triggers so far, at most VMW_DIRTY_NUM_CHANGE_TRIGGERS = 2): with 2 the next triggering scan switches',
          ),
        resDirty: z
          .boolean()
          .optional()
          .describe("the resource's res_dirty at start (validate unmaps only when it is clear)"),
        transferClamp: z
          .enum(['max', 'min'])
          .optional()
          .describe(
            "S-16: vmw_bo_dirty_transfer_to_res() clamps the cleared range's end with `max` (default: mainline, bits past a resource's end are cleared and not copied) or `min` (the posted fix)",
          ),
      })
      .strict()
      .default({ mode: 'pagetable', initialBitmap: 'none' }),
    threads: z
      .array(
        z.discriminatedUnion('kind', [
          userThreadSchema,
          callerThreadSchema,
          consumerThreadSchema,
          mprotectThreadSchema,
          clearRefsThreadSchema,
          writebackThreadSchema,
          reclaimThreadSchema,
          deviceThreadSchema,
          kthreadThreadSchema,
        ]),
      )
      .min(1)
      .max(30),
    secondaryMmus: z
      .array(
        z
          .object({
            mm: int().default(0),
            ignoresSequence: z.boolean().default(false),
            writableFrom: z
              .enum(['write-and-dirty', 'write'])
              .optional()
              .describe(
                "R11: which CPU PTE makes a writable SPTE: 'write-and-dirty' (default; a clean PTE is write-faulted first) or 'write' (pte_write alone: HMM's hmm_vma_handle_pte, KVM's hva_to_pfn_remapped)",
              ),
          })
          .strict(),
      )
      .max(4)
      .default([])
      .describe('interval-notifier subscribers (device TLBs)'),
    matrix: z
      .object({
        archs: z
          .array(z.string())
          .default([])
          .describe("archs `ptesim matrix` explores by default; [] = the scenario's arch"),
        variants: z
          .array(z.string())
          .default([])
          .describe("variants explored by default; [] = the scenario's variant"),
      })
      .strict()
      .default({ archs: [], variants: [] }),
    expect: expectSchema
      .optional()
      .describe(
        'expected verdict per (arch, variant): `ptesim matrix` compares; required for every matrix cell when given',
      ),
  })
  .strict();

export type ScenarioInput = z.input<typeof scenarioSchema>;

export function scenarioJsonSchema(): unknown {
  return z.toJSONSchema(scenarioSchema, { io: 'input' });
}
