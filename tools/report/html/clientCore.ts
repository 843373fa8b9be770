/**
 * The report page's data layer, as JavaScript source embedded in the HTML (no DOM here, so
 * tests run it in Node's vm and compare it with the real recipes). Defines one global `PT`:
 *   inflate(base64) → Promise<Uint8Array>      decode(meta, bytes) → columnar events
 *   event(D, meta, i) → plain event object     actors(D, meta) → Int32Array thread per event
 *   stateAt(D, meta, i) → state after event i, folded from the nearest checkpoint
 *   apply(state, ev, i) → the page's port of src/evolve (plus open notifier windows)
 *   text(ev, meta), touchesPage(ev, page, meta), select(D, meta, actors, filter) → indices
 * Written without template literals so it can live in a TypeScript string.
 */
export const CLIENT_CORE_JS = String.raw`
var PT = (function () {
  'use strict';
  function b64(s) {
    var bin = atob(s);
    var out = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out;
  }
  function inflate(s) {
    var stream = new Blob([b64(s)]).stream().pipeThrough(new DecompressionStream('gzip'));
    return new Response(stream).arrayBuffer().then(function (b) { return new Uint8Array(b); });
  }
  function decode(meta, bytes) {
    var n = meta.n;
    var T = new Uint16Array(n);
    var O = new Uint32Array(n + 1);
    var V = new Float64Array(Math.max(16, bytes.length));
    var p = 0, k = 0;
    function uint() {
      var x = 0, mul = 1, b;
      do { b = bytes[p++]; x += (b & 0x7f) * mul; mul *= 128; } while (b & 0x80);
      return x;
    }
    function int() { var u = uint(); return u % 2 === 1 ? -(u + 1) / 2 : u / 2; }
    for (var i = 0; i < n; i++) {
      var t = uint();
      T[i] = t;
      O[i] = k;
      var f = meta.fields[t];
      for (var j = 0; j < f.length; j++) {
        var kind = f[j][1];
        if (kind === 'i') V[k++] = int();
        else if (kind === 's') V[k++] = uint();
        else { var len = uint(); V[k++] = len; for (var m = 0; m < len; m++) V[k++] = int(); }
      }
    }
    O[n] = k;
    return { n: n, T: T, O: O, V: V };
  }
  function event(D, meta, i) {
    var t = D.T[i], f = meta.fields[t], k = D.O[i];
    var e = { type: meta.types[t] };
    for (var j = 0; j < f.length; j++) {
      var kind = f[j][1];
      if (kind === 'i') e[f[j][0]] = D.V[k++];
      else if (kind === 's') e[f[j][0]] = meta.strings[D.V[k++]];
      else { var len = D.V[k++]; e[f[j][0]] = Array.prototype.slice.call(D.V, k, k + len); k += len; }
    }
    return e;
  }
  /** Field 'tid' of event i without building an object, or -1. */
  function fieldOf(D, meta, i, name) {
    var t = D.T[i], f = meta.fields[t], k = D.O[i];
    for (var j = 0; j < f.length; j++) {
      if (f[j][0] === name) return f[j][1] === 'a' ? -1 : D.V[k];
      k += f[j][1] === 'a' ? 1 + D.V[k] : 1;
    }
    return -1;
  }
  function actors(D, meta) {
    var out = new Int32Array(D.n), cur = -1;
    var sched = meta.types.indexOf('@sim/sched'), end = meta.types.indexOf('@sim/end');
    for (var i = 0; i < D.n; i++) {
      var t = D.T[i];
      var own = fieldOf(D, meta, i, 'tid');
      if (t === sched) cur = own;
      out[i] = t === end ? -1 : own >= 0 ? own : cur;
    }
    return out;
  }
  function findTlb(tlb, mm, vpn) {
    for (var i = 0; i < tlb.length; i++) if (tlb[i].mm === mm && tlb[i].vpn === vpn) return i;
    return -1;
  }
  /** The page's port of the recipes in src/evolve; tests check it against them. */
  function apply(s, e, i) {
    var th, top, mm, tlb, x, lock, bit, sub, v;
    switch (e.type) {
      case 'thread/call': th = s.threads[e.tid]; if (th) th.stack.push({ fn: e.fn, pc: 0, l: e.l.slice() }); return;
      case 'thread/return': th = s.threads[e.tid]; if (th) th.stack.pop(); return;
      case 'thread/goto': th = s.threads[e.tid]; top = th && th.stack[th.stack.length - 1]; if (top) top.pc = e.pc; return;
      case 'thread/set': th = s.threads[e.tid]; top = th && th.stack[th.stack.length - 1]; if (top) top.l[e.slot] = e.value; return;
      case 'pte/set': mm = s.mms[e.mm]; if (mm) mm.ptes[e.vpn] = e.pte; return;
      case 'tlb/fill':
        tlb = s.tlbs[e.cpu]; if (!tlb) return;
        x = findTlb(tlb, e.mm, e.vpn); if (x >= 0) tlb.splice(x, 1);
        tlb.push({ mm: e.mm, vpn: e.vpn, pfn: e.pfn, w: e.w, d: e.d, susp: 0 }); return;
      case 'tlb/dirty': tlb = s.tlbs[e.cpu]; if (!tlb) return; x = findTlb(tlb, e.mm, e.vpn); if (x >= 0) tlb[x].d = 1; return;
      case 'tlb/drop': tlb = s.tlbs[e.cpu]; if (!tlb) return; x = findTlb(tlb, e.mm, e.vpn); if (x >= 0) tlb.splice(x, 1); return;
      case 'tlb/flush':
        tlb = s.tlbs[e.cpu]; if (!tlb) return;
        for (x = tlb.length - 1; x >= 0; x--) if (tlb[x].mm === e.mm && tlb[x].vpn >= e.from && tlb[x].vpn < e.to) tlb.splice(x, 1);
        return;
      case 'tlb/defer':
        if (s.cpus && s.cpus[e.cpu]) s.cpus[e.cpu].owed |= 1 << e.mm; return;
      case 'tlb/catchup':
        v = s.cpus && s.cpus[e.cpu]; if (!v) return;
        if (e.why === 'switch') v.lazy = 0;
        bit = 1 << e.mm; if ((v.owed & bit) === 0) return;
        v.owed &= ~bit; tlb = s.tlbs[e.cpu]; if (!tlb) return;
        for (x = tlb.length - 1; x >= 0; x--) if (tlb[x].mm === e.mm) tlb.splice(x, 1);
        return;
      case 'lock/acquire':
        lock = s.locks[e.lock]; if (!lock) return; bit = 1 << e.tid;
        if (e.mode === 'r') lock.readers |= bit; else lock.owner = e.tid; return;
      case 'lock/release':
        lock = s.locks[e.lock]; if (!lock) return; bit = 1 << e.tid;
        if (e.mode === 'r') lock.readers &= ~bit; else if (lock.owner === e.tid) lock.owner = -1; return;
      case 'notifier/start':
        mm = s.mms[e.mm]; if (mm) { if (mm.active === 0) mm.seq += 1; mm.active += 1; }
        s.windows.push({ tid: e.tid, mm: e.mm, from: e.from, to: e.to, since: i }); return;
      case 'notifier/end':
        mm = s.mms[e.mm]; if (mm) { mm.active -= 1; if (mm.active === 0) mm.seq += 1; }
        for (x = 0; x < s.windows.length; x++) {
          v = s.windows[x];
          if (v.tid === e.tid && v.mm === e.mm && v.from === e.from && v.to === e.to) { s.windows.splice(x, 1); break; }
        }
        return;
      case 'pending/inc': mm = s.mms[e.mm]; if (mm) mm.pending += 1; return;
      case 'pending/dec': mm = s.mms[e.mm]; if (mm) mm.pending -= 1; return;
      case 'mem/store': if (s.pages[e.page]) s.pages[e.page].version += 1; return;
      case 'dev/copy': if (s.pages[e.page]) s.pages[e.page].device = s.pages[e.page].version; return;
      case 'bitmap/set': case 'bitmap/clear':
        if (s.bitmaps[e.bm]) s.bitmaps[e.bm][e.bit] = e.type === 'bitmap/set' ? 1 : 0; return;
      case 'bounds/set': s.bounds.start = e.start; s.bounds.end = e.end; return;
      case 'ghost/wp-seen':
        bit = 1 << e.tid;
        for (x = 0; x < s.tlbs.length; x++)
          for (v = 0; v < s.tlbs[x].length; v++) {
            var t = s.tlbs[x][v];
            if (t.mm === e.mm && t.vpn === e.vpn && t.w === 1) t.susp |= bit;
          }
        if (s.smmus) for (x = 0; x < s.smmus.length; x++) {
          sub = s.smmus[x];
          if (sub.mm === e.mm && sub.sptes[e.vpn] === 2) sub.susp[e.vpn] = (sub.susp[e.vpn] || 0) | bit;
        }
        return;
      case 'warn': s.warnings += 1; return;
      case 'smmu/invalidate':
        sub = s.smmus && s.smmus[e.sub]; if (!sub) return; sub.seq = e.seq;
        for (v = e.from; v < e.to && v < sub.sptes.length; v++) { sub.sptes[v] = 0; sub.susp[v] = 0; }
        return;
      case 'smmu/install':
        sub = s.smmus && s.smmus[e.sub]; if (!sub || e.vpn >= sub.sptes.length) return;
        sub.sptes[e.vpn] = e.w ? 2 : 1; sub.susp[e.vpn] = 0; return;
      case 'smmu/zap':
        sub = s.smmus && s.smmus[e.sub]; if (!sub) return;
        if (sub.sptes[e.vpn] !== undefined) { sub.sptes[e.vpn] = 0; sub.susp[e.vpn] = 0; }
        return;
      default: return;
    }
  }
  function clone(x) { return JSON.parse(JSON.stringify(x)); }
  /** State after event i (i = -1: the initial state). */
  function stateAt(D, meta, i) {
    var K = meta.K;
    var c = Math.min(Math.floor((i + 1) / K), meta.checkpoints.length - 1);
    var s = clone(meta.checkpoints[c]);
    for (var j = c * K; j <= i; j++) apply(s, event(D, meta, j), j);
    return s;
  }
  function pte(meta, v) {
    var t = meta.pteText[String(v)];
    return t === undefined ? '0x' + v.toString(16) : t;
  }
  function text(e, meta) {
    var f = meta.fieldNames[e.type] || [];
    var parts = [e.type];
    for (var j = 0; j < f.length; j++) {
      var name = f[j], v = e[name];
      if (name === 'tid') continue;
      if (name === 'to' && f.indexOf('from') >= 0) continue;
      if (name === 'from' && f.indexOf('to') >= 0) { parts.push('range=[' + v + ',' + e.to + ')'); continue; }
      if (name === 'pte') { parts.push('pte=' + pte(meta, v)); continue; }
      if (name === 'lock' && e.type.indexOf('lock/') === 0) { parts.push('lock=' + (meta.lockNames[v] || 'lock' + v)); continue; }
      parts.push(name + '=' + (Array.isArray(v) ? '[' + v.join(',') + ']' : String(v)));
    }
    return parts.join(' ');
  }
  function pageOf(meta, mm, vpn) { var m = meta.pageMap[mm]; var p = m ? m[vpn] : undefined; return p === undefined ? -1 : p; }
  function touchesPage(e, page, meta) {
    if (e.type === 'mem/store' || e.type === 'dev/copy') return e.page === page;
    if (e.type === 'bitmap/set' || e.type === 'bitmap/clear') return e.bit === page;
    if (e.type === 'helper/call') return page >= e.first && page < e.first + e.nr;
    if (e.type === 'bounds/set') return page >= e.start && page < e.end;
    var mm = typeof e.mm === 'number' ? e.mm : typeof e.sub === 'number' ? (meta.smmuMm[e.sub] || 0) : 0;
    if (typeof e.vpn === 'number') return pageOf(meta, mm, e.vpn) === page;
    if (typeof e.from === 'number' && typeof e.to === 'number') {
      for (var v = e.from; v < e.to && v < e.from + 4096; v++) if (pageOf(meta, mm, v) === page) return true;
    }
    return false;
  }
  function cpuOf(e, actor, meta) {
    if (e.type.indexOf('tlb/') === 0 && e.type !== 'tlb/flush' && e.type !== 'tlb/defer') return e.cpu;
    // Thread ids come from an untrusted log: one the scenario does not have has no CPU.
    var th = actor < 0 ? null : meta.threads[actor];
    return th ? th.cpu : -1;
  }
  var HIDDEN = { 'thread/goto': 1, 'thread/set': 1, '@sim/sched': 1, '@sim/choice': 1 };
  function kindMatches(type, k) {
    return type === k || type.indexOf(k + '/') === 0 || (k.charAt(0) === '@' && type.indexOf(k) === 0);
  }
  /** Indices of events that pass the filter {kinds: [], tid, cpu, page, all}. */
  function select(D, meta, act, flt) {
    var out = new Int32Array(D.n), k = 0;
    var kinds = flt.kinds || [];
    var typeOk = meta.types.map(function (type) {
      if (kinds.length) return kinds.some(function (kd) { return kindMatches(type, kd); });
      return flt.all || !HIDDEN[type];
    });
    var needEvent = flt.cpu !== undefined || flt.page !== undefined;
    for (var i = 0; i < D.n; i++) {
      if (!typeOk[D.T[i]]) continue;
      if (flt.tid !== undefined && act[i] !== flt.tid) continue;
      if (needEvent) {
        var e = event(D, meta, i);
        if (flt.cpu !== undefined && cpuOf(e, act[i], meta) !== flt.cpu) continue;
        if (flt.page !== undefined && !touchesPage(e, flt.page, meta)) continue;
      }
      out[k++] = i;
    }
    return out.subarray(0, k);
  }
  return { inflate: inflate, decode: decode, event: event, actors: actors, apply: apply, stateAt: stateAt,
    text: text, pte: pte, pageOf: pageOf, touchesPage: touchesPage, cpuOf: cpuOf, select: select, clone: clone };
})();
`;
