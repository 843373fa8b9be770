import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  makeModel,
  MemorySink,
  parseLog,
  parseScenarioText,
  recordRun,
} from '../../../src/index.js';
import { htmlReport } from '../../report/html/htmlReport.js';
import { toChromeTrace } from '../../report/perfetto.js';
import type { BenchSuite, Figure } from '../types.js';

/** Two writers hammering 4 pages while a cleaner runs: about 7 events per write. */
const SCENARIO = (writes: number): string => `
name: report-bench
description: long run for the report benchmarks
arch: x86-64
variant: upstream
options: { faultPath: faithful, flush: per-cpu, tlbCapacity: 4, ptesPerTable: 512 }
pages: 4
cpus: 2
mms:
  - vmas:
      - { start: 0, pgoff: 0, npages: 4, flags: [shared, write, maywrite, io, pfnmap] }
initialPte: writable-clean
driver: { mode: pagetable, initialBitmap: none }
threads:
  - { kind: user, name: writer0, cpu: 0, writes: ${writes} }
  - { kind: user, name: writer1, cpu: 1, writes: ${writes} }
  - { kind: caller, name: cleaner, cpu: 0, protocol: clean }
  - { kind: drain, name: drain, cpu: 0, protocol: clean }
`;

const CHROMIUM = '/usr/bin/chromium';

/**
 * The HTML report must stay responsive on a 1M-event log: generation time and size in Node,
 * and, when Debian's chromium is installed, time to interactive and to move the slider.
 */
export const reportSuite: BenchSuite = {
  name: 'report',
  description: 'HTML report and Perfetto export on a ~1M-event log (--quick: ~100k)',
  async run({ quick, log }) {
    const writes = quick ? 7_000 : 72_000;
    const model = makeModel(parseScenarioText(SCENARIO(writes), 'report-bench'));
    const sink = new MemorySink();
    recordRun(model, { maxSteps: 10_000_000 }, sink);
    const parsed = parseLog(sink.bytes(), 'report-bench');
    const n = parsed.events.length;
    log(`  log: ${n} events`);
    const figures: Figure[] = [{ name: 'report.events', value: n, unit: 'events' }];
    let t = performance.now();
    const html = htmlReport(parsed);
    const htmlMs = performance.now() - t;
    figures.push({
      name: 'report.html.generate',
      value: htmlMs,
      unit: 'ms',
      ...(!quick && { target: { value: 10_000, atLeast: false } }),
    });
    figures.push({
      name: 'report.html.bytesPerEvent',
      value: html.length / n,
      unit: 'B/event',
      target: { value: 4, atLeast: false },
    });
    t = performance.now();
    const trace = JSON.stringify(toChromeTrace(parsed));
    figures.push({
      name: 'report.perfetto.generate',
      value: performance.now() - t,
      unit: 'ms',
      note: `${(trace.length / 1e6).toFixed(1)} MB`,
    });
    if (!existsSync(CHROMIUM)) {
      log(`  (browser figures skipped: ${CHROMIUM} not installed)`);
      return figures;
    }
    const { chromium } = await import('playwright-core');
    const dir = mkdtempSync(join(tmpdir(), 'ptesim-bench-'));
    const file = join(dir, 'report.html');
    writeFileSync(file, html);
    const context = await chromium.launchPersistentContext(join(dir, 'profile'), {
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
    });
    try {
      const page = await context.newPage();
      t = performance.now();
      await page.goto(pathToFileURL(file).href);
      await page.waitForFunction('document.body.dataset.ready === "1"', null, { timeout: 120_000 });
      figures.push({
        name: 'report.browser.ready',
        value: performance.now() - t,
        unit: 'ms',
        ...(!quick && { target: { value: 3_000, atLeast: false } }),
      });
      // In-page time for one slider move (fold from the nearest checkpoint, redraw list, state, timeline).
      const moveMs = (await page.evaluate(`(function () {
        var s = document.getElementById('slider'), t0 = performance.now(), k = 0;
        for (; k < 20; k++) { s.value = String(Math.floor(${n} * k / 20) + 97); s.dispatchEvent(new Event('input')); }
        return (performance.now() - t0) / k;
      })()`)) as number;
      figures.push({
        name: 'report.browser.sliderMove',
        value: moveMs,
        unit: 'ms',
        target: { value: 50, atLeast: false },
      });
      const filterMs = (await page.evaluate(`(function () {
        var f = document.getElementById('f-kinds'), t0 = performance.now();
        f.value = 'pte,tlb/flush'; f.dispatchEvent(new Event('input'));
        return performance.now() - t0;
      })()`)) as number;
      figures.push({
        name: 'report.browser.filter',
        value: filterMs,
        unit: 'ms',
        target: { value: 250, atLeast: false },
      });
      figures.push({
        name: 'report.browser.listRows',
        value: await page.$$eval('#list .row', (r) => r.length),
        unit: 'DOM rows',
        note: 'virtualised: independent of the event count',
      });
    } finally {
      await context.close();
      rmSync(dir, { recursive: true, force: true });
    }
    return figures;
  },
};
