// JSON output too big to hold as one string (a list of 300,000 objects, every hop of a chain five
// million hops long): the same text renderJson writes — JSON.stringify with two-space indentation,
// then the raw controls escaped — produced in chunks of about 64 kB. Arrays may be given lazily
// (lazyJsonArray) and are then iterated while writing, never held whole.
//
// Containers that hold a lazy array, and the top two levels of the value, are written piece by
// piece; anything below is one JSON.stringify call, re-indented (JSON text has no raw newlines
// inside strings, so indenting after every newline is exact).

import { escapeRawControlsInJson } from './sanitize.ts';

const LAZY = Symbol('lazy JSON array');

export interface LazyJsonArray {
  readonly [LAZY]: Iterable<unknown>;
}

/** An array whose items are produced while the JSON is written. */
export function lazyJsonArray(items: Iterable<unknown>): LazyJsonArray {
  return { [LAZY]: items };
}

function isLazy(value: unknown): value is LazyJsonArray {
  return typeof value === 'object' && value !== null && LAZY in value;
}

/** Chunks are joined up to this size before they are handed out: few writes, little memory. */
const CHUNK_CHARS = 64 * 1024;
/** Levels written piece by piece even without a lazy array in them: the top object and its arrays of rows. */
const STREAMED_LEVELS = 2;
const INDENT = '  ';

/** renderJson's text for `value` (with its final newline), in chunks. */
export function* renderJsonChunks(value: unknown): Generator<string> {
  let buffer = '';
  for (const piece of pieces(value, '', 0)) {
    buffer += piece;
    if (buffer.length >= CHUNK_CHARS) {
      yield escapeRawControlsInJson(buffer);
      buffer = '';
    }
  }
  yield `${escapeRawControlsInJson(buffer)}\n`;
}

/** Whether `value` is or holds a lazy array within `depth` levels. */
function holdsLazy(value: unknown, depth: number): boolean {
  if (isLazy(value)) return true;
  if (depth === 0 || typeof value !== 'object' || value === null) return false;
  for (const item of Array.isArray(value) ? value : Object.values(value)) if (holdsLazy(item, depth - 1)) return true;
  return false;
}

function* pieces(value: unknown, indent: string, level: number): Generator<string> {
  const streamed = isLazy(value) || (typeof value === 'object' && value !== null && (level < STREAMED_LEVELS || holdsLazy(value, 3)));
  if (!streamed) {
    // JSON.stringify returns undefined for what JSON cannot hold; in arrays that is null, as JSON.stringify writes it.
    const text = JSON.stringify(value, null, 2) ?? 'null';
    yield indent === '' || !text.includes('\n') ? text : text.replaceAll('\n', `\n${indent}`);
    return;
  }
  const inner = indent + INDENT;
  if (isLazy(value) || Array.isArray(value)) {
    let count = 0;
    for (const item of isLazy(value) ? value[LAZY] : (value as unknown[])) {
      yield count++ === 0 ? `[\n${inner}` : `,\n${inner}`;
      yield* pieces(item, inner, level + 1);
    }
    yield count === 0 ? '[]' : `\n${indent}]`;
    return;
  }
  let count = 0;
  for (const [key, item] of Object.entries(value as object)) {
    // JSON.stringify leaves out properties it cannot write.
    if (item === undefined || typeof item === 'function' || typeof item === 'symbol') continue;
    yield `${count++ === 0 ? '{\n' : ',\n'}${inner}${JSON.stringify(key)}: `;
    yield* pieces(item, inner, level + 1);
  }
  yield count === 0 ? '{}' : `\n${indent}}`;
}
