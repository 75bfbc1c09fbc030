// JSON output. Heap strings can hold lone surrogates; Node 20's JSON.stringify is "well-formed"
// (ES2019) and writes them as `\udXXX` escapes, so the output is valid UTF-8 and valid JSON. It still
// writes DEL, C1 controls, bidi controls and U+2028/U+2029 raw, which a terminal, a log viewer or a
// code review page may act on (Trojan Source); those are escaped after stringifying.
// test/report/json.test.ts pins both.

import { escapeRawControlsInJson } from './sanitize.ts';

/** Serialises `value` as indented JSON with a final newline, ready for stdout or a file. */
export function renderJson(value: unknown): string {
  return escapeRawControlsInJson(JSON.stringify(value, null, 2)) + '\n';
}
