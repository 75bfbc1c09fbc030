// JSON output. Heap strings can hold lone surrogates; Node 20's JSON.stringify is "well-formed"
// (ES2019) and writes them as `\udXXX` escapes, so the output is valid UTF-8 and valid JSON.
// test/report/json.test.ts pins that behaviour.

/** Serialises `value` as indented JSON with a final newline, ready for stdout or a file. */
export function renderJson(value: unknown): string {
  return JSON.stringify(value, null, 2) + '\n';
}
