import { describe, expect, it } from 'vitest';
import {
  applyEvent,
  decide,
  enabledThreads,
  initialMutableState,
  makeModel,
  runModel,
  stepOptions,
  type Model,
  type Scenario,
  type SimEvent,
  type SimState,
} from '../../src/index.js';
import { LocalSteps } from '../../src/explore/localStep.js';
import { STATE_OPS } from '../../src/explore/stateOps.js';
import { builtin, builtinNames } from '../helpers/scenarios.js';

/**
 * The local-step reduction (ample sets of size one) assumes that no step machine reads another
 * thread's frames, only whether it has finished (`stack.length`, as drains do). Checked here
 * for every built-in scenario (every step machine in use), on random runs: options and decide
 * run on a view whose other threads record any access beyond `stack.length`.
 */
function spyState(state: SimState, tid: number, bad: string[]): SimState {
  const threads = new Proxy(state.threads as unknown as object[], {
    get(target, prop, receiver) {
      const v = Reflect.get(target, prop, receiver) as unknown;
      if (typeof prop !== 'string' || prop === String(tid) || !/^\d+$/.test(prop)) return v;
      return new Proxy(v as object, {
        get(t, p, r) {
          const x = Reflect.get(t, p, r) as unknown;
          if (p !== 'stack') {
            bad.push(`threads[${prop}].${String(p)}`);
            return x;
          }
          return new Proxy(x as object, {
            get(s, q, r2) {
              if (q !== 'length') bad.push(`threads[${prop}].stack.${String(q)}`);
              return Reflect.get(s, q, r2) as unknown;
            },
          });
        },
      });
    },
  });
  return new Proxy(state, {
    get: (t, p, r) => (p === 'threads' ? threads : (Reflect.get(t, p, r) as unknown)),
  });
}

/** Calls `f` with the state before every scheduler pick of three seeded runs (300 steps each). */
function atEveryPick(model: Model, f: (s: SimState) => void): void {
  for (let seed = 1; seed <= 3; seed++) {
    const events: SimEvent[] = [];
    runModel(model, { seed, properties: [], maxSteps: 300 }, (e) => events.push(e));
    const s = initialMutableState(model.scenario);
    for (const e of events) {
      if (e.type === '@sim/sched') f(s as unknown as SimState);
      applyEvent(s, e);
    }
  }
}

describe('step machines read only their own frames (local-step POR premise)', () => {
  const names = builtinNames();
  it.each(names.map((n) => [n]))('%s', (name) => {
    const model = makeModel(builtin(name));
    const bad: string[] = [];
    let steps = 0;
    atEveryPick(model, (view) => {
      for (let t = 0; t < view.threads.length; t++) {
        const spy = spyState(view, t, bad);
        const n = stepOptions(model, spy, t);
        for (let c = 0; c < n; c++) decide(model, spy, t, c);
      }
      steps++;
    });
    expect(steps).toBeGreaterThan(10);
    expect([...new Set(bad)]).toEqual([]);
  });
});

describe('the spy has teeth', () => {
  it('records a read of another thread frame, not of its stack length', () => {
    const s = initialMutableState(builtin('seed-concurrent-wrprotect')) as unknown as SimState;
    const bad: string[] = [];
    const spy = spyState(s, 0, bad);
    void spy.threads[1]?.stack.length;
    expect(bad).toEqual([]);
    void spy.threads[1]?.stack[0]?.pc;
    expect(bad).toEqual(['threads[1].stack.0']);
  });
});

describe('local-step answers kept by thread and stack content', () => {
  // Two writers differing only in their write counts: equal stacks, different next steps.
  const unequal = (): Scenario => {
    const s = builtin('seed-concurrent-wrprotect');
    return {
      ...s,
      threads: s.threads.map((t, i) => (t.kind === 'user' ? { ...t, writes: 1 + 2 * i } : t)),
    };
  };
  it.each([
    ['seed-concurrent-wrprotect', () => builtin('seed-concurrent-wrprotect')],
    ['seed-clean', () => builtin('seed-clean')],
    ['writers of unequal counts', unequal],
  ])('%s: a search-long LocalSteps answers as a fresh one, probing less', (_name, scenario) => {
    const model = makeModel(scenario());
    const kept = new LocalSteps(model);
    let asks = 0;
    let locals = 0;
    atEveryPick(model, (s) => {
      // A copy: same content, fresh objects (the identity cache cannot answer).
      const copy = STATE_OPS.clone(s) as unknown as SimState;
      const tids = enabledThreads(model, copy);
      const want = new LocalSteps(model).find(s, tids);
      expect(kept.find(copy, tids)).toBe(want);
      asks++;
      if (want >= 0) locals++;
    });
    expect(locals).toBeGreaterThan(0);
    expect(kept.probes).toBeLessThan(asks);
  });
});

describe('local-step answers are per (thread, stack), not per program point', () => {
  // seed-clean: the cleaner (thread 2) and the drain (thread 3) both start at `caller:0`. The
  // drain's first step reads whether the others finished (beyond its thread); the cleaner's
  // (the call of its helper) reads only its own frame.
  const model = makeModel(builtin('seed-clean'));
  const s = initialMutableState(model.scenario) as unknown as SimState;
  const top = (t: number): string => {
    const f = s.threads[t]?.stack.at(-1);
    return `${String(f?.fn)}:${String(f?.pc)}`;
  };

  it('the two threads share the point and answer differently when asked alone', () => {
    expect(top(2)).toBe('caller:0');
    expect(top(3)).toBe('caller:0');
    expect(new LocalSteps(model).find(s, [3])).toBe(-1);
    expect(new LocalSteps(model).find(s, [2])).toBe(2);
  });

  it('a stack at a point where another stack read beyond its thread still gets its own answer', () => {
    const ls = new LocalSteps(model);
    expect(ls.find(s, [3])).toBe(-1);
    expect(ls.probes).toBe(1);
    expect(ls.find(s, [2])).toBe(2);
    expect(ls.probes).toBe(2); // probed, not answered from the point
    // And kept by content: a copy of the state is answered without a probe.
    const copy = STATE_OPS.clone(s) as unknown as SimState;
    expect(ls.find(copy, [3, 2])).toBe(2);
    expect(ls.probes).toBe(2);
  });
});
