import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import { SimError } from '../errors.js';
import { checkProgram, flattenProgram } from './program.js';
import { getProtocol } from './protocols.js';
import { scenarioSchema } from './schema.js';
import { checkExpect } from './expectCheck.js';
import type { Scenario, ThreadSpec } from './types.js';

function dotPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>(
    (acc, k) =>
      typeof k === 'number' ? `${acc}[${k}]` : acc === '' ? String(k) : `${acc}.${String(k)}`,
    '',
  );
}

function fail(where: string, path: string, message: string): never {
  throw new SimError('SCENARIO_INVALID', `${path === '' ? '' : `${path}: `}${message}`, where);
}

/** Largest scenario text accepted (the built-ins are under 4 KiB). */
export const MAX_SCENARIO_BYTES = 1 << 20;
/**
 * Most values (scalars, lists, maps) a scenario document may hold once YAML aliases are
 * expanded: each alias is a full copy for validation, so a small file could otherwise expand
 * to gigabytes (a 4 MB file reached 1.2 GB and 13 s).
 */
export const MAX_SCENARIO_VALUES = 100_000;

/** Count the values of a parsed document with aliases expanded, stopping past the bound. */
function checkExpandedSize(raw: unknown, where: string): void {
  let n = 0;
  const stack: unknown[] = [raw];
  while (stack.length > 0) {
    const v = stack.pop();
    if (++n > MAX_SCENARIO_VALUES)
      fail(
        where,
        '',
        `the document expands to more than ${MAX_SCENARIO_VALUES} values (YAML aliases?); scenarios are small`,
      );
    if (Array.isArray(v)) for (const x of v) stack.push(x);
    else if (typeof v === 'object' && v !== null) for (const x of Object.values(v)) stack.push(x);
  }
}

/**
 * Parse scenario text (YAML; JSON is YAML) into a resolved Scenario. Errors name the source,
 * the dotted field path and what was expected, e.g.
 * `my.yaml: threads[2].cpu: cpu 3 does not exist (cpus: 2)`.
 */
export function parseScenarioText(text: string, where = 'scenario'): Scenario {
  if (text.length > MAX_SCENARIO_BYTES)
    fail(
      where,
      '',
      `the file has ${text.length} characters; scenarios are limited to ${MAX_SCENARIO_BYTES}`,
    );
  let raw: unknown;
  try {
    raw = parseYaml(text, { maxAliasCount: 100 });
  } catch (e) {
    fail(where, '', `not valid YAML/JSON: ${(e as Error).message.split('\n')[0] ?? ''}`);
  }
  return parseScenario(raw, where);
}

export function parseScenario(raw: unknown, where = 'scenario'): Scenario {
  checkExpandedSize(raw, where);
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
        fail(
          where,
          p,
          `maps pages ${v.pgoff}..${v.pgoff + v.npages - 1} but the address_space has ${s.pages} pages`,
        );
      if (v.start + v.npages > 4096) fail(where, `${p}.start`, 'vpn range must stay below 4096');
      mm.vmas.forEach((w, j) => {
        if (j > i && v.start < w.start + w.npages && w.start < v.start + v.npages)
          fail(where, p, `overlaps mms[${m}].vmas[${j}] in the same mm`);
      });
    }),
  );
  s.mms.forEach((mm, m) =>
    mm.vmas.forEach((v, i) => {
      // A private writable mapping would need copy-on-write, which ptesim does not model.
      if (!v.flags.includes('shared') && !v.flags.includes('mayshare') && v.flags.includes('write'))
        fail(
          where,
          `mms[${m}].vmas[${i}].flags`,
          'a private (no shared/mayshare) VMA must not have write: COW is not modelled',
        );
      if (v.special === true && !v.flags.includes('mixedmap'))
        fail(
          where,
          `mms[${m}].vmas[${i}].special`,
          'special PTEs are a VM_MIXEDMAP choice: add mixedmap to flags (pfnmap PTEs are always special)',
        );
    }),
  );
  const nSubs = s.secondaryMmus.length;
  const threads: ThreadSpec[] = s.threads.map((t, i) => {
    const p = `threads[${i}]`;
    if (t.kind !== 'device' && t.cpu >= s.cpus)
      fail(where, `${p}.cpu`, `cpu ${t.cpu} does not exist (cpus: ${s.cpus})`);
    const name = t.name ?? `${t.kind}${i}`;
    const needMm = (mm: number): void => {
      if (mm >= s.mms.length)
        fail(where, `${p}.mm`, `mm ${mm} does not exist (mms: ${s.mms.length})`);
    };
    const range = (first: number, nrIn: number | undefined): number => {
      const nr = nrIn ?? s.pages - first;
      if (first + nr > s.pages || nr < 1)
        fail(
          where,
          p,
          `range [${first}, ${first + nr}) is outside the ${s.pages}-page address_space`,
        );
      return nr;
    };
    switch (t.kind) {
      case 'user': {
        needMm(t.mm);
        t.ops.forEach((op, k) => {
          const size = mmSizes[t.mm] ?? 0;
          if (!('vpn' in op)) {
            const n = s.mms[t.mm]?.vmas.length ?? 0;
            if (op.vma >= n)
              fail(
                where,
                `${p}.ops[${k}].vma`,
                `vma ${op.vma} does not exist in mm ${t.mm} (vmas: ${n})`,
              );
            // U3: madvise_dontneed_free_valid_vma() refuses VM_PFNMAP (and VM_LOCKED,
            // hugetlb) with -EINVAL before any zap (mm/madvise.c); a VM_MIXEDMAP VMA is zapped.
            if (op.op === 'madvise-dontneed' && s.mms[t.mm]?.vmas[op.vma]?.flags.includes('pfnmap'))
              fail(
                where,
                `${p}.ops[${k}]`,
                `madvise(MADV_DONTNEED) of a VM_PFNMAP VMA fails with -EINVAL in the kernel (madvise_dontneed_free_valid_vma); a VM_MIXEDMAP VMA with special: true is zapped`,
              );
            return;
          }
          const mapped = s.mms[t.mm]?.vmas.some(
            (v) => op.vpn >= v.start && op.vpn < v.start + v.npages,
          );
          if (!mapped)
            fail(
              where,
              `${p}.ops[${k}].vpn`,
              `vpn ${op.vpn} is not mapped in mm ${t.mm} (size ${size})`,
            );
        });
        if (t.writes > 0 && !s.mms[t.mm]?.vmas.some((v) => v.flags.includes('write')))
          fail(where, `${p}.writes`, `mm ${t.mm} has no VM_WRITE VMA to write to`);
        return {
          kind: 'user',
          name: t.name ?? `user${i}`,
          cpu: t.cpu,
          mm: t.mm,
          ops: t.ops,
          writes: t.writes,
        };
      }
      case 'caller':
      case 'drain': {
        const nr = range(t.first, t.nr);
        const lib = t.protocol === undefined ? undefined : getProtocol(t.protocol);
        if (!lib && t.program === undefined)
          fail(where, p, 'a caller needs a `protocol` (see `ptesim protocols`) or a `program`');
        // Both: the program must be the protocol's (a resolved scenario carries both).
        if (
          lib &&
          t.program !== undefined &&
          JSON.stringify(t.program) !== JSON.stringify(lib.program)
        )
          fail(where, `${p}.program`, `is not the program of protocol '${lib.name}'`);
        const program = t.program ?? lib?.program ?? [];
        checkProgram(flattenProgram(program), `${p}.program`, (path, m) => fail(where, path, m));
        return {
          kind: t.kind,
          name,
          cpu: t.cpu,
          ...(lib && { protocol: lib.name }),
          program,
          first: t.first,
          nr,
          ...(t.copy === false && { copy: false }),
        };
      }
      case 'consumer': {
        const nr = range(t.first, t.nr);
        return { ...t, name, nr };
      }
      case 'mprotect':
        needMm(t.mm);
        if (t.vma >= (s.mms[t.mm]?.vmas.length ?? 0))
          fail(
            where,
            `${p}.vma`,
            `mm ${t.mm} has no VMA ${t.vma} (it has ${s.mms[t.mm]?.vmas.length ?? 0})`,
          );
        return { ...t, name };
      case 'clear-refs':
        needMm(t.mm);
        return { ...t, name };
      case 'writeback': {
        const nr = range(t.first, t.nr);
        return { ...t, name, nr };
      }
      case 'kthread':
        return { ...t, name };
      case 'reclaim':
        if (t.page >= s.pages)
          fail(where, `${p}.page`, `page ${t.page} does not exist (pages: ${s.pages})`);
        return { ...t, name };
      case 'device':
        if (t.sub >= nSubs)
          fail(
            where,
            `${p}.sub`,
            `secondary MMU ${t.sub} does not exist (secondaryMmus: ${nSubs})`,
          );
        return { ...t, name, cpu: -1 };
    }
  });
  const matrix = {
    archs: s.matrix.archs.length ? s.matrix.archs : [s.arch],
    variants: s.matrix.variants.length ? s.matrix.variants : [s.variant],
  };
  if (s.expect !== undefined) {
    const problem = checkExpect(s.expect, matrix);
    if (problem !== null) fail(where, problem.path, problem.message);
  }
  return {
    name: s.name,
    description: s.description,
    arch: s.arch,
    variant: s.variant,
    options: (({ kernel, ...rest }) => (kernel === undefined ? rest : { ...rest, kernel }))(
      s.options,
    ),
    pages: s.pages,
    cpus: s.cpus,
    mms: s.mms,
    initialPte: s.initialPte,
    driver: s.driver,
    threads,
    secondaryMmus: s.secondaryMmus.map((m, i) => {
      if (m.mm >= s.mms.length)
        fail(where, `secondaryMmus[${i}].mm`, `mm ${m.mm} does not exist (mms: ${s.mms.length})`);
      const { writableFrom, ...rest } = m;
      return writableFrom === undefined ? rest : { ...rest, writableFrom };
    }),
    matrix,
    ...(s.expect !== undefined && { expect: s.expect }),
  };
}
