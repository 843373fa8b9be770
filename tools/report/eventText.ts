import { PTE_NONE, type SimEvent } from '../../src/index.js';
import { field, fieldsOf, terminalSafe, type RunContext } from './runContext.js';

/**
 * One event's fields as `name=value` text, in the schema's field order, without `type` and
 * `tid` (the line prefix names the thread). PTE values are named by the arch model, locks by
 * the scenario's lock table, ranges as [from,to). Works for event types added later: unknown
 * fields print as they are.
 */
export function eventFields(e: SimEvent, ctx: RunContext): string {
  const names = fieldsOf(e.type);
  const parts: string[] = [];
  const has = (n: string): boolean => names.includes(n);
  for (const name of names) {
    if (name === 'tid') continue;
    if (name === 'to' && has('from')) continue;
    const v = field(e, name);
    if (name === 'from' && has('to')) {
      parts.push(`range=[${String(v)},${String(field(e, 'to'))})`);
      continue;
    }
    if (name === 'pte' && typeof v === 'number') {
      parts.push(`pte=${ctx.formatPte(v)}`);
      continue;
    }
    if (name === 'lock' && typeof v === 'number' && e.type.startsWith('lock/')) {
      parts.push(`lock=${ctx.lockName(v)}`);
      continue;
    }
    parts.push(`${name}=${Array.isArray(v) ? `[${v.join(',')}]` : terminalSafe(String(v))}`);
  }
  return parts.join(' ');
}

/** `type fields`, e.g. `pte/set mm=0 vpn=1 pte=pfn=1 P|A src=sw fn=ptep_modify_prot_commit`. */
export function eventText(e: SimEvent, ctx: RunContext): string {
  const f = eventFields(e, ctx);
  return f === '' ? e.type : `${e.type} ${f}`;
}

/**
 * A short phrase for the CPU-column table (what a reviewer writes in a column), or null when
 * the event is bookkeeping that a hand-drawn table leaves out (thread progress, scheduler).
 */
export function stepPhrase(e: SimEvent, ctx: RunContext): string | null {
  switch (e.type) {
    case '@sim/sched':
    case '@sim/choice':
    case 'thread/goto':
    case 'thread/set':
    case 'thread/return':
      return null;
    case 'thread/call':
      if (e.fn === 'access') return `${e.l[1] === 1 ? 'write' : 'read'} vpn ${e.l[0] ?? '?'}`;
      return null;
    case '@sim/end':
      return `end (${e.reason})`;
    case 'pte/set':
      return `${e.fn}: pte[${e.vpn}] = ${ctx.formatPte(e.pte)}`;
    case 'tlb/fill':
      return `TLB fill vpn ${e.vpn} ${e.w ? 'W' : 'RO'}${e.d ? ' D' : ''}`;
    case 'tlb/dirty':
      return `TLB entry vpn ${e.vpn} gets D`;
    case 'tlb/drop':
      return `TLB drop vpn ${e.vpn} (${e.why})`;
    case 'tlb/flush':
      return `  flush CPU${e.cpu} [${e.from},${e.to})`;
    case 'flush/start':
      return `flush_tlb_range([${e.from},${e.to}))`;
    case 'flush/done':
      return `flush done`;
    case 'lock/acquire':
      return `lock ${ctx.lockName(e.lock)}${e.mode === 'r' ? ' (read)' : ''}`;
    case 'lock/release':
      return `unlock ${ctx.lockName(e.lock)}`;
    case 'notifier/start':
      return `invalidate_range_start([${e.from},${e.to}))`;
    case 'notifier/end':
      return `invalidate_range_end([${e.from},${e.to}))`;
    case 'pending/inc':
      return 'inc_tlb_flush_pending';
    case 'pending/dec':
      return 'dec_tlb_flush_pending';
    case 'mem/store':
      return `store to page ${e.page}`;
    case 'dev/copy':
      return `copy page ${e.page} to device`;
    case 'bitmap/set':
      return `set bit ${e.bit}${e.bm ? ` (bitmap ${e.bm})` : ''}`;
    case 'bitmap/clear':
      return `clear bit ${e.bit}${e.bm ? ` (bitmap ${e.bm})` : ''}`;
    case 'bounds/set':
      return null;
    case 'helper/call':
      return `${e.fn}(${e.first}, ${e.nr})`;
    case 'helper/return':
      return `return ${e.total}`;
    case 'fault/enter':
      return `#PF ${e.write ? 'write' : 'read'} vpn ${e.vpn}`;
    case 'fault/exit':
      return `fault done (${e.result})`;
    case 'ghost/wp-seen':
      return null;
    case 'warn':
      return `WARN: ${terminalSafe(e.what)}`;
    case 'vmw/set':
      return `dirty tracker: ${e.method === 'mkwrite' ? 'MKWRITE' : 'PAGETABLE'} (change_count ${e.count}${e.res ? ', res_dirty' : ''})`;
    case 'actor/call':
      return `${terminalSafe(e.fn)}(${e.first}, ${e.nr})`;
    case 'actor/return':
      return `return ${e.total}`;
    case 'vma/write':
      return `VM_WRITE ${e.value ? 'set' : 'cleared'} (mm${e.mm} vma ${e.vma})`;
    case 'decide/skip-vma':
      return `${e.stop ? 'walk stops at VMA' : 'VMA skipped'}: ${terminalSafe(e.why)} (mm${e.mm} vma ${e.vma})`;
    case 'decide/skip-flush':
      return e.why === 'empty'
        ? `flush skipped: nothing gathered in [${e.from},${e.to})`
        : `range flush skipped (variant) [${e.from},${e.to})`;
    case 'decide/nested-flush':
      return `nested flush forced (mm_tlb_flush_nested) [${e.from},${e.to})`;
    case 'decide/upgrade-writable':
      return `upgrade to writable without mkwrite: pte[${e.vpn}] (${terminalSafe(e.fn)})`;
    case 'tlb/defer':
      return `CPU${e.cpu} lazy: its flush of mm${e.mm} is deferred`;
    case 'tlb/lazy':
      return `CPU${e.cpu} switches to a kernel thread: lazy TLB (enter_lazy_tlb)`;
    case 'tlb/catchup':
      return e.why === 'switch'
        ? `CPU${e.cpu} switches back to mm${e.mm}: deferred flush done`
        : `CPU${e.cpu} barrier (DSB): deferred flush of mm${e.mm} done`;
    case 'smmu/invalidate':
      return `secondary MMU ${e.sub}: invalidate [${e.from},${e.to}) seq ${e.seq}`;
    case 'smmu/read-begin':
      return `secondary MMU ${e.sub}: read_begin seq ${e.seq}`;
    case 'smmu/install':
      return `secondary MMU ${e.sub}: map vpn ${e.vpn} ${e.w ? 'W' : 'RO'} (seq ${e.seq})`;
    case 'smmu/zap':
      return `secondary MMU ${e.sub}: zap vpn ${e.vpn}`;
    case 'page/dirty':
      return `PG_dirty ${e.value ? 'set' : 'cleared'} on page ${e.page}`;
    case 'ubc/pending':
      return `set_tlb_ubc_flush_pending (mm${e.mm})`;
    case 'ubc/flushed':
      return `flush_tlb_batched_pending: mm${e.mm} caught up (gen ${e.gen})`;
    case 'obs/fault':
    case 'obs/flush':
    case 'obs/mark':
      return `trace: ${terminalSafe(e.line)}`;
    default:
      return eventText(e, ctx);
  }
}

/**
 * A stateful stepPhrase for one pass over a log: the helper's look at a PTE that is already
 * read-only (`ghost/wp-seen`; wp_pte() does nothing) is what a reviewer writes down for the
 * second caller, so it reads `pte[v] already read-only` (`already none` when the log last set
 * it none: a second zap, S-1), unless the same step just wrote that PTE (its own commit implies
 * it).
 */
export function stepPhraser(ctx: RunContext): (e: SimEvent) => string | null {
  const touched = new Set<string>();
  const none = new Set<string>();
  return (e) => {
    if (e.type === '@sim/sched') touched.clear();
    if (e.type === 'pte/set') {
      const key = `${e.mm}:${e.vpn}`;
      touched.add(key);
      if (e.pte === PTE_NONE) none.add(key);
      else none.delete(key);
    }
    if (e.type !== 'ghost/wp-seen') return stepPhrase(e, ctx);
    const key = `${e.mm}:${e.vpn}`;
    if (touched.has(key)) return null;
    return `pte[${e.vpn}] already ${none.has(key) ? 'none' : 'read-only'}`;
  };
}
