import fc from 'fast-check';
import { listArchs, listVariants, parseScenario, type Scenario } from '../../src/index.js';

/**
 * Small random scenarios: 1–3 pages, 1–2 CPUs, writers, callers with any protocol, an optional
 * drain, any registered arch and variant, both granularities. Parsed through the real parser,
 * so every generated value is a valid scenario.
 */
export const scenarioArb: fc.Arbitrary<Scenario> = fc
  .record({
    pages: fc.integer({ min: 1, max: 3 }),
    cpus: fc.integer({ min: 1, max: 2 }),
    arch: fc.constantFrom(...listArchs().map((a) => a.name)),
    variant: fc.constantFrom(...listVariants().map((v) => v.name)),
    faultPath: fc.constantFrom('faithful', 'atomic'),
    flush: fc.constantFrom('per-cpu', 'atomic'),
    tlbCapacity: fc.integer({ min: 1, max: 4 }),
    ptesPerTable: fc.integer({ min: 1, max: 4 }),
    initialPte: fc.constantFrom('writable-clean', 'writable-dirty', 'readonly', 'none'),
    mode: fc.constantFrom('mkwrite', 'pagetable'),
    initialBitmap: fc.constantFrom('all', 'none'),
    writes: fc.array(fc.integer({ min: 0, max: 2 }), { minLength: 1, maxLength: 2 }),
    protocols: fc.array(fc.constantFrom('snap', 'clean', 'vmwgfx-mkwrite', 'vmwgfx-pagetable'), {
      maxLength: 2,
    }),
    drain: fc.option(fc.constantFrom('snap', 'clean', 'vmwgfx-mkwrite', 'vmwgfx-pagetable'), {
      nil: undefined,
    }),
  })
  .map((r) =>
    parseScenario({
      name: 'random',
      arch: r.arch,
      variant: r.variant,
      options: {
        faultPath: r.faultPath,
        flush: r.flush,
        tlbCapacity: r.tlbCapacity,
        ptesPerTable: r.ptesPerTable,
        arch: {},
      },
      pages: r.pages,
      cpus: r.cpus,
      mms: [
        {
          vmas: [
            {
              start: 0,
              pgoff: 0,
              npages: r.pages,
              flags: ['shared', 'write', 'maywrite', 'io', 'pfnmap'],
            },
          ],
        },
      ],
      initialPte: r.initialPte,
      driver: { mode: r.mode, initialBitmap: r.initialBitmap },
      threads: [
        ...r.writes.map((w, i) => ({ kind: 'user', cpu: i % r.cpus, writes: w })),
        ...r.protocols.map((p) => ({ kind: 'caller', protocol: p })),
        ...(r.drain ? [{ kind: 'drain', protocol: r.drain }] : []),
      ],
    }),
  );

export const seedArb = fc.integer({ min: 0, max: 0xffff });
