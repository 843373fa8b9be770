import type { ArchModel } from '../arch/types.js';
import { ptePfn } from '../state/pte.js';
import type { Layout } from '../state/layout.js';
import type { SimState } from '../state/types.js';

/** One differing location of two states: a readable path and each side's value. */
export interface StateChange {
  /** e.g. `mm0.pte[vpn 1]`, `cpu1.tlb[mm0 vpn 1]`, `bitmap0[3]`, `lock ptl[mm0:0]`. */
  readonly path: string;
  readonly a: string;
  readonly b: string;
}

interface Side {
  readonly state: SimState;
  readonly arch: ArchModel;
  readonly layout: Layout;
}

const tlbText = (t: { pfn: number; w: number; d: number } | undefined): string =>
  t ? `pfn=${t.pfn} w=${t.w} d=${t.d}` : 'absent';

function lockText(l: { owner: number; readers: number } | undefined): string {
  if (!l) return 'absent';
  const readers: number[] = [];
  for (let t = 0; t < 31; t++) if (l.readers & (1 << t)) readers.push(t);
  if (l.owner >= 0) return `held by t${l.owner}`;
  return readers.length ? `read-held by ${readers.map((t) => `t${t}`).join(',')}` : 'free';
}

/**
 * The differences between two states, only at the paths that differ, named the way a kernel
 * developer reads them: PTEs decoded by each side's arch (both archs' bit names when they
 * differ), TLB entries keyed by (mm, vpn), bitmap bits, locks by name, thread positions.
 * Anything else is compared generically by dotted path.
 */
export function diffStates(a: Side, b: Side): StateChange[] {
  const out: StateChange[] = [];
  const push = (path: string, x: string, y: string): void => {
    if (x !== y) out.push({ path, a: x, b: y });
  };
  const nMm = Math.max(a.state.mms.length, b.state.mms.length);
  for (let m = 0; m < nMm; m++) {
    const ma = a.state.mms[m];
    const mb = b.state.mms[m];
    const n = Math.max(ma?.ptes.length ?? 0, mb?.ptes.length ?? 0);
    for (let v = 0; v < n; v++) {
      const pa = ma?.ptes[v] ?? 0;
      const pb = mb?.ptes[v] ?? 0;
      // Across archs raw encodings always differ: compare what the kernel sees (pte_write,
      // pte_dirty, hardware-writable, pfn); within one arch compare the bits.
      const sameArch = a.arch.name === b.arch.name;
      const meaning = (arch: ArchModel, pte: number): string =>
        pte === 0
          ? 'none'
          : `pfn=${ptePfn(pte)} write=${arch.pteWrite(pte) ? 1 : 0} dirty=${arch.pteDirty(pte) ? 1 : 0} hw-writable=${arch.hwWritable(pte) ? 1 : 0}`;
      const differs = sameArch ? pa !== pb : meaning(a.arch, pa) !== meaning(b.arch, pb);
      if (differs)
        push(
          `mm${m}.pte[vpn ${v}]`,
          `${a.arch.formatPte(pa)} [${meaning(a.arch, pa)}]`,
          `${b.arch.formatPte(pb)} [${meaning(b.arch, pb)}]`,
        );
    }
    push(`mm${m}.tlb_flush_pending`, String(ma?.pending ?? '-'), String(mb?.pending ?? '-'));
    push(`mm${m}.invalidate_seq`, String(ma?.seq ?? '-'), String(mb?.seq ?? '-'));
    push(`mm${m}.active_invalidations`, String(ma?.active ?? '-'), String(mb?.active ?? '-'));
  }
  const nCpu = Math.max(a.state.tlbs.length, b.state.tlbs.length);
  for (let c = 0; c < nCpu; c++) {
    const ta = a.state.tlbs[c] ?? [];
    const tb = b.state.tlbs[c] ?? [];
    const keys = new Set<string>();
    for (const t of [...ta, ...tb]) keys.add(`${t.mm}:${t.vpn}`);
    for (const k of [...keys].sort()) {
      const [mm, vpn] = k.split(':').map(Number);
      const ea = ta.find((t) => t.mm === mm && t.vpn === vpn);
      const eb = tb.find((t) => t.mm === mm && t.vpn === vpn);
      push(`cpu${c}.tlb[mm${mm} vpn ${vpn}]`, tlbText(ea), tlbText(eb));
    }
    const ca = a.state.cpus?.[c];
    const cb = b.state.cpus?.[c];
    if (ca || cb)
      push(
        `cpu${c}.lazy/owed`,
        ca ? `${ca.lazy}/${ca.owed}` : '-',
        cb ? `${cb.lazy}/${cb.owed}` : '-',
      );
  }
  const nLock = Math.max(a.state.locks.length, b.state.locks.length);
  for (let l = 0; l < nLock; l++)
    push(
      `lock ${a.layout.lockNames[l] ?? b.layout.lockNames[l] ?? l}`,
      lockText(a.state.locks[l]),
      lockText(b.state.locks[l]),
    );
  const nBm = Math.max(a.state.bitmaps.length, b.state.bitmaps.length);
  for (let i = 0; i < nBm; i++) {
    const ba = a.state.bitmaps[i] ?? [];
    const bb = b.state.bitmaps[i] ?? [];
    for (let p = 0; p < Math.max(ba.length, bb.length); p++)
      push(`bitmap${i}[${p}]`, String(ba[p] ?? '-'), String(bb[p] ?? '-'));
  }
  push(
    'bounds',
    `[${a.state.bounds.start}, ${a.state.bounds.end})`,
    `[${b.state.bounds.start}, ${b.state.bounds.end})`,
  );
  const nPage = Math.max(a.state.pages.length, b.state.pages.length);
  for (let p = 0; p < nPage; p++) {
    const pa = a.state.pages[p];
    const pb = b.state.pages[p];
    push(`page${p}.version`, String(pa?.version ?? '-'), String(pb?.version ?? '-'));
    push(`page${p}.device`, String(pa?.device ?? '-'), String(pb?.device ?? '-'));
  }
  const nThr = Math.max(a.state.threads.length, b.state.threads.length);
  for (let t = 0; t < nThr; t++) {
    const stack = (s: SimState): string =>
      (s.threads[t]?.stack ?? []).map((f) => `${f.fn}@${f.pc}(${f.l.join(',')})`).join(' > ') ||
      'finished';
    push(`thread${t}.stack`, stack(a.state), stack(b.state));
  }
  push('warnings', String(a.state.warnings), String(b.state.warnings));
  // Everything else (fields other areas add): generic dotted paths.
  const known = new Set([
    'mms',
    'tlbs',
    'locks',
    'bitmaps',
    'bounds',
    'pages',
    'threads',
    'warnings',
    'cpus',
  ]);
  const ra = a.state as unknown as Record<string, unknown>;
  const rb = b.state as unknown as Record<string, unknown>;
  for (const k of new Set([...Object.keys(ra), ...Object.keys(rb)]))
    if (!known.has(k)) genericDiff(k, ra[k], rb[k], push);
  return out;
}

function genericDiff(
  path: string,
  x: unknown,
  y: unknown,
  push: (p: string, a: string, b: string) => void,
): void {
  if (typeof x === 'object' && x !== null && typeof y === 'object' && y !== null) {
    const kx = Object.keys(x);
    const ky = Object.keys(y);
    for (const k of new Set([...kx, ...ky]))
      genericDiff(
        Array.isArray(x) ? `${path}[${k}]` : `${path}.${k}`,
        (x as Record<string, unknown>)[k],
        (y as Record<string, unknown>)[k],
        push,
      );
    return;
  }
  push(path, JSON.stringify(x) ?? '-', JSON.stringify(y) ?? '-');
}
