import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli } from '../helpers/cli.js';

/**
 * show, audit and the HTML report print (or embed) the reference entry of the rule ids they
 * cite, with the kernel function each stands for (docs/rules/, S-10, H9-v4, X86-W3).
 */
const LOG = join(
  import.meta.dirname,
  '..',
  '..',
  'logs',
  's10-concurrent-wrprotect.seed-v4.x86-64.ptesim',
);

describe('rule ids in output come with their reference entry', () => {
  it('show --table: a footer names each cited id, its kernel function and its entry', async () => {
    const r = await cli('show', LOG, '--table');
    expect(r.code).toBe(0);
    expect(r.out).toContain('Rules cited (docs/rules/):');
    expect(r.out).toContain('  X86-W3: page walk sets A/D (docs/rules/hardware.md#x86-w3)');
  });

  it('audit: the rules behind each finding, with the kernel function', async () => {
    const r = await cli('audit', LOG);
    expect(r.code).toBe(1);
    expect(r.out).toContain('  S-10: wp_clean_post_vma() (docs/rules/bugs.md#s-10)');
    expect(r.out).toContain('  H9-v4: apply_as_range() (docs/rules/helpers.md#h9-v4)');
  });

  it('the HTML report has a "Rules cited" table with the entries', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'ptesim-rules-')), 'r.html');
    expect((await cli('export', LOG, '--format', 'html', '-o', out)).code).toBe(0);
    const html = readFileSync(out, 'utf8');
    expect(html).toContain('<section id="rules-cited">');
    expect(html).toMatch(/<td id="rule-s-10">S-10<\/td><td>wp_clean_post_vma\(\)<\/td>/);
    expect(html).toContain('<code>docs/rules/helpers.md#h9-v4</code>');
  });
});
