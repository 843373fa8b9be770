import { describe, expect, it } from 'vitest';
import { explore, getProperty, makeModel, type SimEvent } from '../../src/index.js';
import { builtin } from '../helpers/scenarios.js';
import { freshState, stepUntilDepth } from '../helpers/world.js';
import { modelOf } from './actorWorld.js';

// V2, S-16: vmw_bo_dirty_transfer_to_res() for a resource over BO pages [first, first + nr),
// as drivers/gpu/drm/vmwgfx/vmwgfx_page_dirty.c writes it: early return when the resource and
// the dirty bounds do not meet; clear from max(res_start, dirty start) to max(res_end, dirty
// end) (mainline; min() in the posted fix); copy only inside the resource
// (vmw_surface_dirty_range_add clamps); shrink the bounds.
function transfer(opts: {
  pages: number;
  first: number;
  nr: number;
  clamp?: 'max' | 'min';
  initialBitmap?: 'all' | 'none';
  ops?: Record<string, unknown>[];
}) {
  const model = modelOf({
    pages: opts.pages,
    cpus: 1,
    variant: 'upstream',
    mms: [
      {
        vmas: [
          {
            start: 0,
            pgoff: 0,
            npages: opts.pages,
            flags: ['shared', 'write', 'maywrite', 'io', 'pfnmap'],
          },
        ],
      },
    ],
    initialPte: 'readonly',
    driver: {
      mode: 'mkwrite',
      initialBitmap: opts.initialBitmap ?? 'all',
      ...(opts.clamp && { transferClamp: opts.clamp }),
    },
    threads: [
      {
        kind: 'caller',
        cpu: 0,
        first: opts.first,
        nr: opts.nr,
        program: [
          { op: 'lock', lock: 'driver' },
          ...(opts.ops ?? []),
          { op: 'transfer' },
          { op: 'unlock', lock: 'driver' },
        ],
      },
    ],
  });
  const s = freshState(model);
  const ev = stepUntilDepth(model, s, 0, 0, 100);
  const copied = ev.flatMap((e: SimEvent) => (e.type === 'dev/copy' ? [e.page] : []));
  return { copied, bits: [...(s.bitmaps[0] ?? [])], bounds: { ...s.bounds } };
}

describe('vmw_bo_dirty_transfer_to_res (V2, S-16)', () => {
  it('a resource ending before the dirty bounds: max clears the bits past its end, uncopied (S-16)', () => {
    // Bits and bounds [0, 3); resource [0, 1).
    expect(transfer({ pages: 3, first: 0, nr: 1, clamp: 'max' })).toEqual({
      copied: [0],
      bits: [0, 0, 0],
      bounds: { start: 3, end: 0 },
    });
  });

  it('the posted fix (min) clears and copies the resource only and keeps the rest of the bounds', () => {
    expect(transfer({ pages: 3, first: 0, nr: 1, clamp: 'min' })).toEqual({
      copied: [0],
      bits: [0, 1, 1],
      bounds: { start: 1, end: 3 },
    });
  });

  it('mainline is the default (max)', () => {
    expect(transfer({ pages: 3, first: 0, nr: 1 })).toEqual(
      transfer({ pages: 3, first: 0, nr: 1, clamp: 'max' }),
    );
  });

  it('a resource in the middle: the bounds keep what lies before it', () => {
    expect(transfer({ pages: 3, first: 1, nr: 1, clamp: 'max' })).toEqual({
      copied: [1],
      bits: [1, 0, 0],
      bounds: { start: 0, end: 1 },
    });
    expect(transfer({ pages: 3, first: 1, nr: 1, clamp: 'min' })).toEqual({
      copied: [1],
      bits: [1, 0, 1],
      bounds: { start: 0, end: 3 },
    });
  });

  it('a whole-BO transfer is the same with either clamp and leaves the bounds empty', () => {
    const max = transfer({ pages: 3, first: 0, nr: 3, clamp: 'max' });
    expect(max).toEqual({ copied: [0, 1, 2], bits: [0, 0, 0], bounds: { start: 3, end: 0 } });
    expect(transfer({ pages: 3, first: 0, nr: 3, clamp: 'min' })).toEqual(max);
  });

  it('returns early when the dirty bounds do not meet the resource, even with bits set', () => {
    // `set` sets bits without widening the bounds (only mkwrite and the scans do that).
    expect(
      transfer({
        pages: 2,
        first: 0,
        nr: 2,
        initialBitmap: 'none',
        ops: [{ op: 'set', bitmap: 'driver' }],
      }),
    ).toEqual({ copied: [], bits: [1, 1], bounds: { start: 2, end: 0 } });
  });
});

describe('S-16 scenario pair', () => {
  it('max loses the write of the page past the resource; min holds (exhaustive)', () => {
    const lost = getProperty('lost-write');
    if (!lost) throw new Error('lost-write is not registered');
    const pre = explore(makeModel(builtin('s16-transfer-clamp')), { properties: [lost] });
    expect(pre.verdict).toBe('violated');
    expect(pre.property).toBe('lost-write');
    expect(pre.message).toContain('page 1');
    const post = explore(makeModel(builtin('s16-transfer-clamp-fixed')), { properties: [lost] });
    expect(post.exhaustive).toBe(true);
    expect(post.verdict).toBe('holds');
  });
});
