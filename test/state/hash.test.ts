import { describe, expect, it } from 'vitest';
import { initialMutableState, stateHash, type SimState } from '../../src/index.js';
import { builtin } from '../helpers/scenarios.js';

describe('canonical state hash', () => {
  it('is 16 hex digits, equal for equal states and different when one PTE bit differs', () => {
    const a = initialMutableState(builtin('seed-clean'));
    const b = initialMutableState(builtin('seed-clean'));
    expect(stateHash(a as unknown as SimState)).toMatch(/^[0-9a-f]{16}$/);
    expect(stateHash(a as unknown as SimState)).toBe(stateHash(b as unknown as SimState));
    b.mms[0]!.ptes[1]! ^= 4;
    expect(stateHash(a as unknown as SimState)).not.toBe(stateHash(b as unknown as SimState));
  });

  it('tells apart states that differ only in where a value sits', () => {
    const a = initialMutableState(builtin('seed-clean'));
    const b = initialMutableState(builtin('seed-clean'));
    a.bitmaps[0]![0] = 1;
    b.bitmaps[0]![1] = 1;
    expect(stateHash(a as unknown as SimState)).not.toBe(stateHash(b as unknown as SimState));
  });
});
