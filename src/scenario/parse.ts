import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import { SimError } from '../errors.js';
import { scenarioSchema } from './schema.js';
import type { Scenario, ThreadSpec } from './types.js';

function dotPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>(
    (acc, k) => (typeof k === 'number' ? `${acc}[${k}]` : acc === '' ? String(k) : `${acc}.${String(k)}`),
    '',
  );
}

function fail(where: string, path: string, message: string): never {
  throw new SimError('SCENARIO_INVALID', `${path === '' ? '' : `${path}: `}${message}`, where);
}

/**
 * Parse scenario text (YAML; JSON is YAML) into a resolved Scenario. Errors name the source,
 * the dotted field path and what was expected, e.g.
 * `my.yaml: threads[2].cpu: cpu 3 does not exist (cpus: 2)`.
 */
export function parseScenarioText(text: string, where = 'scenario'): Scenario {
  let raw: unknown;
  try {
    raw = parseYaml(text, { maxAliasCount: 100 });
  } catch (e) {
    fail(where, '', `not valid YAML/JSON: ${(e as Error).message.split('\n')[0] ?? ''}`);
  }
  return parseScenario(raw, where);
}

export function parseScenario(raw: unknown, where = 'scenario'): Scenario {
  const r = scenarioSchema.safeParse(raw);
  if (!r.success) {
    const issue = r.error.issues[0] as z.core.$ZodIssue;
    fail(where, dotPath(issue.path), issue.message);
  }
  const s = r.data;
  const mmSizes = s.mms.map((mm) => mm.vmas.reduce((m, v) => Math.max(m, v.start + v.npages), 0));
  s.mms.forEach((mm, m) =>
    mm.vmas.forEach((v, i) => {
      const p = `mms[${m}].vmas[${i}]`;
      if (v.pgoff + v.npages > s.pages)
        fail(where, p, `maps pages ${v.pgoff}..${v.pgoff + v.npages - 1} but the address_space has ${s.pages} pages`);
      if (v.start + v.npages > 4096) fail(where, `${p}.start`, 'vpn range must stay below 4096');
      mm.vmas.forEach((w, j) => {
        if (j > i && v.start < w.start + w.npages && w.start < v.start + v.npages)
          fail(where, p, `overlaps mms[${m}].vmas[${j}] in the same mm`);
      });
    }),
  );
  const threads: ThreadSpec[] = s.threads.map((t, i) => {
    const p = `threads[${i}]`;
    if (t.cpu >= s.cpus) fail(where, `${p}.cpu`, `cpu ${t.cpu} does not exist (cpus: ${s.cpus})`);
    if (t.kind === 'user') {
      if (t.mm >= s.mms.length) fail(where, `${p}.mm`, `mm ${t.mm} does not exist (mms: ${s.mms.length})`);
      t.ops.forEach((op, k) => {
        const size = mmSizes[t.mm] ?? 0;
        const mapped = s.mms[t.mm]?.vmas.some((v) => op.vpn >= v.start && op.vpn < v.start + v.npages);
        if (!mapped) fail(where, `${p}.ops[${k}].vpn`, `vpn ${op.vpn} is not mapped in mm ${t.mm} (size ${size})`);
      });
      return { kind: 'user', name: t.name ?? `user${i}`, cpu: t.cpu, mm: t.mm, ops: t.ops, writes: t.writes };
    }
    const nr = t.nr ?? s.pages - t.first;
    if (t.first + nr > s.pages || nr < 1)
      fail(where, p, `range [${t.first}, ${t.first + nr}) is outside the ${s.pages}-page address_space`);
    return { kind: t.kind, name: t.name ?? `${t.kind}${i}`, cpu: t.cpu, protocol: t.protocol, first: t.first, nr };
  });
  return {
    name: s.name,
    description: s.description,
    arch: s.arch,
    variant: s.variant,
    options: s.options,
    pages: s.pages,
    cpus: s.cpus,
    mms: s.mms,
    initialPte: s.initialPte,
    driver: s.driver,
    threads,
    secondaryMmus: s.secondaryMmus.map((m, i) => {
      if (m.mm >= s.mms.length) fail(where, `secondaryMmus[${i}].mm`, `mm ${m.mm} does not exist (mms: ${s.mms.length})`);
      return m;
    }),
    matrix: {
      archs: s.matrix.archs.length ? s.matrix.archs : [s.arch],
      variants: s.matrix.variants.length ? s.matrix.variants : [s.variant],
    },
  };
}
