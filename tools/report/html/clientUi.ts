/**
 * The report page's interface, as JavaScript source embedded in the HTML after CLIENT_CORE_JS.
 * Everything from the log reaches the DOM through textContent (never innerHTML), so a scenario
 * name or label holding HTML stays text. The event list and the timeline are virtualised: a
 * fixed pool of row elements and one canvas, whatever the number of events.
 */
export const CLIENT_UI_JS = String.raw`
(function () {
  'use strict';
  var meta = JSON.parse(document.getElementById('report-data').textContent);
  var $ = function (id) { return document.getElementById(id); };
  var COLORS = ['#4e79a7', '#f28e2b', '#59a14f', '#b07aa1', '#76b7b2', '#edc948', '#ff9da7', '#9c755f', '#bab0ac', '#e15759'];
  var D, ACT, SEL, STOPS, cursor = 0, firstViolation = -1;
  var ROW = 18, MAXH = 4000000;
  function el(tag, text, cls) { var e = document.createElement(tag); if (text !== undefined) e.textContent = text; if (cls) e.className = cls; return e; }
  function tname(t) { return t < 0 ? '<sim>' : meta.threads[t] ? meta.threads[t].name : 't' + t; }
  // ---- state inspector: the CLI's state view (PT.view), one table per section ----
  var TITLES = {
    ptes: 'PTEs', mm: 'mm: tlb_flush_pending and notifier sequence', tlbs: 'TLBs', locks: 'Locks',
    notifier: 'Open notifier windows', bitmap: 'Bitmaps and dirty bounds', pages: 'Pages (ghost versions)',
    threads: 'Threads', warnings: 'Warnings', other: 'Other state (not in the state schema)',
  };
  /** Sections in order of first appearance, each with its lines. */
  function sectionsOf(lines) {
    var order = [], by = {};
    lines.forEach(function (l) {
      if (!by[l.section]) { by[l.section] = []; order.push(l.section); }
      by[l.section].push(l);
    });
    return order.map(function (name) { return { name: name, lines: by[name] }; });
  }
  /** Every part of the state, as the CLI shows it; lines new or changed since the event before are marked. */
  function renderState() {
    var now = PT.view(meta, PT.stateAt(D, meta, cursor));
    var old = null;
    if (cursor > 0) {
      old = {};
      PT.view(meta, PT.stateAt(D, meta, cursor - 1)).forEach(function (l) { old[l.key] = l.text; });
    }
    $('state-index').textContent = String(cursor);
    var box = $('state-view');
    box.textContent = '';
    sectionsOf(now).forEach(function (sec) {
      box.appendChild(el('h3', TITLES[sec.name] || sec.name));
      var table = el('table', undefined, 'state');
      table.id = 'state-' + sec.name.replace(/[^A-Za-z0-9_-]/g, '-');
      table.dataset.section = sec.name;
      var body = document.createElement('tbody');
      sec.lines.forEach(function (l) {
        var tr = document.createElement('tr');
        var cls = (l.mark || '') + (old && old[l.key] !== l.text ? ' changed' : '');
        if (cls.trim()) tr.className = cls.trim();
        tr.dataset.key = l.key;
        var cut = l.text.indexOf(': ');
        if (cut < 0) { var td = el('td', l.text); td.colSpan = 2; tr.appendChild(td); }
        else { tr.appendChild(el('td', l.text.slice(0, cut))); tr.appendChild(el('td', l.text.slice(cut + 2))); }
        body.appendChild(tr);
      });
      table.appendChild(body);
      box.appendChild(table);
    });
  }
  // ---- event list (virtualised) ----
  var list = $('list'), spacer = $('list-spacer'), rowsBox = $('list-rows'), pool = [];
  // Element sizes are read once and on resize: reading them after DOM writes forces a layout.
  var sizes = { listH: 0, canvasW: 0, canvasH: 0 };
  function measure() { sizes.listH = list.clientHeight; sizes.canvasW = canvas.clientWidth; }
  function listGeometry() {
    var count = SEL.length, view = sizes.listH, visible = Math.ceil(view / ROW) + 1;
    var total = count * ROW, scaled = total > MAXH;
    return { count: count, view: view, visible: visible, total: scaled ? MAXH : total, scaled: scaled };
  }
  function firstRow(g) {
    if (!g.scaled) return Math.floor(list.scrollTop / ROW);
    var span = Math.max(1, g.total - g.view);
    return Math.round(list.scrollTop / span * Math.max(0, g.count - g.visible + 1));
  }
  function renderList() {
    var g = listGeometry();
    spacer.style.height = g.total + 'px';
    var first = Math.max(0, Math.min(firstRow(g), Math.max(0, g.count - 1)));
    rowsBox.style.top = (g.scaled ? list.scrollTop : first * ROW) + 'px';
    while (pool.length < g.visible) {
      var r = el('div', undefined, 'row');
      r.appendChild(el('span', '', 'idx'));
      r.appendChild(el('span', '', 'who'));
      r.appendChild(el('span', '', 'txt'));
      r.addEventListener('click', function () { var i = Number(this.dataset.index); if (i >= 0) setCursor(i, false); });
      rowsBox.appendChild(r);
      pool.push(r);
    }
    for (var k = 0; k < pool.length; k++) {
      var row = pool[k], p = first + k;
      if (k >= g.visible || p >= g.count) { row.style.display = 'none'; row.dataset.index = '-1'; continue; }
      var i = SEL[p], e = PT.event(D, meta, i), a = ACT[i];
      row.style.display = '';
      row.dataset.index = String(i);
      row.className = 'row' + (i === cursor ? ' cursor' : '') + (isViolation(i) ? ' violation' : '');
      row.children[0].textContent = String(i);
      var cpu = PT.cpuOf(e, a, meta);
      row.children[1].textContent = tname(a) + (a >= 0 ? '-' + a : '') + ' [' + (cpu < 0 ? '---' : ('00' + cpu).slice(-3)) + ']';
      row.children[1].style.color = a >= 0 ? COLORS[a % COLORS.length] : '';
      row.children[2].textContent = PT.text(e, meta);
    }
    $('f-count').textContent = g.count + ' of ' + D.n + ' events';
  }
  function isViolation(i) { return meta.verdicts.some(function (v) { return v.ok === false && v.index === i; }); }
  function scrollListTo(i) {
    var lo = 0, hi = SEL.length - 1, p = 0;
    while (lo <= hi) { var mid = (lo + hi) >> 1; if (SEL[mid] <= i) { p = mid; lo = mid + 1; } else hi = mid - 1; }
    var g = listGeometry();
    var first = firstRow(g);
    if (p >= first && p < first + g.visible - 2) return;
    if (!g.scaled) list.scrollTop = Math.max(0, p * ROW - g.view / 2);
    else list.scrollTop = (Math.max(0, p - (g.visible >> 1)) / Math.max(1, g.count - g.visible + 1)) * Math.max(1, g.total - g.view);
  }
  function readFilter() {
    var f = { all: $('f-all').checked };
    var kinds = $('f-kinds').value.split(',').map(function (s) { return s.trim(); }).filter(Boolean);
    if (kinds.length) f.kinds = kinds;
    if ($('f-thread').value !== '') f.tid = Number($('f-thread').value);
    if ($('f-cpu').value !== '') f.cpu = Number($('f-cpu').value);
    if ($('f-page').value !== '') f.page = Number($('f-page').value);
    return f;
  }
  function applyFilter() { SEL = PT.select(D, meta, ACT, readFilter()); renderList(); scrollListTo(cursor); renderList(); }
  // ---- timeline (one canvas) ----
  var canvas = $('timeline-canvas'), tl = null, v0 = 0, v1 = 1;
  function buildTimeline() {
    var nT = meta.threads.length, open = [], spans = [], ticks = [], steps = [];
    for (var t = 0; t < nT; t++) { open.push({}); spans.push([]); ticks.push([[], [], []]); }
    var lastStep = null;
    for (var i = 0; i < D.n; i++) {
      var type = meta.types[D.T[i]], a = ACT[i];
      if (type === '@sim/sched') { if (lastStep) lastStep.end = i; lastStep = { start: i, end: D.n, tid: a }; steps.push(lastStep); continue; }
      if (a < 0 || a >= nT) continue;
      var kind = null, key = null, closing = false;
      if (type === 'helper/call' || type === 'helper/return') { kind = 'helper'; key = 'h'; closing = type === 'helper/return'; }
      else if (type === 'fault/enter' || type === 'fault/exit') { kind = 'fault'; key = 'f'; closing = type === 'fault/exit'; }
      else if (type === 'lock/acquire' || type === 'lock/release') { var e = PT.event(D, meta, i); kind = 'lock'; key = 'l' + e.lock; closing = type === 'lock/release'; }
      else if (type === 'pte/set') ticks[a][0].push(i);
      else if (type === 'flush/start') ticks[a][1].push(i);
      else if (type === 'mem/store') ticks[a][2].push(i);
      if (!kind) continue;
      if (!closing) open[a][key] = i;
      else if (open[a][key] !== undefined) { spans[a].push(open[a][key], i, kind === 'helper' ? 0 : kind === 'fault' ? 1 : 2); delete open[a][key]; }
    }
    for (var u = 0; u < nT; u++) Object.keys(open[u]).forEach(function (k) { spans[u].push(open[u][k], D.n, k === 'h' ? 0 : k === 'f' ? 1 : 2); });
    tl = { spans: spans, ticks: ticks, steps: steps };
    v0 = 0; v1 = Math.max(1, D.n);
  }
  var LANE = 18;
  function lowerBound(a, v, lo) {
    var l = lo || 0, h = a.length;
    while (l < h) { var m = (l + h) >> 1; if (a[m] < v) l = m + 1; else h = m; }
    return l;
  }
  function drawTimeline() {
    var nT = meta.threads.length, lanes = meta.cpus + nT, dpr = window.devicePixelRatio || 1;
    var w = sizes.canvasW, h = lanes * LANE + 16, LEFT = 110;
    if (sizes.canvasH !== h || canvas.width !== Math.round(w * dpr)) {
      sizes.canvasH = h;
      canvas.style.height = h + 'px';
      canvas.width = Math.round(w * dpr); canvas.height = Math.round(h * dpr);
    }
    var g = canvas.getContext('2d');
    g.setTransform(dpr, 0, 0, dpr, 0, 0);
    g.clearRect(0, 0, w, h);
    g.font = '11px monospace';
    var span = v1 - v0, W = w - LEFT;
    function X(i) { return LEFT + (i - v0) / span * W; }
    for (var c = 0; c < meta.cpus; c++) { g.fillStyle = '#333'; g.fillText('CPU' + c, 4, c * LANE + 13); }
    for (var t = 0; t < nT; t++) { g.fillStyle = COLORS[t % COLORS.length]; g.fillText(tname(t).slice(0, 14), 4, (meta.cpus + t) * LANE + 13); }
    var last = {};
    tl.steps.forEach(function (s) {
      if (s.end < v0 || s.start > v1 || s.tid < 0 || !meta.threads[s.tid]) return;
      var cpu = meta.threads[s.tid].cpu, x0 = Math.max(LEFT, X(s.start)), x1 = Math.min(w, X(s.end));
      var key = 'c' + cpu;
      if (last[key] !== undefined && Math.floor(x1) <= last[key]) return;
      last[key] = Math.floor(x1);
      g.fillStyle = COLORS[s.tid % COLORS.length];
      g.fillRect(x0, cpu * LANE + 3, Math.max(1, x1 - x0 - 0.5), LANE - 6);
    });
    var fills = ['rgba(78,121,167,0.35)', 'rgba(242,142,43,0.6)', 'rgba(176,122,161,0.9)'];
    for (t = 0; t < nT; t++) {
      var y = (meta.cpus + t) * LANE, sp = tl.spans[t], lastX = [-1, -1, -1];
      for (var k = 0; k < sp.length; k += 3) {
        var a = sp[k], b = sp[k + 1], kind = sp[k + 2];
        if (b < v0 || a > v1) continue;
        var xa = Math.max(LEFT, X(a)), xb = Math.min(w, X(b));
        if (Math.floor(xb) <= lastX[kind] && xb - xa < 1) continue;
        lastX[kind] = Math.floor(xb);
        g.fillStyle = fills[kind];
        if (kind === 2) g.fillRect(xa, y + LANE - 5, Math.max(1, xb - xa), 3);
        else if (kind === 1) g.fillRect(xa, y + 4, Math.max(1, xb - xa), LANE - 10);
        else g.fillRect(xa, y + 2, Math.max(1, xb - xa), LANE - 4);
      }
      // Ticks are sorted by event index: draw one per pixel and jump past the rest (binary
      // search), so a zoomed-out million-event lane costs a canvas width, not a million.
      for (var kind2 = 2; kind2 >= 0; kind2--) {
        var tk = tl.ticks[t][kind2], k2 = lowerBound(tk, v0);
        g.fillStyle = kind2 === 0 ? '#c9a400' : kind2 === 1 ? '#0aa' : '#555';
        while (k2 < tk.length && tk[k2] <= v1) {
          var x = Math.floor(X(tk[k2]));
          g.fillRect(x, y + 2, 1.5, LANE - 4);
          k2 = lowerBound(tk, v0 + (x + 1 - LEFT) / W * span, k2 + 1);
        }
      }
    }
    meta.verdicts.forEach(function (v) {
      if (v.ok !== false || v.index === null || v.index < v0 || v.index > v1) return;
      g.fillStyle = '#d00'; g.fillRect(X(v.index) - 1, 0, 2, h);
    });
    if (cursor >= v0 && cursor <= v1) { g.fillStyle = '#000'; g.fillRect(X(cursor) - 0.5, 0, 1.5, h); }
    g.fillStyle = '#666';
    g.fillText('events ' + Math.floor(v0) + '–' + Math.ceil(v1), LEFT, h - 3);
  }
  function canvasIndex(ev) {
    var r = canvas.getBoundingClientRect(), LEFT = 110;
    return v0 + (ev.clientX - r.left - LEFT) / (r.width - LEFT) * (v1 - v0);
  }
  canvas.addEventListener('wheel', function (ev) {
    ev.preventDefault();
    var at = canvasIndex(ev), f = ev.deltaY > 0 ? 1.25 : 0.8, span = Math.max(20, Math.min(D.n, (v1 - v0) * f));
    v0 = Math.max(0, at - (at - v0) / (v1 - v0) * span); v1 = Math.min(D.n, v0 + span); v0 = Math.max(0, v1 - span);
    drawTimeline();
  }, { passive: false });
  var drag = null;
  canvas.addEventListener('mousedown', function (ev) { drag = { x: ev.clientX, v0: v0, moved: false }; });
  window.addEventListener('mousemove', function (ev) {
    if (!drag) return;
    var dx = ev.clientX - drag.x; if (Math.abs(dx) > 3) drag.moved = true;
    if (!drag.moved) return;
    var span = v1 - v0, per = span / Math.max(1, sizes.canvasW - 110);
    v0 = Math.max(0, Math.min(D.n - span, drag.v0 - dx * per)); v1 = v0 + span; drawTimeline();
  });
  window.addEventListener('mouseup', function (ev) {
    if (drag && !drag.moved && ev.target === canvas) {
      var i = Math.round(canvasIndex(ev)); if (i >= 0 && i < D.n) setCursor(i, true);
    }
    drag = null;
  });
  // ---- slider: it stops at the events in STOPS (bookkeeping skipped unless asked) ----
  /** Position in STOPS of the last stop at or before event i (0 when none is). */
  function stopAt(i) {
    var lo = 0, hi = STOPS.length - 1, p = 0;
    while (lo <= hi) { var mid = (lo + hi) >> 1; if (STOPS[mid] <= i) { p = mid; lo = mid + 1; } else hi = mid - 1; }
    return p;
  }
  function readStops() {
    STOPS = PT.stops(D, meta, $('slider-all').checked);
    if (STOPS.length === 0) STOPS = PT.stops(D, meta, true);
    $('slider').max = String(Math.max(0, STOPS.length - 1));
    $('slider').value = String(stopAt(cursor));
  }
  /** The next (dir 1) or previous (dir -1) stop from the cursor. */
  function step(dir) {
    var p = stopAt(cursor);
    if (dir > 0) p = STOPS[p] > cursor ? p : p + 1;
    else p = STOPS[p] < cursor ? p : p - 1;
    if (p >= 0 && p < STOPS.length) setCursor(STOPS[p], true);
  }
  // ---- cursor ----
  function setCursor(i, scroll) {
    cursor = Math.max(0, Math.min(D.n - 1, i | 0));
    $('slider').value = String(stopAt(cursor));
    $('cursor').value = String(cursor);
    $('cursor-event').textContent = PT.text(PT.event(D, meta, cursor), meta);
    renderState();
    if (scroll) { renderList(); scrollListTo(cursor); }
    renderList();
    if (cursor < v0 || cursor > v1) { var span = v1 - v0; v0 = Math.max(0, Math.min(D.n - span, cursor - span / 2)); v1 = v0 + span; }
    drawTimeline();
    document.body.dataset.cursor = String(cursor);
  }
  function start(bytes) {
    D = PT.decode(meta, bytes);
    ACT = PT.actors(D, meta);
    meta.verdicts.forEach(function (v) { if (v.ok === false && v.index !== null && (firstViolation < 0 || v.index < firstViolation)) firstViolation = v.index; });
    readStops();
    $('cursor').max = String(Math.max(0, D.n - 1));
    var th = $('f-thread');
    meta.threads.forEach(function (t, i) { var o = el('option', t.name + ' (CPU' + t.cpu + ')'); o.value = String(i); th.appendChild(o); });
    for (var c = 0; c < meta.cpus; c++) { var o = el('option', 'CPU' + c); o.value = String(c); $('f-cpu').appendChild(o); }
    $('slider').addEventListener('input', function () { setCursor(STOPS[Number(this.value)], true); });
    $('slider-all').addEventListener('change', function () { readStops(); setCursor(cursor, false); });
    $('cursor').addEventListener('change', function () { setCursor(Number(this.value), true); });
    $('prev').addEventListener('click', function () { step(-1); });
    $('next').addEventListener('click', function () { step(1); });
    var gv = $('goto-violation');
    if (firstViolation < 0) gv.disabled = true;
    gv.addEventListener('click', function () { setCursor(firstViolation, true); });
    Array.prototype.forEach.call(document.querySelectorAll('button[data-event]'), function (b) {
      b.addEventListener('click', function () { setCursor(Number(b.dataset.event), true); });
    });
    ['f-kinds', 'f-page'].forEach(function (id) { $(id).addEventListener('input', applyFilter); });
    ['f-thread', 'f-cpu', 'f-all'].forEach(function (id) { $(id).addEventListener('change', applyFilter); });
    list.addEventListener('scroll', renderList);
    window.addEventListener('resize', function () { measure(); renderList(); drawTimeline(); });
    measure();
    buildTimeline();
    SEL = PT.select(D, meta, ACT, readFilter());
    $('loading').remove();
    setCursor(firstViolation >= 0 ? firstViolation : 0, true);
    document.body.dataset.ready = '1';
  }
  PT.inflate(meta.data).then(start, function (err) {
    $('loading').textContent = 'could not decode the embedded events: ' + err;
    document.body.dataset.ready = 'error';
  });
})();
`;
