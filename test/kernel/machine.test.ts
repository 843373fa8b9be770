import { describe, expect, it } from 'vitest';
import { defineMachine, isModelInvariantError } from '../../src/index.js';

const M = defineMachine('m', { locals: ['a', 'b', 'c'], labels: ['start', 'middle', 'end'] });

describe('defineMachine', () => {
  it('numbers locals and list labels in declaration order', () => {
    expect(M.slot).toEqual({ a: 0, b: 1, c: 2 });
    expect(M.pc).toEqual({ start: 0, middle: 1, end: 2 });
    expect(M.labelAt).toEqual(['start', 'middle', 'end']);
  });

  it('takes explicit label numbers (gaps allowed)', () => {
    const G = defineMachine('g', { locals: [], labels: { first: 0, far: 10 } });
    expect(G.pc.far).toBe(10);
    expect(G.labelAt[10]).toBe('far');
    expect(G.labelAt[5]).toBeUndefined();
  });

  it('emits numbers: goto(label) and set(local) become thread/goto pc and thread/set slot', () => {
    const e = M.emit(7).set('c', 42).goto('end').call(M, { b: 5 });
    expect(e.ev).toEqual([
      { type: 'thread/set', tid: 7, slot: 2, value: 42 },
      { type: 'thread/goto', tid: 7, pc: 2 },
      { type: 'thread/call', tid: 7, fn: 'm', l: [0, 5, 0] },
    ]);
  });

  it('reads locals by name, 0 when never set', () => {
    expect(M.get({ fn: 'm', pc: 0, l: [1, 2] }, 'b')).toBe(2);
    expect(M.get({ fn: 'm', pc: 0, l: [1, 2] }, 'c')).toBe(0);
  });

  it('rejects a name declared twice or a pc taken twice (model invariant)', () => {
    expect(() => defineMachine('x', { locals: ['a', 'a'], labels: [] })).toThrow(
      /'a' declared twice/,
    );
    expect(() => defineMachine('x', { locals: [], labels: { p: 1, q: 1 } })).toThrow(/taken pc 1/);
  });

  it('an unknown pc is a model invariant failure, not bad input', () => {
    let err: unknown;
    try {
      M.badPc({ fn: 'm', pc: 9, l: [] });
    } catch (e) {
      err = e;
    }
    expect(isModelInvariantError(err)).toBe(true);
    expect((err as Error).message).toBe('m: no label at pc 9');
  });
});
