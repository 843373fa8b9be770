import type { Io } from './io.js';

/**
 * Characters that must not reach a terminal raw from untrusted text (log and scenario names,
 * event strings, messages): C0 controls but newline and tab (ESC starts cursor moves, screen
 * clears, title and clipboard writes; BEL, NUL, backspace and CR overwrite what was printed),
 * DEL and the C1 controls (U+0080..U+009F: 0x9B is a one-byte CSI), the bidi embeddings,
 * overrides and isolates and the marks (Trojan Source, CVE-2021-42574), the line and paragraph
 * separators, and the byte-order mark.
 */
// eslint-disable-next-line no-control-regex
const UNSAFE =
  /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069\ufeff]/g;

/**
 * Colour sequences ptesim itself writes on a terminal (picocolors: SGR with the codes for
 * bold, dim, foreground colours and their resets). Only these pass, only when colour is on: a
 * hostile string can at worst recolour text, never move the cursor, hide text or set a title.
 */
// eslint-disable-next-line no-control-regex
const OUR_SGR = /\u001b\[(?:0|1|2|22|3[0-79]|9[0-7])m/g;

/**
 * Text made safe for a terminal: every unsafe character is shown as an escape, `\xNN` for
 * C0 controls, `\uXXXX` above (so JSON output stays valid JSON that decodes to the original
 * string: JSON.stringify already escapes C0). With `keepColour`, ptesim's own colour
 * sequences are kept.
 */
export function terminalSafe(text: string, keepColour = false): string {
  const esc = (c: string): string => {
    const n = c.charCodeAt(0);
    return n < 0x20
      ? `\\x${n.toString(16).padStart(2, '0')}`
      : `\\u${n.toString(16).padStart(4, '0')}`;
  };
  if (!keepColour) return text.replace(UNSAFE, esc);
  // Split around our colour sequences, escape everything between them.
  let out = '';
  let last = 0;
  for (const m of text.matchAll(OUR_SGR)) {
    out += text.slice(last, m.index).replace(UNSAFE, esc) + m[0];
    last = m.index + m[0].length;
  }
  return out + text.slice(last).replace(UNSAFE, esc);
}

/**
 * The one output path of the CLI: everything a command prints (text, JSON, DOT, usage and
 * error messages) goes through `terminalSafe`. Colour sequences survive only on a terminal.
 */
export function safeIo(io: Io): Io {
  return {
    isTty: io.isTty,
    color: io.color === true,
    out: (t) => io.out(terminalSafe(t, io.color === true)),
    err: (t) => io.err(terminalSafe(t, io.color === true)),
  };
}
