import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from './scenarios.js';

/**
 * The rule reference (docs/rules/*.md): one `### ID` entry per rule id the code, tests and
 * output cite. Commands print or link an entry next to an id; test/docs/rules.test.ts checks
 * that every cited id has one and every entry names a test that cites it.
 */
export interface RuleEntry {
  readonly id: string;
  /** The file under docs/rules/, e.g. `helpers.md`. */
  readonly file: string;
  /** GitHub-style anchor of the heading (`h9`, `x86-w2-stray-d`). */
  readonly anchor: string;
  /** The `- What:` text, one line. */
  readonly what: string;
  /** The `- Kernel:` / `- Hardware:` text. */
  readonly kernel: string;
  /** The short kernel function or hardware action a mail prints next to the id. */
  readonly fn: string;
  /** Paths from `- Tested by:`. */
  readonly testedBy: readonly string[];
  /** Why the model does not express it (then there is no test, and src/ and tools/ never cite it). */
  readonly outOfScope: string | null;
}

/**
 * Rule ids as cited: X86-W3, X86-W2-stray-D, A64-AF, SWD-2, RV-Svadu, H9, H9-v4, F3, T2, R10,
 * P1, V4, S-10, O1b, C-2, C-F1, U3 (conformance), MP1 (mprotect), Z1 (zap). Not inside longer
 * words or hex numbers.
 */
export const RULE_ID_SOURCE =
  '(?<![\\w-])(X86-(?:[ERC]|W\\d(?:-stray-D)?)|A64-(?:E|AF|WP|W\\d)|SWD-\\d+|RV-Svad[eu]|H\\d+(?:-v4)?|[FTPVR]\\d+|S-\\d+|O\\d[ab]?|C-F?\\d+|U\\d+|MP\\d+|Z\\d+)(?![\\w])';

export function ruleIdPattern(): RegExp {
  return new RegExp(RULE_ID_SOURCE, 'g');
}

export function rulesDir(): string {
  return join(packageRoot(), 'docs', 'rules');
}

const FIELD =
  /^- (What|Kernel|Hardware|Function|Model|Tested by|Out of scope)(?: \([^)]*\))?: ?(.*)$/;

/** Parse one reference file: its `### ID` entries and their bullet fields. */
export function parseRuleFile(text: string, file: string): RuleEntry[] {
  const out: RuleEntry[] = [];
  let cur: { id: string; fields: Map<string, string> } | null = null;
  let field: string | null = null;
  const flush = (): void => {
    if (cur === null) return;
    const f = cur.fields;
    out.push({
      id: cur.id,
      file,
      anchor: cur.id.toLowerCase().replace(/[^a-z0-9-]/g, ''),
      what: f.get('What') ?? '',
      kernel: f.get('Kernel') ?? f.get('Hardware') ?? '',
      fn: f.get('Function') ?? '',
      testedBy: (f.get('Tested by') ?? '')
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s !== ''),
      outOfScope: f.get('Out of scope') ?? null,
    });
  };
  for (const line of text.split('\n')) {
    const h = /^### (\S+)\s*$/.exec(line);
    if (h) {
      flush();
      cur = { id: h[1] as string, fields: new Map() };
      field = null;
      continue;
    }
    if (cur === null) continue;
    if (/^#{1,3} /.test(line)) {
      flush();
      cur = null;
      continue;
    }
    const m = FIELD.exec(line);
    if (m) {
      field = m[1] as string;
      cur.fields.set(field, (m[2] ?? '').trim());
    } else if (field !== null && /^\s+\S/.test(line))
      cur.fields.set(field, `${cur.fields.get(field) ?? ''} ${line.trim()}`);
    else field = null;
  }
  flush();
  return out;
}

let cache: Map<string, RuleEntry> | null = null;

/** Every entry of docs/rules/*.md by id (empty when the docs are not installed). */
export function loadRules(dir = rulesDir()): Map<string, RuleEntry> {
  if (cache !== null && dir === rulesDir()) return cache;
  const map = new Map<string, RuleEntry>();
  if (existsSync(dir))
    for (const f of readdirSync(dir).sort())
      if (f.endsWith('.md'))
        for (const e of parseRuleFile(readFileSync(join(dir, f), 'utf8'), f)) map.set(e.id, e);
  if (dir === rulesDir()) cache = map;
  return map;
}

/** `docs/rules/helpers.md#h9`: where a reader finds the entry in the repository. */
export function ruleLink(e: RuleEntry): string {
  return `docs/rules/${e.file}#${e.anchor}`;
}

/** Ids cited in a text, first occurrence order, each once. */
export function citedRuleIds(text: string): string[] {
  return [...new Set([...text.matchAll(ruleIdPattern())].map((m) => m[1] as string))];
}

/**
 * "Rules cited" footer for terminal/mail output: each id with the kernel function it stands
 * for and its reference entry, within `width` columns (the entry moves to its own line when the
 * pair does not fit). Empty when nothing is cited.
 */
export function ruleFooter(text: string, width = 72, rules = loadRules()): string[] {
  const lines: string[] = [];
  for (const id of citedRuleIds(text)) {
    const e = rules.get(id);
    if (e === undefined) continue;
    const one = `  ${id}: ${e.fn} (${ruleLink(e)})`;
    if (one.length <= width) lines.push(one);
    else lines.push(`  ${id}: ${e.fn}`, `      ${ruleLink(e)}`);
  }
  return lines.length === 0 ? [] : ['Rules cited (docs/rules/):', ...lines];
}
