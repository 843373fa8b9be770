// Terminal injection (issue: strings from logs and scenarios reach the terminal raw): a
// scenario whose names carry ESC sequences, BEL, NUL, C1 controls and bidi overrides is run,
// and every command prints its log, scenario and errors through the one escaping path
// (tools/terminal.ts): no unsafe character reaches stdout or stderr, the escaped forms do.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { beforeAll, describe, expect, it } from 'vitest';
import { cli } from '../helpers/cli.js';
import { repoRoot } from '../helpers/logs.js';
import { terminalSafe } from '../../tools/terminal.js';

/** The hostile corpus: each would repaint, retitle, beep, truncate or reorder a terminal. */
export const HOSTILE = [
  '\u001b[2J\u001b[H', // clear screen, cursor home
  '\u001b]0;pwned\u0007', // set the window title (OSC ... BEL)
  '\u001b]52;c;Y3VybCBldmlsLnNoIHwgc2g=\u0007', // write the clipboard
  'nul\u0000byte',
  'back\bspace\rreturn',
  '\u009b31m', // one-byte CSI (C1)
  'abc\u202edcba', // RIGHT-TO-LEFT OVERRIDE (Trojan Source)
  '\u2066isolate\u2069',
  'line\u2028sep',
  '\u001b[8mhidden\u001b[0m', // conceal
  '\u007fdel',
] as const;

// eslint-disable-next-line no-control-regex
const UNSAFE =
  /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069\ufeff]/;

const dir = mkdtempSync(join(tmpdir(), 'ptesim-hostile-'));
const scenarioFile = join(dir, 'evil.json');
const log = join(dir, 'evil.ptesim');
const hostile = HOSTILE.join('|');

beforeAll(async () => {
  const s = parse(
    readFileSync(join(repoRoot, 'scenarios', 'seed-concurrent-wrprotect.yaml'), 'utf8'),
  ) as { name: string; description?: string; threads: { name?: string }[] };
  s.name = `evil${hostile}`;
  s.description = hostile;
  s.threads.forEach((t, i) => (t.name = `t${i}${HOSTILE[i % HOSTILE.length]}`));
  writeFileSync(scenarioFile, JSON.stringify(s));
  const r = await cli('run', scenarioFile, '--seed', '3', '--out', log);
  if (r.code > 1) throw new Error(r.err);
});

/** Every command, over the hostile scenario or its log, and with hostile names as arguments. */
const COMMANDS: readonly (readonly string[])[] = [
  ['run', 'SCEN', '--seed', '3'],
  ['run', 'SCEN', '--seed', '3', '--json'],
  ['replay', 'LOG', '--resimulate'],
  ['log', 'info', 'LOG'],
  ['log', 'info', 'LOG', '--json'],
  ['log', 'verify', 'LOG'],
  ['log', 'convert', 'LOG', '--to', 'jsonl'],
  ['show', 'LOG'],
  ['show', 'LOG', '--state-at', '10'],
  ['show', 'LOG', '--json'],
  ['export', 'LOG', '--format', 'dot'],
  ['export', 'LOG', '--format', 'perfetto'],
  ['audit', 'LOG'],
  ['bisect', 'LOG', '--property', 'lost-write'],
  ['diff', 'LOG', 'LOG'],
  ['explore', 'SCEN', '--max-states', '200'],
  ['matrix', 'SCEN', '--max-states', '200'],
  ['run', 'SCEN', '--arch', HOSTILE[0]],
  ['run', 'SCEN', '--variant', HOSTILE[6]],
  ['run', `no-such${HOSTILE[1]}`],
  ['bisect', 'LOG', '--property', HOSTILE[3]],
  [`cmd${HOSTILE[0]}`],
  ['run', 'SCEN', `--opt${HOSTILE[5]}`],
];

describe('every command escapes control and bidi characters from logs, scenarios and arguments', () => {
  for (const argv of COMMANDS) {
    const name = terminalSafe(argv.join(' ')).replaceAll(dir, '…');
    it(`ptesim ${name}`, async () => {
      const r = await cli(
        ...argv.map((a) => (a === 'SCEN' ? scenarioFile : a === 'LOG' ? log : a)),
      );
      const text = `${r.out}\n${r.err}`;
      expect(text.length).toBeGreaterThan(0);
      const bad = UNSAFE.exec(text);
      expect(bad && { at: bad.index, char: bad[0].charCodeAt(0).toString(16) }).toBeNull();
    });
  }

  it('the hostile strings do reach the output, escaped (the check above can fail)', async () => {
    const r = await cli('log', 'info', log);
    expect(UNSAFE.test(`evil${hostile}`)).toBe(true);
    expect(r.out).toContain('\\x1b[2J\\x1b[H');
    expect(r.out).toContain('abc\\u202edcba');
    const j = await cli('log', 'info', log, '--json');
    // JSON output stays valid JSON and decodes to the original strings.
    expect(JSON.stringify(JSON.parse(j.out))).toContain('evil');
    expect((JSON.parse(j.out) as { scenario: string }).scenario).toBe(`evil${hostile}`);
  });
});
