/** The report's stylesheet (inline; allowed by hash in the page's CSP). */
export const REPORT_CSS = `
:root { --fg: #1d1f21; --muted: #666; --line: #ddd; --bad: #c00; --ok: #197a1f; --hl: #fff3b0; }
* { box-sizing: border-box; }
body { margin: 0; font: 13px/1.4 system-ui, sans-serif; color: var(--fg); background: #fafafa; }
header, section, main { padding: 8px 14px; }
h1 { font-size: 18px; margin: 4px 0; } h2 { font-size: 15px; margin: 6px 0; } h3 { font-size: 13px; margin: 10px 0 2px; }
.meta { color: var(--muted); margin: 2px 0 6px; }
table { border-collapse: collapse; font: 12px/1.3 ui-monospace, monospace; }
td, th { border: 1px solid var(--line); padding: 1px 6px; text-align: left; vertical-align: top; }
th { background: #eee; }
.ok { color: var(--ok); } .bad { color: var(--bad); font-weight: bold; } .unknown { color: var(--muted); }
#controls { position: sticky; top: 0; z-index: 2; background: #fff; border-bottom: 1px solid var(--line); display: flex; gap: 8px; align-items: center; flex-wrap: wrap; }
#slider { flex: 1 1 300px; }
#cursor { width: 90px; }
#cursor-event { font: 12px ui-monospace, monospace; color: #333; flex-basis: 100%; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
#timeline-canvas { width: 100%; display: block; background: #fff; border: 1px solid var(--line); cursor: crosshair; }
.hint { color: var(--muted); font-size: 11px; }
main { display: grid; grid-template-columns: minmax(0, 3fr) minmax(0, 2fr); gap: 14px; }
.filters { display: flex; gap: 6px; flex-wrap: wrap; align-items: center; margin-bottom: 4px; }
.filters input[type=text] { width: 140px; } .filters input[type=number] { width: 60px; }
.list { position: relative; height: 560px; overflow-y: auto; background: #fff; border: 1px solid var(--line); font: 12px ui-monospace, monospace; }
#list-rows { position: absolute; left: 0; right: 0; }
.row { height: 18px; line-height: 18px; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; cursor: pointer; padding: 0 4px; }
.row:hover { background: #f0f4ff; }
.row.cursor { background: var(--hl); }
.row.violation { background: #ffd6d6; font-weight: bold; }
.row .idx { display: inline-block; width: 70px; text-align: right; color: var(--muted); margin-right: 8px; }
.row .who { display: inline-block; width: 150px; }
tr.stale td { background: #ffe3e3; } tr.held td { background: #efe6ff; }
tr.changed td:first-child { box-shadow: inset 4px 0 0 #e0a800; } tr.changed td { font-weight: bold; }
#inspector { background: #fff; border: 1px solid var(--line); max-height: 640px; overflow: auto; }
#cpu-table { background: #fff; border: 1px solid var(--line); padding: 8px; overflow: auto; max-height: 600px; font: 12px/1.25 ui-monospace, monospace; }
#loading { color: var(--muted); }
`;
