// Streaming V8 heap snapshot parser: bytes in, typed-array columns out.
//
// The file is one JSON object (docs/FORMAT.md §1.1). We never hold it as a JS string (Node 20 cannot
// make strings over 2^29 chars, and JSON.parse of a 400 MB snapshot needs ~1.7 GB). Instead `feed`
// is a byte-level state machine that is handed chunks of any size and:
//   - copies the small "snapshot" header object and JSON.parses only that (its layout:
//     parser-layout.ts);
//   - hands "nodes", "edges" and "locations" to number-sections.ts, which reads them digit by digit
//     straight into de-interleaved typed arrays;
//   - hands each "strings" token to string-section.ts, which copies it into one Buffer with an
//     offset per string (decoded on demand);
//   - skips everything else (trace sections, Chrome's scopes, unknown keys) by bracket depth,
//     string-aware.
// Cost: O(file bytes), one pass; memory ≈ 18 B/node + 9 B/edge + the raw strings section.
// Bounded input: once the header is read, each section may take only the bytes its declared counts
// allow (parser-layout.ts's budgets), so a gzip bomb is refused after a bounded inflation, naming
// the section, instead of filling memory.
// Invariant: every malformed input ends in a SnapshotFormatError naming the byte offset; no input
// can make it allocate more than the file could describe (array sizes are checked against its size).

import { SnapshotFormatError } from '../errors.ts';
import type { SnapshotMeta } from './heap-graph.ts';
import { describeByte } from './parser-messages.ts';
import { numbersBudget, readSnapshotLayout, skippedBudget, stringsBudget, type SectionBudget, type SnapshotLayout } from './parser-layout.ts';
import { NumberSections, type NumberColumns, type StringIndexMaximum } from './number-sections.ts';
import { StringSection } from './string-section.ts';
import { JsonValueTracker } from './json-value-tracker.ts';

export type { StringIndexMaximum };

const QUOTE = 0x22;
const COMMA = 0x2c;
const COLON = 0x3a;
const LBRACE = 0x7b;
const RBRACE = 0x7d;
const LBRACKET = 0x5b;
const RBRACKET = 0x5d;
const UTF8_BOM = [0xef, 0xbb, 0xbf];

/** A header bigger than this is not a V8 header; refusing it bounds memory on garbage input. */
const MAX_HEADER_BYTES = 16 * 1024 * 1024;
const MAX_KEY_BYTES = 256;
/** Whitespace between sections and after the snapshot: V8 writes a newline or two. */
const MAX_LOOSE_WHITESPACE_BYTES = 1024 * 1024;

const enum State {
  Start,
  TopLevel,
  Key,
  AfterKey,
  BeforeValue,
  Header,
  Numbers,
  Strings,
  StringToken,
  SkipValue,
  Done,
}

export interface ParsedSnapshot extends NumberColumns {
  meta: SnapshotMeta;
  header: Record<string, unknown>;
  stringBytes: Buffer;
  stringOffsets: Uint32Array;
  nodeTypeNames: string[];
  edgeTypeNames: string[];
  sections: string[];
}

/** What the two sides reading "edges" need (edge-decoding.ts; the worker: edges-worker.ts). */
export interface EdgeLayout {
  edgeRoles: Uint8Array;
  /** Per edge field: its meta name, the largest value it may hold, and why (for the error message). */
  edgeFieldNames: string[];
  edgeLimits: number[];
  edgeReasons: string[];
  /** 1 per edge type whose name_or_index is a string index (all but element and hidden). */
  isStringEdge: Uint8Array;
  /** "type" comes before "name_or_index", so string indexes can be told from integers as they stream. */
  isEdgeTypeFirst: boolean;
  /** The section, from its '[', must close within this many bytes; the refusal's text otherwise. */
  maxSectionBytes: number;
  sectionTooLong: string;
  edgeFieldCount: number;
  edgeCount: number;
  nodeFieldCount: number;
  edgeType: Uint8Array;
  edgeNameOrIndex: Uint32Array;
  edgeTarget: Uint32Array;
}

export interface ParserOptions {
  /**
   * Allocate the node and edge columns and the strings in SharedArrayBuffers: a worker fills the
   * edges while this thread parses the rest, and analysis workers read the whole graph in place
   * (`top` names classes and computes distances in one while this thread builds the dominator tree).
   */
  sharedColumns?: boolean;
  /** Called when a top-level value starts, with the section name and the offset of its first byte. */
  onSection?: (key: string, offset: number) => void;
  /** The most string bytes to hold (default MAX_STRING_BYTES); tests lower it to meet the refusal. */
  maxStringBytes?: number;
  /** The most characters in one string (default 2^30 − 25, V8's largest); tests lower it too. */
  maxStringChars?: number;
}

export class SnapshotParser {
  readonly #file: string;
  /** Total input size when known; bounds the arrays the header may ask for. */
  readonly #inputSize: number | undefined;
  #state = State.Start;
  #offset = 0; // absolute offset of the byte being looked at
  #sections: string[] = [];
  #bomBytes = 0; // bytes of a leading UTF-8 byte order mark seen so far
  #looseWhitespace = 0; // whitespace bytes seen outside any section
  /** The current section (strings or skipped) must end before this offset. */
  #sectionLimit = Infinity;
  /** Why, for the refusal when it does not. */
  #sectionLimitReason = '';

  // key / header accumulation
  #key: number[] = [];
  #header: Buffer | null = null;
  #headerLength = 0;
  /** Where the header, or a skipped value, ends. */
  readonly #value = new JsonValueTracker();
  #skipIsScalar = false;
  #headerStart = 0;
  #seen = new Set<string>();

  /** From the header, once read. */
  #layout: SnapshotLayout | null = null;
  #numbers: NumberSections | null = null;
  readonly #strings: StringSection;

  readonly #options: ParserOptions;

  constructor(file: string, inputSize?: number, options: ParserOptions = {}) {
    this.#file = file;
    this.#inputSize = inputSize;
    this.#options = options;
    this.#strings = new StringSection(file, options.maxStringBytes, options.maxStringChars);
  }

  /** Bytes consumed so far (the absolute offset of the next byte to feed). */
  get offset(): number {
    return this.#offset;
  }

  /** The edge layout, once the header has been read; null before. */
  edgeLayout(): EdgeLayout | null {
    const layout = this.#layout;
    if (layout === null) return null;
    const checks = layout.edgeChecks;
    return {
      edgeRoles: layout.edgeRoles.slice(),
      edgeFieldNames: checks.names.slice(),
      edgeLimits: Array.from(checks.limits),
      edgeReasons: checks.reasons.slice(),
      isStringEdge: layout.isStringEdge.slice(),
      isEdgeTypeFirst: layout.isEdgeTypeFirst,
      ...numbersBudget(layout, 'edges'),
      edgeFieldCount: layout.edgeFieldCount,
      edgeCount: layout.edgeCount,
      nodeFieldCount: layout.nodeFieldCount,
      ...this.#numbers!.edgeColumns(),
    };
  }

  /**
   * Just after the opening '[' of "edges" has been fed: someone else (a worker) fills the edge
   * columns; continue at `closeOffset`, the offset of the section's ']', which must be fed next.
   */
  skipEdges(closeOffset: number): void {
    if (this.#state !== State.Numbers || !this.#numbers!.isAtEdgesStart() || closeOffset < this.#offset) {
      throw new Error('internal error: skipEdges outside the start of "edges"');
    }
    this.#numbers!.skipEdges(closeOffset);
    this.#offset = closeOffset;
  }

  /** After skipEdges, once the worker is done: the largest string index its string-named edges hold. */
  adoptEdgeNameMaximum(maximum: StringIndexMaximum): void {
    this.#numbers!.adoptEdgeNameMaximum(maximum);
  }

  /** Throws; `offset` null for a fact about the whole file (no one byte to name). */
  #fail(message: string, offset: number | null = this.#offset): never {
    throw new SnapshotFormatError(this.#file, message, offset ?? undefined);
  }

  /** Consume one chunk. Chunks may split tokens anywhere. */
  feed(chunk: Uint8Array): void {
    const n = chunk.length;
    let i = 0;
    const base = this.#offset;
    while (i < n) {
      this.#offset = base + i;
      switch (this.#state) {
        case State.Numbers:
          i = this.#numbers!.feed(chunk, i, base);
          if (!this.#numbers!.isOpen) this.#state = State.TopLevel;
          break;
        case State.StringToken:
          i = this.#strings.feed(chunk, i, base, this.#sectionLimit, this.#sectionLimitReason);
          if (!this.#strings.isOpen) this.#state = State.Strings;
          break;
        case State.Header:
          i = this.#feedHeader(chunk, i);
          break;
        case State.SkipValue:
          i = this.#feedSkip(chunk, i, base);
          break;
        default:
          this.#feedStructural(chunk[i]);
          i++;
      }
    }
    this.#offset = base + n;
  }

  #feedStructural(c: number): void {
    const isSpace = c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
    switch (this.#state) {
      case State.Start:
        // A UTF-8 byte order mark is EF BB BF once, at byte 0; any other EF/BB/BF is not JSON.
        if (this.#offset === this.#bomBytes && this.#bomBytes < 3 && c === UTF8_BOM[this.#bomBytes]) { this.#bomBytes++; return; }
        if (this.#bomBytes === 1 || this.#bomBytes === 2) this.#fail(`not a V8 heap snapshot: an incomplete UTF-8 byte order mark, then ${describeByte(c)}`);
        if (isSpace) return;
        if (c !== LBRACE) this.#fail(`not a V8 heap snapshot: expected a JSON object, found ${describeByte(c)}`);
        this.#state = State.TopLevel;
        return;
      case State.TopLevel:
        if (isSpace) { this.#countLooseWhitespace(); return; }
        if (c === COMMA) return;
        if (c === QUOTE) { this.#key = []; this.#state = State.Key; return; }
        if (c === RBRACE) { this.#state = State.Done; return; }
        this.#fail(`not a V8 heap snapshot: unexpected ${describeByte(c)} between sections`);
      case State.Key:
        if (c === QUOTE) { this.#state = State.AfterKey; return; }
        if (this.#key.length >= MAX_KEY_BYTES || c < 0x20) this.#fail('not a V8 heap snapshot: malformed key');
        this.#key.push(c);
        return;
      case State.AfterKey:
        if (isSpace) { this.#countLooseWhitespace(); return; }
        if (c !== COLON) this.#fail(`not a V8 heap snapshot: expected ':' after a key, found ${describeByte(c)}`);
        this.#state = State.BeforeValue;
        return;
      case State.BeforeValue:
        if (isSpace) { this.#countLooseWhitespace(); return; }
        this.#beginValue(c);
        return;
      case State.Strings:
        if (this.#offset >= this.#sectionLimit) this.#fail(this.#sectionLimitReason);
        if (isSpace || c === COMMA) return;
        if (c === QUOTE) { this.#strings.begin(this.#offset); this.#state = State.StringToken; return; }
        if (c === RBRACKET) { this.#state = State.TopLevel; return; }
        this.#fail(`"strings" may hold only strings, found ${describeByte(c)}`);
      case State.Done:
        if (isSpace) { this.#countLooseWhitespace(); return; }
        this.#fail(`unexpected ${describeByte(c)} after the end of the snapshot`);
      default:
        this.#fail('internal parser state error');
    }
  }

  #countLooseWhitespace(): void {
    if (++this.#looseWhitespace > MAX_LOOSE_WHITESPACE_BYTES) this.#fail(`not a V8 heap snapshot: more than ${MAX_LOOSE_WHITESPACE_BYTES} bytes of whitespace outside the sections`);
  }

  #beginValue(c: number): void {
    const key = Buffer.from(this.#key).toString('latin1');
    if (this.#seen.has(key)) this.#fail(`section "${key}" appears twice`);
    this.#seen.add(key);
    this.#sections.push(key);
    this.#options.onSection?.(key, this.#offset);
    if (key === 'snapshot') {
      if (c !== LBRACE) this.#fail(`"snapshot" should be an object, found ${describeByte(c)}`);
      this.#headerStart = this.#offset;
      this.#header = Buffer.alloc(64 * 1024);
      this.#headerLength = 0;
      this.#value.reset();
      this.#state = State.Header;
      this.#feedHeaderByte(c);
      return;
    }
    const isNumeric = key === 'nodes' || key === 'edges' || key === 'locations';
    if ((isNumeric || key === 'strings') && this.#layout === null) {
      this.#fail(`"${key}" comes before the "snapshot" header; leakscope needs the header first, as V8 and Chrome write it`);
    }
    if (isNumeric) {
      if (c !== LBRACKET) this.#fail(`"${key}" should be an array, found ${describeByte(c)}`);
      this.#numbers!.start(key, this.#offset);
      this.#state = State.Numbers;
      return;
    }
    // The budget counts from the value's first byte; before the header it is the slack alone.
    const open = this.#offset;
    const setBudget = (budget: SectionBudget) => {
      this.#sectionLimit = open + budget.maxSectionBytes;
      this.#sectionLimitReason = budget.sectionTooLong;
    };
    if (key === 'strings') {
      if (c !== LBRACKET) this.#fail(`"strings" should be an array, found ${describeByte(c)}`);
      // With a known file size the section cannot outgrow the rest of the file: allocate that once
      // instead of doubling (which copies and leaves ~2× the section as garbage at the peak).
      const budget = stringsBudget(this.#layout!);
      setBudget(budget);
      if (this.#inputSize !== undefined) this.#strings.reserve(Math.min(this.#inputSize - this.#offset, budget.maxSectionBytes));
      this.#state = State.Strings;
      return;
    }
    // Anything else (trace_tree, samples, scopes, unknown keys): skip the value.
    setBudget(skippedBudget(this.#layout, key));
    this.#value.reset();
    this.#skipIsScalar = !(c === LBRACE || c === LBRACKET || c === QUOTE);
    this.#state = State.SkipValue;
    this.#feedSkipByte(c);
  }

  // ---- header ---------------------------------------------------------------------------------

  #feedHeader(chunk: Uint8Array, i: number): number {
    const n = chunk.length;
    while (i < n && this.#state === State.Header) {
      this.#feedHeaderByte(chunk[i]);
      i++;
    }
    return i;
  }

  #feedHeaderByte(c: number): void {
    let header = this.#header!;
    if (this.#headerLength === header.length) {
      if (header.length >= MAX_HEADER_BYTES) this.#fail('not a V8 heap snapshot: the "snapshot" header is implausibly large');
      const grown = Buffer.alloc(header.length * 2);
      header.copy(grown);
      header = this.#header = grown;
    }
    header[this.#headerLength++] = c;
    if (this.#value.endsValue(c)) {
      this.#applyHeader(header.toString('utf8', 0, this.#headerLength));
      this.#header = null;
      this.#state = State.TopLevel;
    }
  }

  #applyHeader(text: string): void {
    let header: Record<string, unknown>;
    try {
      header = JSON.parse(text) as Record<string, unknown>;
    } catch {
      this.#fail('the "snapshot" header is not valid JSON');
    }
    const layout = readSnapshotLayout(header, this.#inputSize, this.#headerStart, (message, offset) => this.#fail(message, offset ?? this.#offset));
    this.#numbers = new NumberSections(this.#file, layout, this.#options.sharedColumns ?? false, this.#offset);
    this.#layout = layout;
  }

  // ---- skipping ---------------------------------------------------------------------------------

  #feedSkip(chunk: Uint8Array, i: number, base: number): number {
    const limit = this.#sectionLimit - base;
    const n = limit < chunk.length ? limit : chunk.length;
    while (i < n && this.#state === State.SkipValue) {
      if (this.#skipIsScalar) {
        const c = chunk[i];
        if (c === COMMA || c === RBRACE) { this.#state = State.TopLevel; return i; }
        i++;
        continue;
      }
      this.#feedSkipByte(chunk[i]);
      i++;
    }
    if (i >= limit && this.#state === State.SkipValue) {
      this.#offset = base + i;
      this.#fail(this.#sectionLimitReason);
    }
    return i;
  }

  #feedSkipByte(c: number): void {
    if (this.#skipIsScalar) return;
    if (this.#value.endsValue(c)) this.#state = State.TopLevel;
  }

  // ---- end --------------------------------------------------------------------------------------

  /** Call after the last chunk. Validates the whole and hands over the columns. */
  finish(): ParsedSnapshot {
    if (this.#state !== State.Done) {
      if (this.#offset === 0) this.#fail('empty file, not a heap snapshot');
      const where = this.#state === State.Numbers ? this.#numbers!.describeProgress()
        : this.#state === State.StringToken || this.#state === State.Strings ? ` inside "strings" after ${this.#strings.count} strings` : '';
      this.#fail(`truncated: the file ends${where}`);
    }
    if (this.#layout === null || this.#numbers === null) this.#fail('not a V8 heap snapshot: no "snapshot" header');
    if (!this.#seen.has('nodes')) this.#fail('not a V8 heap snapshot: no "nodes" section');
    if (!this.#seen.has('edges')) this.#fail('not a V8 heap snapshot: no "edges" section');
    if (!this.#seen.has('strings')) this.#fail('not a V8 heap snapshot: no "strings" section');

    this.#numbers.checkStringIndexes(this.#strings.count);

    const shared = this.#options.sharedColumns ?? false;
    return {
      meta: this.#layout.meta,
      header: this.#layout.header,
      ...this.#numbers.columns(),
      stringBytes: this.#strings.bytes(shared),
      stringOffsets: this.#strings.offsets(shared),
      nodeTypeNames: this.#layout.nodeTypeNames,
      edgeTypeNames: this.#layout.edgeTypeNames,
      sections: this.#sections,
    };
  }
}
