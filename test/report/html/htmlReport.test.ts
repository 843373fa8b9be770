import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { readLogFile } from '../../../src/index.js';
import { cli } from '../../helpers/cli.js';
import { builtin } from '../../helpers/scenarios.js';
import { recordedLog, RACE } from '../recordedLog.js';
import { escapeHtml, htmlReport, scriptJson } from '../../../tools/report/html/htmlReport.js';

const EVIL_NAME = '<script>window.__pwned = 1</script><img src=x onerror="window.__pwned = 2">';
const EVIL_DESC = '</script><script>window.__pwned = 3</script> & "quotes"';

const race = builtin(RACE.scenario);
const evil = {
  ...race,
  name: EVIL_NAME,
  description: EVIL_DESC,
  threads: race.threads.map((t, i) =>
    i === 0 ? { ...t, name: '<b onmouseover="window.__pwned=4">w0</b>' } : t,
  ),
};
const html = htmlReport(recordedLog(evil, { variant: RACE.variant, seed: RACE.seed }));

describe('HTML report', () => {
  test('escapes text and JSON from the log', () => {
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe(
      '&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;',
    );
    expect(scriptJson({ s: '</script><!--' })).toBe('{"s":"\\u003c/script\\u003e\\u003c!--"}');
    expect(JSON.parse(scriptJson({ s: '</script>\u2028' }))).toEqual({ s: '</script>\u2028' });
  });

  test('never puts markup from a scenario name, description or thread name into the page', () => {
    expect(html).not.toContain('<script>window.__pwned');
    expect(html).not.toContain('<img src=x');
    expect(html).not.toContain('<b onmouseover');
    expect(html).toContain('&lt;script&gt;window.__pwned = 1&lt;/script&gt;');
    // Exactly two script elements: the data block and the page's own code.
    expect(html.match(/<script[\s>]/g)).toHaveLength(2);
  });

  test('allows only its own inline script and style, by hash, and nothing from the network', () => {
    const csp =
      /<meta http-equiv="Content-Security-Policy" content="([^"]+)">/.exec(html)?.[1] ?? '';
    expect(csp).toContain("default-src 'none'");
    const script = /<script>([\s\S]*)<\/script>\s*<\/body>/.exec(html)?.[1] ?? '';
    const style = /<style>([\s\S]*?)<\/style>/.exec(html)?.[1] ?? '';
    const sha = (s: string) => createHash('sha256').update(s).digest('base64');
    expect(csp).toContain(`script-src 'sha256-${sha(script)}'`);
    expect(csp).toContain(`style-src 'sha256-${sha(style)}'`);
    expect(html).not.toMatch(/\b(src|href)=["']?(https?:)?\/\//);
  });

  test('carries the verdicts, the slider range and the CPU-column table', () => {
    expect(html).toMatch(
      /<td>wrprotect-post<\/td><td class="bad">VIOLATED<\/td><td><button type="button" data-event="116">/,
    );
    expect(html).toMatch(/<input type="range" id="slider" min="0" max="\d+"/);
    expect(html).toContain('*** VIOLATION wrprotect-post');
  });
});

describe('HTML report of a counterexample from explore --out', () => {
  test('shows the violation first and folds the properties the cut run could not judge', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ptesim-cex-'));
    const log = join(dir, 'cex.log');
    const r = await cli(
      'explore',
      'seed-concurrent-wrprotect',
      '--variant',
      'seed-v4',
      '--out',
      log,
    );
    expect(r.code).toBe(1);
    const parsed = readLogFile(log);
    expect(parsed.footer?.end).toBe('step-bound');
    const undecided = parsed.footer?.verdicts.filter((v) => v.ok === null) ?? [];
    expect(undecided.length).toBeGreaterThan(10);
    const page = htmlReport(parsed);
    // The verdict table has the violated property only, and it comes before everything else.
    const table = /<table id="verdicts">[\s\S]*?<\/table>/.exec(page)?.[0] ?? '';
    expect(table.match(/<tr><td>/g)).toHaveLength(1);
    expect(table).toMatch(/<td>wrprotect-post<\/td><td class="bad">VIOLATED<\/td>/);
    expect(page.indexOf('id="verdicts"')).toBeLessThan(page.indexOf('id="controls"'));
    expect(page.indexOf('id="verdicts"')).toBeLessThan(page.indexOf('id="verdicts-undecided"'));
    // The undecided ones: one folded line (closed), with their number and why, after it.
    const folded =
      /<details class="meta unknown" id="verdicts-undecided">([\s\S]*?)<\/details>/.exec(page)?.[1];
    expect(folded).toContain(
      `<summary>${undecided.length} properties inconclusive: the run stopped at its step bound`,
    );
    for (const v of undecided) expect(folded).toContain(v.id);
    expect(page).not.toMatch(/<details[^>]*\bopen\b[^>]*id="verdicts-undecided"/);
    rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  test('a run that ends normally has no inconclusive line', () => {
    expect(html).not.toContain('id="verdicts-undecided"');
    expect(html).toMatch(/<p class="meta" id="verdicts-held">holds: /);
  });
});
