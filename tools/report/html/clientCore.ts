/**
 * The report page's data layer, as JavaScript source embedded in the HTML (no DOM here, so
 * tests run it in Node's vm and compare it with the real recipes). Defines one global `PT`:
 *   inflate(base64) → Promise<Uint8Array>      decode(meta, bytes) → columnar events
 *   event(D, meta, i) → plain event object     actors(D, meta) → Int32Array thread per event
 *   stateAt(D, meta, i) → {state, windows} after event i, folded from the nearest checkpoint
 *   apply(s, ev, i) → the real recipe and window tracking (PTM, ./pageModel.ts, loaded first)
 *   view(meta, s) → the state view's lines (the CLI's `show --state` lines)
 *   stops(D, meta, all) → the events the slider stops at (bookkeeping skipped unless all)
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
  /**
   * Event i applied to a page state {state, windows}: the real recipe (src/evolve, bundled as
   * PTM) and the real notifier-window tracking, so the page cannot fold differently from replay.
   */
  function apply(s, e, i) {
    PTM.applyEvent(s.state, e);
    PTM.trackWindow(s.windows, e, i);
  }
  function clone(x) { return JSON.parse(JSON.stringify(x)); }
  /** {state, windows} after event i (i = -1: the initial state). */
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
  var HIDDEN = {};
  PTM.BOOKKEEPING.forEach(function (t) { HIDDEN[t] = 1; });
  function isBookkeeping(type) { return HIDDEN[type] === 1; }
  /** Indices of the events the slider stops at: all, or all but bookkeeping. */
  function stops(D, meta, all) {
    var out = new Int32Array(D.n), k = 0;
    var skip = meta.types.map(function (t) { return !all && isBookkeeping(t); });
    for (var i = 0; i < D.n; i++) if (!skip[D.T[i]]) out[k++] = i;
    return out.subarray(0, k);
  }
  /** What the state view needs from the run, as the CLI's RunContext gives it. */
  function context(meta) {
    return {
      threadName: function (t) { return meta.threads[t] ? meta.threads[t].name : 't' + t; },
      threadCpu: function (t) { return meta.threads[t] ? meta.threads[t].cpu : -1; },
      lockName: function (l) { return meta.lockNames[l] !== undefined ? meta.lockNames[l] : 'lock' + l; },
      formatPte: function (v) { return pte(meta, v); },
      pageOf: function (mm, vpn) { return pageOf(meta, mm, vpn); },
    };
  }
  /** The state view's lines (tools/report/stateText.ts, bundled) of a page state. */
  function view(meta, s) { return PTM.stateLines(s.state, s.windows, context(meta)); }
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
    text: text, pte: pte, pageOf: pageOf, touchesPage: touchesPage, cpuOf: cpuOf, select: select, clone: clone,
    isBookkeeping: isBookkeeping, stops: stops, context: context, view: view };
})();
`;
