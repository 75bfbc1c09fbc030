// The snapshot's strings, kept as the raw bytes of the "strings" section plus one offset per string.
// Millions of names stay off the V8 heap; a string becomes a JS string only when a report asks for it
// (docs/FORMAT.md §8.2 step 5). V8 writes this section as escaped ASCII, so a string without a backslash
// decodes as-is and one with a backslash goes through JSON.parse of that token alone.

import { constants } from 'node:buffer';

const BACKSLASH = 0x5c;

/**
 * The most string bytes (as written, still escaped) a StringTable holds: offsets are a Uint32Array
 * and the bytes one Buffer (Node 20's Buffers end at 4 GiB). More would take 64-bit offsets and a
 * chunked buffer; real strings sections are far smaller (2 to 3.3 bytes per node and edge on the
 * fixtures), so the parser refuses a bigger one.
 */
export const MAX_STRING_BYTES = Math.min(0xffffffff, constants.MAX_LENGTH);

/**
 * The capacity a growing strings buffer moves to so that it holds `needed` bytes: doubling from
 * `capacity` (at least 1 MiB), but never past `limit`. `needed` must not exceed `limit`.
 */
export function grownStringCapacity(capacity: number, needed: number, limit: number = MAX_STRING_BYTES): number {
  if (needed > limit) throw new RangeError(`internal error: ${needed} string bytes asked for, over the ${limit}-byte limit`);
  let size = Math.max(1 << 20, capacity * 2);
  while (size < needed) size *= 2;
  return Math.min(size, limit);
}

export class StringTable {
  readonly count: number;
  readonly #bytes: Buffer;
  /** Start of string i is offsets[i]; its end is offsets[i + 1] (count + 1 entries). */
  readonly #offsets: Uint32Array;
  /**
   * Strings decoded so far. A Map, not an array of `count` slots: reports decode a few thousand
   * strings of millions, and a slot costs 8 B whether used or not (49 MB for the 6.1 M strings of
   * a 1 GB snapshot, in every thread that reads the table).
   */
  readonly #decoded = new Map<number, string>();

  constructor(bytes: Buffer, offsets: Uint32Array) {
    this.count = offsets.length - 1;
    this.#bytes = bytes;
    this.#offsets = offsets;
  }

  static fromStrings(strings: readonly string[]): StringTable {
    const parts = strings.map((s) => Buffer.from(JSON.stringify(s).slice(1, -1), 'utf8'));
    const offsets = new Uint32Array(parts.length + 1);
    for (let i = 0; i < parts.length; i++) offsets[i + 1] = offsets[i] + parts[i].length;
    return new StringTable(Buffer.concat(parts), offsets);
  }

  get(index: number): string {
    const cached = this.#decoded.get(index);
    if (cached !== undefined) return cached;
    if (!(index >= 0 && index < this.count)) return '';
    const start = this.#offsets[index];
    const end = this.#offsets[index + 1];
    const bytes = this.#bytes.subarray(start, end);
    const raw = bytes.toString('utf8');
    let value = raw;
    // Search only this string's bytes: a search to the end of the section made decoding quadratic.
    if (bytes.indexOf(BACKSLASH) !== -1) {
      try {
        value = JSON.parse(`"${raw}"`) as string;
      } catch {
        value = raw; // a malformed escape: show the text as written rather than fail a report
      }
    }
    this.#decoded.set(index, value);
    return value;
  }

  /** 32-bit FNV-1a hash of string i's bytes as stored: equal strings hash equal across snapshots. */
  hashOf(index: number): number {
    if (!(index >= 0 && index < this.count)) return 0;
    let hash = 0x811c9dc5;
    const bytes = this.#bytes;
    for (let k = this.#offsets[index]; k < this.#offsets[index + 1]; k++) hash = Math.imul(hash ^ bytes[k], 0x01000193);
    return hash >>> 0;
  }

  /** Byte length of string i as stored (escaped): cheap, no decoding. */
  rawLength(index: number): number {
    return this.#offsets[index + 1] - this.#offsets[index];
  }

  /** Every index whose string equals `value` (V8 deduplicates, hand-made snapshots may not). */
  indexesOf(value: string): number[] {
    let found = this.#indexesByValue.get(value);
    if (found === undefined) {
      found = this.#scanFor(value);
      this.#indexesByValue.set(value, found);
    }
    return found.slice();
  }

  readonly #indexesByValue = new Map<string, number[]>();

  /** One pass over the offsets; bytes are compared in JS (the needles are short names). */
  #scanFor(value: string): number[] {
    const needle = Buffer.from(JSON.stringify(value).slice(1, -1), 'utf8');
    const length = needle.length;
    const first = needle[0];
    const found: number[] = [];
    const offsets = this.#offsets;
    const bytes = this.#bytes;
    for (let i = 0; i < this.count; i++) {
      const start = offsets[i];
      if (offsets[i + 1] - start !== length || (length > 0 && bytes[start] !== first)) continue;
      let k = 1;
      while (k < length && bytes[start + k] === needle[k]) k++;
      if (k >= length) found.push(i);
    }
    return found;
  }

  /** The raw bytes and the count + 1 offsets, to rebuild the table in a worker (shared memory is not copied). */
  get parts(): { bytes: Buffer; offsets: Uint32Array } {
    return { bytes: this.#bytes, offsets: this.#offsets };
  }

  /** Bytes held by the table (raw section + offsets), for `info`. */
  get byteSize(): number {
    return this.#bytes.length + this.#offsets.byteLength;
  }
}
