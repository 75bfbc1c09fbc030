// The "strings" section: each string token's raw bytes (still escaped) copied into one buffer with
// an offset per string, decoded only when a report asks (string-table.ts). SnapshotParser
// (parser.ts) finds the tokens; this copies them, counting escape syntax so a string's length in
// characters is known without decoding, and refuses what V8 cannot have written.

import { SnapshotFormatError } from '../errors.ts';
import { grownStringCapacity, MAX_STRING_BYTES } from './string-table.ts';
import { grownUint32 } from './typed-arrays.ts';

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const LOWER_U = 0x75;

/**
 * The longest string a 64-bit V8 can create (Node 20's stops at 2^29 − 24 characters, others at
 * 2^30 − 25): a longer string literal cannot come from V8, and is refused as it streams.
 */
const MAX_STRING_CHARS = 2 ** 30 - 25;

export class StringSection {
  readonly #file: string;
  #bytes: Buffer = Buffer.alloc(0);
  #length = 0;
  #offsets = new Uint32Array(1024);
  #count = 0;
  /** The most bytes #bytes may hold. */
  readonly #byteLimit: number;
  readonly #charLimit: number;
  #start = 0; // offset of the current string's opening quote
  #escapeBytes = 0; // bytes of the current string that are escape syntax, not characters
  #escaped = false;
  /** False once the current token's closing quote has been read. */
  isOpen = false;

  /** `maxBytes` and `maxChars` default to the most leakscope can hold and the longest V8 string. */
  constructor(file: string, maxBytes = MAX_STRING_BYTES, maxChars = MAX_STRING_CHARS) {
    this.#file = file;
    this.#byteLimit = Math.min(maxBytes, MAX_STRING_BYTES);
    this.#charLimit = maxChars;
  }

  get count(): number {
    return this.#count;
  }

  /**
   * With a known file size the section cannot outgrow the rest of the file: allocate that once
   * instead of doubling (which copies and leaves ~2× the section as garbage at the peak).
   */
  reserve(bytes: number): void {
    if (this.#length === 0) this.#bytes = Buffer.allocUnsafe(Math.max(0, Math.min(bytes, this.#byteLimit)));
  }

  /** At a string's opening quote, at `offset`. */
  begin(offset: number): void {
    if (this.#count + 1 >= this.#offsets.length) this.#offsets = grownUint32(this.#offsets);
    this.#offsets[this.#count] = this.#length;
    this.#start = offset;
    this.#escapeBytes = 0;
    this.#escaped = false;
    this.isOpen = true;
  }

  /**
   * Copies the raw bytes of the open string token from chunk[i]; stops after its closing quote
   * (isOpen false). `limit` is the offset the section must close before, `limitReason` the refusal.
   * Returns the index after the bytes it took.
   */
  feed(chunk: Uint8Array, i: number, base: number, limit: number, limitReason: string): number {
    const end = limit - base; // chunk-relative
    const n = end < chunk.length ? end : chunk.length;
    let j = i;
    let escaped = this.#escaped;
    let escapeBytes = this.#escapeBytes;
    // Copy while scanning: no subarray per string (millions of short strings).
    const stop = i + this.#reserve(n - i);
    const out = this.#bytes;
    let length = this.#length;
    while (j < stop) {
      const c = chunk[j];
      // Escape syntax is counted so the string's length in characters is known without decoding.
      if (escaped) { escaped = false; if (c === LOWER_U) escapeBytes += 4; }
      else if (c === BACKSLASH) { escaped = true; escapeBytes++; }
      else if (c === QUOTE) break;
      else if (c < 0x20) this.#fail('control character inside a string', base + j);
      out[length++] = c;
      j++;
    }
    this.#length = length;
    this.#escaped = escaped;
    this.#escapeBytes = escapeBytes;
    // Checked once per chunk and per string: a longer one is refused within a chunk of its limit.
    if (length - this.#offsets[this.#count] - escapeBytes > this.#charLimit) {
      this.#fail(`string ${this.#count} is longer than ${this.#charLimit} characters, the longest string V8 can create`, this.#start);
    }
    if (j < stop) { // the closing quote
      this.#count++;
      this.#offsets[this.#count] = this.#length;
      this.isOpen = false;
      return j + 1;
    }
    if (j >= end) this.#fail(limitReason, base + j);
    if (stop < n) this.#fail(`"strings" holds more than ${this.#byteLimit} bytes, the most leakscope can read (its string offsets are 32-bit)`, base + j);
    return j;
  }

  /**
   * Room for up to `wanted` more bytes (the rest of the chunk; usually the string ends sooner), but
   * never past the byte limit: returns how many bytes fit.
   */
  #reserve(wanted: number): number {
    const needed = Math.min(this.#length + wanted, this.#byteLimit);
    if (needed > this.#bytes.length) {
      const grown = Buffer.allocUnsafe(grownStringCapacity(this.#bytes.length, needed, this.#byteLimit));
      this.#bytes.copy(grown, 0, 0, this.#length);
      this.#bytes = grown;
    }
    return needed - this.#length;
  }

  #fail(message: string, offset: number): never {
    throw new SnapshotFormatError(this.#file, message, offset);
  }

  /**
   * The section's bytes; copied only when the buffer is much larger than its content, or into
   * shared memory when `shared`.
   */
  bytes(shared: boolean): Buffer {
    const bytes = this.#bytes;
    const length = this.#length;
    if (!shared && bytes.length - length <= Math.max(1 << 20, length >>> 3)) return bytes.subarray(0, length);
    const exact = shared ? Buffer.from(new SharedArrayBuffer(length)) : Buffer.allocUnsafe(length);
    bytes.copy(exact, 0, 0, length);
    this.#bytes = Buffer.alloc(0);
    return exact;
  }

  /** The string offsets (count + 1), in shared memory when `shared`. */
  offsets(shared: boolean): Uint32Array {
    const offsets = this.#offsets.subarray(0, this.#count + 1);
    if (!shared) return offsets;
    const copy = new Uint32Array(new SharedArrayBuffer(offsets.byteLength));
    copy.set(offsets);
    return copy;
  }
}
