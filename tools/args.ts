import { SimError } from '../src/index.js';

/** Parse a non-negative integer flag, naming the flag in the error. */
export function intArg(flag: string, max = Number.MAX_SAFE_INTEGER) {
  return (value: string): number => {
    if (!/^\d+$/.test(value) || Number(value) > max)
      throw new SimError('BAD_ARGUMENT', `${flag} expects an integer 0..${max}, got '${value}'`);
    return Number(value);
  };
}

export function collect(value: string, prev: string[] = []): string[] {
  return [...prev, ...value.split(',').filter((s) => s !== '')];
}
