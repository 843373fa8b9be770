import { createHash } from 'node:crypto';
import type { LogReader, ParsedLog } from '../../../src/index.js';
import { eventSource, type EventSource } from '../eventSource.js';
import { makeRunContext } from '../runContext.js';
import { cpuTableText, tableSteps } from '../cpuTable.js';
import { violationMarksOf } from '../violations.js';
import { reportData } from './reportData.js';
import { PAGE_MODEL_JS } from './pageModel.js';
import { CLIENT_CORE_JS } from './clientCore.js';
import { CLIENT_UI_JS } from './clientUi.js';
import { REPORT_CSS } from './reportStyle.js';
import { getProperty } from '../../../src/index.js';
import { INCONCLUSIVE } from '../../verdictWords.js';
import { citedRuleIds, loadRules, ruleLink } from '../../ruleRef.js';

/** HTML-escape text for element content and double-quoted attributes. */
export function escapeHtml(s: string): string {
  return s.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string,
  );
}

/** JSON that is safe inside a <script type="application/json"> element. */
export function scriptJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

const sha256 = (s: string): string => createHash('sha256').update(s, 'utf8').digest('base64');

/** Steps of the CPU-column table shown in the report: around the first violation, at most `max`. */
function tableFor(log: EventSource, max = 400): { text: string; note: string } {
  const ctx = makeRunContext(log.header.scenario, log.header.arch, log.header.initial);
  const marks = violationMarksOf(log);
  const first = Math.min(...marks.keys());
  const n = log.length;
  // A bounded slice: up to 400 events after the first violation and 20000 before it.
  const to = Number.isFinite(first) ? Math.min(n - 1, first + 400) : Math.min(n - 1, 20_000);
  const offset = Number.isFinite(first) ? Math.max(0, first - 20_000) : 0;
  const all = tableSteps(log.events(offset, to + 1), ctx, { marks, offset, to });
  let steps = all;
  let note = '';
  if (all.length > max) {
    const k = Number.isFinite(first) ? all.findIndex((s) => s.index >= first) : 0;
    const end = Math.min(all.length, Math.max(k + 20, max));
    steps = all.slice(Math.max(0, end - max), end);
    note = `steps ${steps[0]?.index ?? 0} to ${steps[steps.length - 1]?.index ?? 0} of the run (use \`ptesim show --table --from N --to M\` for others)`;
  } else if (n - 1 > to)
    note = `events ${offset} to ${to} of ${n} (use \`ptesim show --table --from N --to M\` for others)`;
  return { text: cpuTableText(steps, ctx, { columnWidth: 38 }), note };
}

/**
 * The reference entries of the rule ids the report cites (docs/rules/): id, the kernel function
 * it stands for, what it says, and where the entry lives in the repository.
 */
function rulesSection(text: string): string {
  const rules = loadRules();
  const rows = citedRuleIds(text)
    .map((id) => rules.get(id))
    .filter((e) => e !== undefined)
    .map(
      (e) =>
        `<tr><td id="rule-${escapeHtml(e.anchor)}">${escapeHtml(e.id)}</td><td>${escapeHtml(e.fn)}</td><td>${escapeHtml(e.what)}</td><td><code>${escapeHtml(ruleLink(e))}</code></td></tr>`,
    );
  if (rows.length === 0) return '';
  return `<section id="rules-cited">
<h2>Rules cited</h2>
<table><thead><tr><th>rule</th><th>kernel function</th><th>what it says</th><th>reference entry</th></tr></thead><tbody>
${rows.join('\n')}
</tbody></table>
</section>`;
}

/**
 * The properties a run cut before its end could not judge (a counterexample from `explore
 * --out` stops at its violation): one folded line after the verdicts that matter, not a row each.
 */
function undecidedLine(ids: readonly string[], end: string): string {
  if (ids.length === 0) return '';
  const why =
    end === 'step-bound'
      ? 'the run stopped at its step bound before they could be judged (explore --out cuts a counterexample at its violation)'
      : `the run ended (${end}) before they could be judged`;
  return `<details class="meta unknown" id="verdicts-undecided"><summary>${ids.length} ${ids.length === 1 ? 'property' : 'properties'} ${INCONCLUSIVE}: ${escapeHtml(why)}</summary>${ids.map(escapeHtml).join(', ')}</details>`;
}

/**
 * One self-contained HTML file: verdicts, a per-CPU/per-thread timeline, the filterable event
 * list, a slider that time-travels the state inspector, the first violation highlighted, and
 * the CPU-column table. No network: a CSP allows only this page's own inline script and style
 * (by hash); everything from the log is escaped or set as text.
 */
export function htmlReport(input: ParsedLog | LogReader): string {
  const log = eventSource(input);
  const ctx = makeRunContext(log.header.scenario, log.header.arch, log.header.initial);
  const data = reportData(log, ctx);
  const script = `${PAGE_MODEL_JS}\n${CLIENT_CORE_JS}\n${CLIENT_UI_JS}`;
  const csp = [
    "default-src 'none'",
    `script-src 'sha256-${sha256(script)}'`,
    `style-src 'sha256-${sha256(REPORT_CSS)}'`,
    'img-src data:',
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ');
  const h = data.header;
  const n = data.n;
  const held = data.verdicts.filter((v) => v.ok === true).map((v) => v.id);
  // The verdicts that matter first: violations in event order; the properties a run cut
  // before its end could not decide go on one line instead of a row each.
  const violated = data.verdicts
    .filter((v) => v.ok === false)
    .sort((a, b) => (a.index ?? 0) - (b.index ?? 0));
  const undecided = data.verdicts.filter((v) => v.ok !== true && v.ok !== false).map((v) => v.id);
  const verdictRows = violated
    .map((v) => {
      const at =
        v.index === null
          ? ''
          : `<button type="button" data-event="${v.index}">event ${v.index}</button>`;
      return `<tr><td>${escapeHtml(v.id)}</td><td class="bad">VIOLATED</td><td>${at}</td><td>${escapeHtml(v.message ?? '')}</td></tr>`;
    })
    .join('\n');
  const table = tableFor(log);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>ptesim: ${escapeHtml(h.scenario)}</title>
<style>${REPORT_CSS}</style>
</head>
<body>
<header>
<h1>ptesim report: <span id="scenario-name">${escapeHtml(h.scenario)}</span></h1>
<p class="meta" id="scenario-description">${escapeHtml(h.description)}</p>
<p class="meta">arch <b>${escapeHtml(h.arch)}</b> · variant <b>${escapeHtml(h.variant)}</b> · seed ${h.seed}${h.schedule ? ` · schedule <code>${escapeHtml(h.schedule)}</code>` : ''} · ${n} events · ended ${escapeHtml(h.end)}${h.truncated ? ' · <b>log truncated</b>' : ''}</p>
${
  verdictRows
    ? `<table id="verdicts"><thead><tr><th>property</th><th>verdict</th><th>first violation</th><th>message</th></tr></thead><tbody>
${verdictRows}
</tbody></table>`
    : ''
}
<p class="meta" id="verdicts-held">${held.length ? `holds: ${held.map(escapeHtml).join(', ')}` : ''}</p>
${undecidedLine(undecided, h.end)}
</header>
<section id="controls">
<button type="button" id="prev" title="previous event">◀</button>
<input type="range" id="slider" min="0" max="${Math.max(0, n - 1)}" value="0" aria-label="event">
<button type="button" id="next" title="next event">▶</button>
<label>event <input type="number" id="cursor" min="0" max="${Math.max(0, n - 1)}" value="0"></label> / ${Math.max(0, n - 1)}
<label title="the slider and ◀ ▶ skip thread pc/locals and scheduler picks unless this is checked"><input type="checkbox" id="slider-all"> step through bookkeeping</label>
<button type="button" id="goto-violation">first violation</button>
<span id="loading">decoding ${n} events…</span>
<span id="cursor-event"></span>
</section>
<section id="timeline">
<canvas id="timeline-canvas" height="100"></canvas>
<div class="hint">Lanes: CPUs (the thread stepping there), then threads (blue: helper call, orange: page fault, purple: lock held; ticks: yellow PTE change, teal flush, grey store). Wheel zooms, drag pans, click moves the cursor. Red line: first violation.</div>
</section>
<main>
<section id="events">
<h2>Events</h2>
<div class="filters">
<label>kinds <input type="text" id="f-kinds" placeholder="pte,tlb,lock"></label>
<label>thread <select id="f-thread"><option value="">all</option></select></label>
<label>CPU <select id="f-cpu"><option value="">all</option></select></label>
<label>page <input type="number" id="f-page" min="0"></label>
<label><input type="checkbox" id="f-all"> bookkeeping</label>
<span id="f-count"></span>
</div>
<div id="list" class="list"><div id="list-spacer"></div><div id="list-rows"></div></div>
</section>
<section id="inspector">
<h2>State after event <span id="state-index">0</span></h2>
<div id="state-view"></div>
</section>
</main>
<section id="cpu-table-section">
<h2>CPU columns</h2>
${table.note ? `<p class="meta">${escapeHtml(table.note)}</p>` : ''}
<pre id="cpu-table">${escapeHtml(table.text)}</pre>
</section>
${rulesSection(`${table.text}\n${violated.map((v) => `${v.message ?? ''} ${getProperty(v.id).explanation}`).join('\n')}`)}
<script type="application/json" id="report-data">${scriptJson(data)}</script>
<script>${script}</script>
</body>
</html>
`;
}
