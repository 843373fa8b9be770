import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { main } from '../../tools/main.js';
import { bufferIo } from '../../tools/io.js';
import { foldEvents, getArch, readLogFile, type ParsedLog } from '../../src/index.js';
import { makeRunContext } from '../../tools/report/runContext.js';
import { openWindows, stateLines } from '../../tools/report/stateText.js';

/**
 * The HTML report in a real browser: Debian's chromium driven by playwright-core. Skipped (with
 * the reason in the test name) only when chromium is not installed here; in CI (CI=true)
 * .ci/run installs it and a missing browser is a failure, not a skip.
 */
const CHROMIUM = '/usr/bin/chromium';
const hasChromium = existsSync(CHROMIUM);
const inCi = process.env['CI'] === 'true';
const EVIL_NAME = '<script>window.__pwned = 1</script><img src=x onerror="window.__pwned = 2">';

async function cli(...argv: string[]): Promise<number> {
  const io = bufferIo();
  const code = await main(argv, io);
  if (code === 2) throw new Error(io.stderr.join('\n'));
  return code;
}

it.runIf(inCi && !hasChromium)('CI has Debian chromium installed (.ci/run installs it)', () => {
  expect(existsSync(CHROMIUM)).toBe(true);
});

describe.skipIf(!hasChromium)(
  `HTML report in headless Chromium${hasChromium ? '' : ` (SKIPPED: ${CHROMIUM} not found; apt-get install -y chromium)`}`,
  () => {
    let dir: string;
    let context: BrowserContext;
    const offline: string[] = [];

    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), 'ptesim-browser-'));
      context = await chromium.launchPersistentContext(join(dir, 'profile'), {
        executablePath: CHROMIUM,
        headless: true,
        args: [
          '--headless',
          '--no-sandbox',
          '--disable-gpu',
          '--disable-quic',
          '--no-first-run',
          '--disable-background-networking',
          '--disable-component-update',
          '--disable-sync',
        ],
        viewport: { width: 1400, height: 1000 },
      });
      // The report is self-contained: any request that is not the file itself is a failure.
      await context.route('**/*', (route) => {
        const url = route.request().url();
        if (url.startsWith('file:')) return route.continue();
        offline.push(url);
        return route.abort();
      });
    }, 60_000);

    afterAll(async () => {
      await context?.close();
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    async function open(html: string): Promise<{ page: Page; errors: string[] }> {
      const page = await context.newPage();
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      page.on('console', (m) => {
        if (m.type() === 'error') errors.push(m.text());
      });
      await page.goto(pathToFileURL(html).href);
      // Page-side expressions are strings: this project type-checks without the DOM library.
      await page.waitForFunction('document.body.dataset.ready !== undefined', null, {
        timeout: 20_000,
      });
      expect(await page.evaluate('document.body.dataset.ready')).toBe('1');
      return { page, errors };
    }

    /** Moves the cursor to event i through the event-number box. */
    async function goTo(page: Page, i: number): Promise<void> {
      await page.fill('#cursor', String(i));
      await page.press('#cursor', 'Enter');
      expect(await page.textContent('#state-index')).toBe(String(i));
    }

    /** The inspector's rows, section by section, as `subject: value` lines. */
    const shownLines = (page: Page) =>
      page.$$eval('#state-view table', (tables) =>
        tables.flatMap((t) =>
          [...t.querySelectorAll('tr')].map(
            (r) =>
              `${t.getAttribute('data-section')}|${[...r.querySelectorAll('td')].map((td) => td.textContent).join(': ')}`,
          ),
        ),
      );
    /** The CLI's state view (show --state) after event i, in the same form. */
    const cliLines = (log: ParsedLog, i: number) =>
      stateLines(
        foldEvents(log.header.scenario, log.events, i),
        openWindows(log.events, i),
        makeRunContext(log.header.scenario, log.header.arch, log.header.initial),
      ).map((l) => `${l.section}|${l.text}`);

    it('time-travels the state inspector to the violating event and shows its PTE table', async () => {
      const log = join(dir, 'race.log');
      const html = join(dir, 'race.html');
      expect(
        await cli(
          'run',
          'seed-concurrent-wrprotect',
          '--variant',
          'seed-v4',
          '--seed',
          '25',
          '--out',
          log,
        ),
      ).toBe(1);
      await cli('export', log, '--format', 'html', '-o', html);
      const parsed = readLogFile(log);
      const violation = parsed.footer?.verdicts.find((v) => v.id === 'wrprotect-post')
        ?.firstViolationEvent as number;
      const arch = getArch(parsed.header.arch);
      const expected = (i: number) =>
        foldEvents(parsed.header.scenario, parsed.events, i).mms[0]?.ptes.map((p, vpn) => [
          `mm0 vpn ${vpn} (page ${vpn})`,
          arch.formatPte(p),
        ]);
      const { page, errors } = await open(html);
      const ptes = () =>
        page.$$eval('#state-ptes tbody tr', (rows) =>
          rows.map((r) => [...r.querySelectorAll('td')].map((td) => td.textContent)),
        );

      // Move the cursor back to the start, then to the violating event.
      await goTo(page, 0);
      expect(await ptes()).toEqual(expected(0));
      await goTo(page, violation);
      expect(await ptes()).toEqual(expected(violation));
      expect(await ptes()).toEqual([
        ['mm0 vpn 0 (page 0)', 'pfn=0 P|SavedDirty|A|special'],
        ['mm0 vpn 1 (page 1)', 'pfn=1 P|A|special'],
      ]);
      // Every part of the state, as `show --state` prints it (the view is the CLI's own code).
      expect(await shownLines(page)).toEqual(cliLines(parsed, violation));
      // Rows that changed with the current event are marked: at a commit, that PTE's row only.
      const commit = parsed.events.findIndex(
        (e) => e.type === 'pte/set' && e.fn === 'ptep_modify_prot_commit',
      );
      await goTo(page, commit);
      expect(
        await page.$$eval('#state-ptes tbody tr.changed', (rows) =>
          rows.map((r) => r.querySelector('td')?.textContent),
        ),
      ).toEqual(['mm0 vpn 0 (page 0)']);
      await goTo(page, violation);
      // The stale writable entry on CPU1 is what wrprotect-post is about.
      const stale = await page.$$eval('#state-tlbs tbody tr.stale', (rows) =>
        rows.map((r) => r.textContent ?? ''),
      );
      expect(stale.join(' ')).toMatch(/CPU1.*mm0 vpn 0.*W D.*stale for wp0,wp1/);
      // The first violation is highlighted in the (virtualised) event list.
      expect(await page.textContent('#list .row.violation .idx')).toBe(String(violation));
      expect(await page.$$eval('#list .row', (r) => r.length)).toBeLessThan(100);
      // Filters narrow the list.
      await page.fill('#f-kinds', 'pte');
      await page.waitForFunction(
        "/^\\d+ of \\d+ events$/.test(document.getElementById('f-count').textContent)",
      );
      const shown = await page.$$eval('#list .row', (rows) =>
        rows
          .filter((r) => r.getAttribute('style')?.includes('display: none') !== true)
          .map((r) => r.querySelector('.txt')?.textContent ?? ''),
      );
      expect(shown.length).toBeGreaterThan(0);
      expect(shown.every((t) => t.startsWith('pte/set'))).toBe(true);
      expect(await page.textContent('#cpu-table')).toContain('*** VIOLATION wrprotect-post');
      const shot = process.env['PTESIM_REPORT_SCREENSHOT'];
      if (shot) {
        await page.fill('#f-kinds', '');
        await goTo(page, violation);
        await page.screenshot({ path: shot });
      }
      expect(errors).toEqual([]);
      expect(offline).toEqual([]);
      await page.close();
    }, 60_000);

    it('the slider and ◀ ▶ skip bookkeeping events unless asked', async () => {
      const log = join(dir, 'race2.log');
      const html = join(dir, 'race2.html');
      await cli(
        'run',
        'seed-concurrent-wrprotect',
        '--variant',
        'seed-v4',
        '--seed',
        '25',
        '--out',
        log,
      );
      await cli('export', log, '--format', 'html', '-o', html);
      const events = readLogFile(log).events;
      const bookkeeping = new Set(['thread/goto', 'thread/set', '@sim/sched', '@sim/choice']);
      const stops = events.flatMap((e, i) => (bookkeeping.has(e.type) ? [] : [i]));
      const { page, errors } = await open(html);
      const at = async () => Number(await page.evaluate('document.body.dataset.cursor'));
      expect(await page.getAttribute('#slider', 'max')).toBe(String(stops.length - 1));
      for (const p of [0, 1, 7, stops.length - 1]) {
        await page.locator('#slider').fill(String(p));
        expect(await at()).toBe(stops[p]);
      }
      // ◀ ▶ walk the same stops, jumping over the thread pc/locals updates in between.
      await page.locator('#slider').fill('3');
      const walked = [await at()];
      for (let k = 0; k < 6; k++) {
        await page.click('#next');
        walked.push(await at());
      }
      expect(walked).toEqual(stops.slice(3, 10));
      expect((walked[6] ?? 0) - (walked[0] ?? 0)).toBeGreaterThan(6);
      await page.click('#prev');
      expect(await at()).toBe(stops[8]);
      // Asked: the slider stops at every event.
      await page.check('#slider-all');
      expect(await page.getAttribute('#slider', 'max')).toBe(String(events.length - 1));
      const from = await at();
      await page.click('#next');
      expect(await at()).toBe(from + 1);
      expect(errors).toEqual([]);
      await page.close();
    }, 60_000);

    it('shows the state parts added later (PG_dirty, tlb_flush_batched, VM_WRITE) as the CLI does', async () => {
      const log = join(dir, 's6.log');
      const html = join(dir, 's6.html');
      await cli('run', 's6-mprotect-reclaim-fixed', '--seed', '6', '--out', log);
      await cli('export', log, '--format', 'html', '-o', html);
      const parsed = readLogFile(log);
      const n = parsed.events.length;
      const last = parsed.events.map((e) => e.type).lastIndexOf('ubc/flushed');
      expect(last).toBeGreaterThan(0);
      const { page, errors } = await open(html);
      for (const i of [0, last, n - 1]) {
        await goTo(page, i);
        expect(await shownLines(page)).toEqual(cliLines(parsed, i));
      }
      const sections = await page.$$eval('#state-view table', (t) =>
        t.map((x) => x.getAttribute('data-section')),
      );
      for (const s of ['PG_dirty', 'tlb_flush_batched', 'VM_WRITE']) expect(sections).toContain(s);
      expect(errors).toEqual([]);
      await page.close();
    }, 60_000);

    it('does not run a <script> injected through the scenario name', async () => {
      const scenarioFile = join(dir, 'evil.yaml');
      writeFileSync(
        scenarioFile,
        [
          `name: ${JSON.stringify(EVIL_NAME)}`,
          `description: ${JSON.stringify('</script><script>window.__pwned = 3</script>')}`,
          'pages: 1',
          'cpus: 1',
          'mms: [{ vmas: [{ start: 0, pgoff: 0, npages: 1, flags: [shared, write, maywrite, io, pfnmap] }] }]',
          'threads:',
          `  - { kind: user, name: ${JSON.stringify('<img src=x onerror="window.__pwned = 4">')}, cpu: 0, writes: 1 }`,
          '  - { kind: caller, name: wp, cpu: 0, protocol: snap }',
        ].join('\n'),
      );
      const log = join(dir, 'evil.log');
      const html = join(dir, 'evil.html');
      await cli('run', scenarioFile, '--out', log);
      expect(readLogFile(log).header.scenario.name).toBe(EVIL_NAME);
      await cli('export', log, '--format', 'html', '-o', html);
      const { page, errors } = await open(html);
      expect(await page.evaluate('typeof window.__pwned')).toBe('undefined');
      expect(await page.textContent('#scenario-name')).toBe(EVIL_NAME);
      expect(await page.title()).toBe(`ptesim: ${EVIL_NAME}`);
      expect(await page.$$eval('img', (imgs) => imgs.length)).toBe(0);
      // The thread name reaches the list and the inspector as text only.
      expect(
        await page.$$eval('#state-threads td', (tds) => tds.map((t) => t.textContent)),
      ).toContain('<img src=x onerror="window.__pwned = 4"> (CPU0)');
      expect(errors).toEqual([]);
      expect(offline).toEqual([]);
      await page.close();
    }, 60_000);
  },
);
