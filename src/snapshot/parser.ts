// Streaming V8 heap snapshot parser: bytes in, typed-array columns out.
//
// The file is one JSON object (FORMAT.md §1.1). We never hold it as a JS string (Node 20 cannot make
// strings over 2^29 chars, and JSON.parse of a 400 MB snapshot needs ~1.7 GB). Instead `feed` is a
// byte-level state machine that is handed chunks of any size and:
//   - copies the small "snapshot" header object and JSON.parses only that;
//   - reads "nodes" and "edges" digit by digit straight into de-interleaved typed arrays whose
//     field roles come from meta (never hard-coded: Node 24 and Chrome have 6 node fields, Node 20 7);
//   - copies the "strings" section into one Buffer with an offset per string (decoded on demand);
//   - reads "locations" into growable arrays and skips everything else (trace sections, Chrome's
//     scopes, unknown keys) by bracket depth, string-aware.
// Cost: O(file bytes), one pass; memory ≈ 18 B/node + 9 B/edge + the raw strings section.
// Bounded input: once the header is read, each section may take only the bytes its declared counts
// allow (see the budgets below), so a gzip bomb is refused after a bounded inflation, naming the
// section, instead of filling memory.
// Invariant: every malformed input ends in a SnapshotFormatError naming the byte offset; no input
// can make it allocate more than the file could describe (array sizes are checked against its size).
// Exact numbers or a refusal: each number is checked against what its field can hold and mean
// (32-bit ids and indexes, self sizes below 2^53, types within meta's lists, to_node a node index)
// once, when it is stored; string indexes are checked at the end against the string count, through
// the largest one seen, so the error can still name where it was written.

import { SnapshotFormatError } from '../errors.ts';
import type { SnapshotMeta } from './heap-graph.ts';
import { grownStringCapacity, MAX_STRING_BYTES } from './string-table.ts';
import { grownUint32 } from './typed-arrays.ts';
import { describeByte, outOfRangeMessage } from './parser-messages.ts';

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const LBRACE = 0x7b;
const RBRACE = 0x7d;
const LBRACKET = 0x5b;
const RBRACKET = 0x5d;
const DIGIT_0 = 0x30;
const DIGIT_9 = 0x39;
const UTF8_BOM = [0xef, 0xbb, 0xbf];

/** A header bigger than this is not a V8 header; refusing it bounds memory on garbage input. */
const MAX_HEADER_BYTES = 16 * 1024 * 1024;
const MAX_KEY_BYTES = 256;
/** More digits than this cannot be a field V8 writes (self sizes are 48-bit). */
const MAX_DIGITS = 16;
const UINT32_MAX = 0xffffffff;
const UINT32_REASON = `above ${UINT32_MAX}, the 32-bit maximum`;
/**
 * Self sizes live in a Uint32Array (4 B/node), widened to a Float64Array, exact up to 2^53 − 1
 * (V8 writes 48-bit sizes), at the first size above 32 bits: 44 MB less on an 11 M node heap.
 */
const MAX_SELF_SIZE = Number.MAX_SAFE_INTEGER;

// Section budgets: the most bytes a section may take, given the header's counts.
/**
 * Bytes one number may take in "nodes", "edges" or "locations" with its separators: at most 16
 * digits, and room for pretty-printed indentation (V8 itself writes at most 12 per number).
 */
const MAX_BYTES_PER_NUMBER = 64;
/** Room for the brackets and stray whitespace of a numeric section. */
const NUMBERS_SLACK_BYTES = 64 * 1024;
/**
 * V8 writes one string per distinct name (of a node, a string-named edge, a trace function or its
 * script) plus "<dummy>", each cut to --heap-snapshot-string-limit characters (default 1,024), each
 * character at most 6 bytes escaped ("\uXXXX"), plus quotes and a comma. The fixtures take 2 to
 * 3.3 bytes per name; this allows for the worst V8 can write with default flags.
 */
const MAX_BYTES_PER_NAME = 6 * 1024 + 4;
/** Room for names V8 does not cut (embedder names; Chrome's reach 1,121 chars) or a raised limit. */
const STRINGS_SLACK_BYTES = 64 * 1024 * 1024;
/**
 * Sections leakscope skips (trace_function_infos, trace_tree, samples, Chrome's scopes, unknown
 * keys) declare no size, except trace_function_infos: each may take this much plus what the
 * declared numbers of "nodes", "edges" and "trace_function_infos" may.
 */
const SKIPPED_SLACK_BYTES = 64 * 1024 * 1024;
/** Whitespace between sections and after the snapshot: V8 writes a newline or two. */
const MAX_LOOSE_WHITESPACE_BYTES = 1024 * 1024;
/**
 * The longest string a 64-bit V8 can create (Node 20's stops at 2^29 − 24 characters, others at
 * 2^30 − 25): a longer string literal cannot come from V8, and is refused as it streams.
 */
const MAX_STRING_CHARS = 2 ** 30 - 25;
const LOWER_U = 0x75;

const enum State {
  Start,
  TopLevel,
  Key,
  AfterKey,
  BeforeValue,
  Header,
  NumbersOpen,
  Numbers,
  StringsOpen,
  Strings,
  StringToken,
  SkipValue,
  Done,
}

const enum Section { Nodes, Edges, Locations, Other }

const enum NodeRole { Type, Name, Id, SelfSize, EdgeCount, TraceNodeId, Detachedness, Ignore }
const enum EdgeRole { Type, NameOrIndex, ToNode, Ignore }
const enum LocRole { Object, ScriptId, Line, Column, Ignore }

export interface ParsedSnapshot {
  meta: SnapshotMeta;
  header: Record<string, unknown>;
  nodeType: Uint8Array;
  nodeName: Uint32Array;
  nodeId: Uint32Array;
  selfSize: Uint32Array | Float64Array;
  /** Edge count per node, with one spare trailing slot (N + 1 entries). */
  nodeEdgeCount: Uint32Array;
  /** Ordinals whose detachedness is 1 (attached) / 2 (detached), ascending; few outside browsers. */
  attachedNodes: Uint32Array;
  detachedNodes: Uint32Array;
  traceNodeId: Uint32Array | null;
  edgeType: Uint8Array;
  edgeNameOrIndex: Uint32Array;
  edgeTarget: Uint32Array;
  locObject: Uint32Array;
  locScriptId: Uint32Array;
  locLine: Uint32Array;
  locColumn: Uint32Array;
  locationCount: number;
  stringBytes: Buffer;
  stringOffsets: Uint32Array;
  nodeTypeNames: string[];
  edgeTypeNames: string[];
  sections: string[];
}

/** The largest string index a section named, with the record and the offset it was written at (-1: none). */
export interface StringIndexMaximum {
  value: number;
  item: number;
  offset: number;
}

/** What a worker needs to parse the "edges" section on its own (see edges-worker.mjs). */
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
  /** The current section (numbers, strings or skipped) must end before this offset. */
  #sectionLimit = Infinity;
  /** Why, for the refusal when it does not. */
  #sectionLimitReason = '';

  // key / header accumulation
  #key: number[] = [];
  #header: Buffer | null = null;
  #headerLength = 0;
  #depth = 0;
  #inString = false;
  #escaped = false;
  #skipIsScalar = false;

  // meta-derived layout
  #meta: SnapshotMeta | null = null;
  #headerObject: Record<string, unknown> | null = null;
  #nodeFieldCount = 0;
  #edgeFieldCount = 0;
  #nodeRoles: Uint8Array = new Uint8Array(0);
  #edgeRoles: Uint8Array = new Uint8Array(0);
  #locRoles: Uint8Array = new Uint8Array(0);
  #locFieldCount = 0;
  #nodeCount = 0;
  #edgeCount = 0;
  #traceFunctionCount = 0;
  #nodeTypeNames: string[] = [];
  #edgeTypeNames: string[] = [];
  #headerStart = 0;
  // Per section, per field: meta name, largest allowed value, and the reason given when it is exceeded.
  #nodeChecks: FieldChecks = NO_CHECKS;
  #edgeChecks: FieldChecks = NO_CHECKS;
  #locChecks: FieldChecks = NO_CHECKS;
  #isStringEdge = new Uint8Array(0);
  #isEdgeTypeFirst = true;

  // numeric section state
  #section = Section.Other;
  #sectionName = '';
  #checks: FieldChecks = NO_CHECKS;
  #limits: Float64Array = NO_CHECKS.limits;
  #edgeSum = 0;
  // The largest string index among node names / string-named edges, its record and offset.
  #nodeNameMax = -1;
  #nodeNameMaxItem = -1;
  #nodeNameMaxOffset = -1;
  #edgeNameMax = -1;
  #edgeNameMaxItem = -1;
  #edgeNameMaxOffset = -1;
  #value = 0;
  #digits = 0;
  #field = 0;
  #item = 0;
  #seen = new Set<string>();

  // columns
  #nodeType: Uint8Array = new Uint8Array(0);
  #nodeName: Uint32Array = new Uint32Array(0);
  #nodeId: Uint32Array = new Uint32Array(0);
  #selfSize: Uint32Array | Float64Array = new Uint32Array(0);
  #nodeEdgeCount: Uint32Array = new Uint32Array(0);
  #attached = new OrdinalList();
  #detached = new OrdinalList();
  #traceNodeId: Uint32Array | null = null;
  #edgeType: Uint8Array = new Uint8Array(0);
  #edgeNameOrIndex: Uint32Array = new Uint32Array(0);
  #edgeTarget: Uint32Array = new Uint32Array(0);
  #locObject = new Uint32Array(0);
  #locScriptId = new Uint32Array(0);
  #locLine = new Uint32Array(0);
  #locColumn = new Uint32Array(0);

  // strings
  #strBytes: Buffer = Buffer.alloc(0);
  #strLength = 0;
  #strOffsets = new Uint32Array(1024);
  #strCount = 0;
  /** The most bytes #strBytes may hold. */
  readonly #strByteLimit: number;
  readonly #strCharLimit: number;
  #strStart = 0; // offset of the current string's opening quote
  #strEscapeBytes = 0; // bytes of the current string that are escape syntax, not characters

  readonly #options: ParserOptions;

  constructor(file: string, inputSize?: number, options: ParserOptions = {}) {
    this.#file = file;
    this.#inputSize = inputSize;
    this.#options = options;
    this.#strByteLimit = Math.min(options.maxStringBytes ?? MAX_STRING_BYTES, MAX_STRING_BYTES);
    this.#strCharLimit = options.maxStringChars ?? MAX_STRING_CHARS;
  }

  /** Bytes consumed so far (the absolute offset of the next byte to feed). */
  get offset(): number {
    return this.#offset;
  }

  /** The edge layout, once the header has been read; null before. */
  edgeLayout(): EdgeLayout | null {
    if (this.#meta === null) return null;
    const checks = this.#edgeChecks;
    return {
      edgeRoles: this.#edgeRoles.slice(),
      edgeFieldNames: checks.names.slice(),
      edgeLimits: Array.from(checks.limits),
      edgeReasons: checks.reasons.slice(),
      isStringEdge: this.#isStringEdge.slice(),
      isEdgeTypeFirst: this.#isEdgeTypeFirst,
      ...this.#numbersBudget('edges'),
      edgeFieldCount: this.#edgeFieldCount,
      edgeCount: this.#edgeCount,
      nodeFieldCount: this.#nodeFieldCount,
      edgeType: this.#edgeType,
      edgeNameOrIndex: this.#edgeNameOrIndex,
      edgeTarget: this.#edgeTarget,
    };
  }

  /**
   * Just after the opening '[' of "edges" has been fed: someone else (a worker) fills the edge
   * columns; continue at `closeOffset`, the offset of the section's ']', which must be fed next.
   */
  skipEdges(closeOffset: number): void {
    if (this.#state !== State.Numbers || this.#section !== Section.Edges || this.#item !== 0 || this.#field !== 0 || this.#digits !== 0 || closeOffset < this.#offset) {
      throw new Error('internal error: skipEdges outside the start of "edges"');
    }
    this.#item = this.#edgeCount;
    // Past the budget the worker refuses the section (or names an earlier error in it).
    if (closeOffset >= this.#sectionLimit) this.#fail(this.#sectionLimitReason, this.#sectionLimit);
    this.#offset = closeOffset;
  }

  /** After skipEdges, once the worker is done: the largest string index its string-named edges hold. */
  adoptEdgeNameMaximum(maximum: StringIndexMaximum): void {
    this.#edgeNameMax = maximum.value;
    this.#edgeNameMaxItem = maximum.item;
    this.#edgeNameMaxOffset = maximum.offset;
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
          i = this.#feedNumbers(chunk, i, base);
          break;
        case State.StringToken:
          i = this.#feedStringToken(chunk, i, base);
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
      case State.NumbersOpen:
        if (isSpace) return;
        if (c !== LBRACKET) this.#fail(`"${this.#sectionName}" should be an array, found ${describeByte(c)}`);
        this.#state = State.Numbers;
        return;
      case State.StringsOpen:
        if (isSpace) return;
        if (c !== LBRACKET) this.#fail(`"strings" should be an array, found ${describeByte(c)}`);
        this.#state = State.Strings;
        return;
      case State.Strings:
        if (this.#offset >= this.#sectionLimit) this.#fail(this.#sectionLimitReason);
        if (isSpace || c === COMMA) return;
        if (c === QUOTE) { this.#beginString(); this.#state = State.StringToken; return; }
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
      this.#depth = 0;
      this.#inString = false;
      this.#escaped = false;
      this.#state = State.Header;
      this.#feedHeaderByte(c);
      return;
    }
    const isNumeric = key === 'nodes' || key === 'edges' || key === 'locations';
    if ((isNumeric || key === 'strings') && this.#meta === null) {
      this.#fail(`"${key}" comes before the "snapshot" header; leakscope needs the header first, as V8 and Chrome write it`);
    }
    if (isNumeric) {
      if (c !== LBRACKET) this.#fail(`"${key}" should be an array, found ${describeByte(c)}`);
      this.#startNumbers(key);
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
      const budget = this.#stringsBudget();
      setBudget(budget);
      if (this.#inputSize !== undefined && this.#strLength === 0) {
        this.#strBytes = Buffer.allocUnsafe(Math.max(0, Math.min(this.#inputSize - this.#offset, this.#strByteLimit, budget.maxSectionBytes)));
      }
      this.#state = State.Strings;
      return;
    }
    // Anything else (trace_tree, samples, scopes, unknown keys): skip the value.
    setBudget(this.#skippedBudget(key));
    this.#depth = 0;
    this.#inString = false;
    this.#escaped = false;
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
    if (this.#inString) {
      if (this.#escaped) this.#escaped = false;
      else if (c === BACKSLASH) this.#escaped = true;
      else if (c === QUOTE) this.#inString = false;
      return;
    }
    if (c === QUOTE) this.#inString = true;
    else if (c === LBRACE || c === LBRACKET) this.#depth++;
    else if (c === RBRACE || c === RBRACKET) {
      this.#depth--;
      if (this.#depth === 0) {
        this.#applyHeader(header.toString('utf8', 0, this.#headerLength));
        this.#header = null;
        this.#state = State.TopLevel;
      }
    }
  }

  #applyHeader(text: string): void {
    let header: Record<string, unknown>;
    try {
      header = JSON.parse(text) as Record<string, unknown>;
    } catch {
      this.#fail('the "snapshot" header is not valid JSON');
    }
    const meta = header.meta as SnapshotMeta | undefined;
    if (!meta || typeof meta !== 'object') this.#fail('unknown snapshot format: the header has no "meta"');
    const nodeFields = stringList(meta.node_fields);
    const edgeFields = stringList(meta.edge_fields);
    if (!nodeFields || !edgeFields) this.#fail('unknown snapshot format: meta lacks node_fields or edge_fields');
    const locFields = stringList(meta.location_fields) ?? ['object_index', 'script_id', 'line', 'column'];
    // A field listed twice would be stored twice, the second value silently winning.
    for (const [list, fields] of [['node_fields', nodeFields], ['edge_fields', edgeFields], ['location_fields', locFields]] as const) {
      const twice = fields.find((field, k) => fields.indexOf(field) !== k);
      if (twice !== undefined) this.#fail(`unknown snapshot format: meta.${list} lists "${twice}" twice (fields: ${fields.join(', ')})`);
    }
    for (const required of ['type', 'name', 'id', 'self_size', 'edge_count']) {
      if (!nodeFields.includes(required)) this.#fail(`unknown snapshot format: node_fields has no "${required}" (fields: ${nodeFields.join(', ')})`);
    }
    for (const required of ['type', 'name_or_index', 'to_node']) {
      if (!edgeFields.includes(required)) this.#fail(`unknown snapshot format: edge_fields has no "${required}" (fields: ${edgeFields.join(', ')})`);
    }
    const nodeTypes = Array.isArray(meta.node_types) ? stringList(meta.node_types[nodeFields.indexOf('type')]) : null;
    const edgeTypes = Array.isArray(meta.edge_types) ? stringList(meta.edge_types[edgeFields.indexOf('type')]) : null;
    if (!nodeTypes || !edgeTypes) this.#fail('unknown snapshot format: meta lacks the node or edge type names');
    if (nodeTypes.length > 255 || edgeTypes.length > 255) this.#fail('unknown snapshot format: too many node or edge types');
    for (const key of ['node_count', 'edge_count', 'trace_function_count', 'extra_native_bytes']) {
      const value = header[key];
      const isOptional = key === 'trace_function_count' || key === 'extra_native_bytes';
      if (value === undefined && isOptional) continue;
      const limit = key === 'extra_native_bytes' ? Number.MAX_SAFE_INTEGER : UINT32_MAX;
      if (!(typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= limit)) {
        this.#fail(`unknown snapshot format: "${key}" is ${JSON.stringify(value) ?? 'missing'}, not a whole number from 0 to ${limit}`, this.#headerStart);
      }
    }
    const nodeCount = header.node_count as number;
    const edgeCount = header.edge_count as number;
    if (nodeCount === 0) this.#fail('not a usable snapshot: node_count is 0');
    // Each number takes at least two bytes ("0,"): a header asking for more than the file can hold lies.
    if (this.#inputSize !== undefined && (nodeCount * nodeFields.length + edgeCount * edgeFields.length) * 2 > this.#inputSize + 2) {
      this.#fail(`the header claims ${nodeCount} nodes and ${edgeCount} edges, more than a ${this.#inputSize}-byte file can hold`);
    }

    this.#meta = meta;
    this.#headerObject = header;
    this.#nodeFieldCount = nodeFields.length;
    this.#edgeFieldCount = edgeFields.length;
    // Without allocation tracking (no trace functions) trace_node_id is all zeros: skip the column.
    this.#traceFunctionCount = (header.trace_function_count as number | undefined) ?? 0;
    const isTracked = this.#traceFunctionCount > 0;
    this.#nodeRoles = Uint8Array.from(nodeFields, (field) => (field === 'trace_node_id' && !isTracked ? NodeRole.Ignore : nodeRole(field)));
    this.#edgeRoles = Uint8Array.from(edgeFields, edgeRole);
    this.#locRoles = Uint8Array.from(locFields, locRole);
    this.#locFieldCount = locFields.length;
    this.#nodeCount = nodeCount;
    this.#edgeCount = edgeCount;
    this.#nodeTypeNames = nodeTypes;
    this.#edgeTypeNames = edgeTypes;
    this.#setFieldChecks(nodeFields, edgeFields, locFields);
    try {
      const bytes = (length: number) => (this.#options.sharedColumns ? new SharedArrayBuffer(length) : new ArrayBuffer(length));
      this.#nodeType = new Uint8Array(bytes(nodeCount));
      this.#nodeName = new Uint32Array(bytes(nodeCount * 4));
      this.#nodeId = new Uint32Array(bytes(nodeCount * 4));
      this.#selfSize = new Uint32Array(bytes(nodeCount * 4));
      // One spare slot: load.ts turns the counts into the N+1 first-edge offsets in place.
      this.#nodeEdgeCount = new Uint32Array(bytes((nodeCount + 1) * 4));
      this.#attached = new OrdinalList();
      this.#detached = new OrdinalList();
      this.#traceNodeId = nodeFields.includes('trace_node_id') && isTracked ? new Uint32Array(nodeCount) : null;
      this.#edgeType = new Uint8Array(bytes(edgeCount));
      this.#edgeNameOrIndex = new Uint32Array(bytes(edgeCount * 4));
      this.#edgeTarget = new Uint32Array(bytes(edgeCount * 4));
    } catch {
      this.#fail(`cannot allocate arrays for ${nodeCount} nodes and ${edgeCount} edges`);
    }
  }

  /** What each field may hold, from meta and the header's counts; unknown fields are not checked. */
  #setFieldChecks(nodeFields: string[], edgeFields: string[], locFields: string[]): void {
    const uint32: FieldLimit = [UINT32_MAX, UINT32_REASON];
    const nodeIndex: FieldLimit = [(this.#nodeCount - 1) * this.#nodeFieldCount, `which is not a node index (${this.#nodeCount} nodes × ${this.#nodeFieldCount} fields)`];
    const unchecked: FieldLimit = [Infinity, ''];
    this.#nodeChecks = fieldChecks(nodeFields, (field) => {
      switch (field) {
        case 'type': return [this.#nodeTypeNames.length - 1, `but meta lists only ${this.#nodeTypeNames.length} node types`];
        case 'name': case 'id': case 'trace_node_id': return uint32;
        case 'self_size': return [MAX_SELF_SIZE, `above 2^53 − 1, the largest size kept exactly (V8 writes 48-bit sizes)`];
        case 'edge_count': return [this.#edgeCount, `more than the ${this.#edgeCount} edges the header announces`];
        case 'detachedness': return [2, 'but detachedness is 0 (unknown), 1 (attached) or 2 (detached)'];
        default: return unchecked;
      }
    });
    this.#edgeChecks = fieldChecks(edgeFields, (field) => {
      switch (field) {
        case 'type': return [this.#edgeTypeNames.length - 1, `but meta lists only ${this.#edgeTypeNames.length} edge types`];
        case 'name_or_index': return uint32;
        case 'to_node': return nodeIndex;
        default: return unchecked;
      }
    });
    this.#locChecks = fieldChecks(locFields, (field) => {
      switch (field) {
        case 'object_index': return nodeIndex;
        case 'script_id': case 'line': case 'column': return uint32;
        default: return unchecked;
      }
    });
    // element and hidden edges hold plain integers (FORMAT.md §1.5); every other type a string index.
    this.#isStringEdge = Uint8Array.from(this.#edgeTypeNames, (name) => (name === 'element' || name === 'hidden' ? 0 : 1));
    this.#isEdgeTypeFirst = edgeFields.indexOf('type') < edgeFields.indexOf('name_or_index');
  }

  /** The most bytes "nodes", "edges" or "locations" may take, from its '[' to its ']'. */
  #numbersBudget(key: string): SectionBudget {
    const numbers = key === 'nodes' ? this.#nodeCount * this.#nodeFieldCount
      : key === 'edges' ? this.#edgeCount * this.#edgeFieldCount
      : this.#nodeCount * this.#locFieldCount;
    const maxSectionBytes = numbers * MAX_BYTES_PER_NUMBER + NUMBERS_SLACK_BYTES;
    const what = key === 'nodes' ? `${this.#nodeCount} nodes of ${this.#nodeFieldCount} numbers`
      : key === 'edges' ? `${this.#edgeCount} edges of ${this.#edgeFieldCount} numbers`
      : `one location for each of the ${this.#nodeCount} nodes`;
    return { maxSectionBytes, sectionTooLong: `"${key}" runs past ${maxSectionBytes} bytes, more than ${what} can take (${MAX_BYTES_PER_NUMBER} bytes a number)` };
  }

  #stringsBudget(): SectionBudget {
    const traceFunctions = this.#traceFunctionCount;
    const names = 1 + this.#nodeCount + this.#edgeCount + 2 * traceFunctions;
    const maxSectionBytes = names * MAX_BYTES_PER_NAME + STRINGS_SLACK_BYTES;
    return {
      maxSectionBytes,
      sectionTooLong: `"strings" runs past ${maxSectionBytes} bytes, more than the header's ${this.#nodeCount} nodes, ${this.#edgeCount} edges `
        + `and ${traceFunctions} trace functions can name (64 MiB and 6 KiB a name, V8's longest with default flags)`,
    };
  }

  #skippedBudget(key: string): SectionBudget {
    const numbers = this.#nodeCount * this.#nodeFieldCount + this.#edgeCount * this.#edgeFieldCount + 6 * this.#traceFunctionCount;
    const maxSectionBytes = numbers * MAX_BYTES_PER_NUMBER + SKIPPED_SLACK_BYTES;
    return {
      maxSectionBytes,
      sectionTooLong: `"${key}" runs past ${maxSectionBytes} bytes, more than a section leakscope skips may take (64 MiB and ${MAX_BYTES_PER_NUMBER} bytes for each number the header announces)`,
    };
  }

  // ---- numeric sections -----------------------------------------------------------------------

  #startNumbers(key: string): void {
    const budget = this.#numbersBudget(key);
    this.#sectionLimit = this.#offset + budget.maxSectionBytes;
    this.#sectionLimitReason = budget.sectionTooLong;
    this.#sectionName = key;
    this.#section = key === 'nodes' ? Section.Nodes : key === 'edges' ? Section.Edges : Section.Locations;
    this.#checks = this.#section === Section.Nodes ? this.#nodeChecks : this.#section === Section.Edges ? this.#edgeChecks : this.#locChecks;
    this.#limits = this.#checks.limits;
    this.#value = 0;
    this.#digits = 0;
    this.#field = 0;
    this.#item = 0;
  }

  /** The hot loop: digits accumulate into #value; a separator stores it into the right column. */
  #feedNumbers(chunk: Uint8Array, i: number, base: number): number {
    const limit = this.#sectionLimit - base; // the section must close before this (chunk-relative)
    const n = limit < chunk.length ? limit : chunk.length;
    let value = this.#value;
    let digits = this.#digits;
    while (i < n) {
      const c = chunk[i];
      if (c >= DIGIT_0 && c <= DIGIT_9) {
        value = value * 10 + (c - DIGIT_0);
        if (++digits > MAX_DIGITS) { this.#offset = base + i; this.#fail(`number too long in "${this.#sectionName}"`); }
        i++;
        continue;
      }
      if (digits > 0) {
        this.#offset = base + i - digits; // errors about a number name its first digit
        this.#store(value);
        value = 0;
        digits = 0;
      }
      if (c === COMMA || c === 0x0a || c === 0x20 || c === 0x0d || c === 0x09) { i++; continue; }
      if (c === RBRACKET) {
        this.#offset = base + i;
        this.#value = 0;
        this.#digits = 0;
        this.#endNumbers();
        return i + 1;
      }
      this.#offset = base + i;
      this.#fail(`unexpected ${describeByte(c)} in "${this.#sectionName}" (only unsigned integers are allowed)`);
    }
    if (i >= limit) {
      this.#offset = base + i;
      this.#fail(this.#sectionLimitReason);
    }
    this.#value = value;
    this.#digits = digits;
    return i;
  }

  #store(value: number): void {
    switch (this.#section) {
      case Section.Nodes: return this.#storeNodeField(value);
      case Section.Edges: return this.#storeEdgeField(value);
      default: return this.#storeLocationField(value);
    }
  }

  #storeNodeField(value: number): void {
    const k = this.#item;
    if (k >= this.#nodeCount) this.#fail(`"nodes" holds more than the ${this.#nodeCount} nodes the header announces`);
    if (value > this.#limits[this.#field]) this.#failRange(value);
    switch (this.#nodeRoles[this.#field]) {
      case NodeRole.Type: this.#nodeType[k] = value; break;
      case NodeRole.Name:
        this.#nodeName[k] = value;
        if (value > this.#nodeNameMax) {
          this.#nodeNameMax = value;
          this.#nodeNameMaxItem = k;
          this.#nodeNameMaxOffset = this.#offset;
        }
        break;
      case NodeRole.Id: this.#nodeId[k] = value; break;
      case NodeRole.SelfSize:
        if (value > UINT32_MAX && this.#selfSize instanceof Uint32Array) this.#widenSelfSize();
        this.#selfSize[k] = value;
        break;
      case NodeRole.EdgeCount:
        this.#nodeEdgeCount[k] = value;
        this.#edgeSum += value;
        if (this.#edgeSum > this.#edgeCount) this.#fail(`node ${k}: the edge counts of nodes 0 to ${k} add up to ${this.#edgeSum}, more than the ${this.#edgeCount} edges the header announces`);
        break;
      case NodeRole.TraceNodeId: this.#traceNodeId![k] = value; break;
      case NodeRole.Detachedness:
        // Sparse: Node.js heaps write the field but mark only a handful of nodes.
        if (value === 1) this.#attached.push(k);
        else if (value === 2) this.#detached.push(k);
        break;
    }
    if (++this.#field === this.#nodeFieldCount) { this.#field = 0; this.#item++; }
  }

  #storeEdgeField(value: number): void {
    const k = this.#item;
    if (k >= this.#edgeCount) this.#fail(`"edges" holds more than the ${this.#edgeCount} edges the header announces`);
    if (value > this.#limits[this.#field]) this.#failRange(value);
    switch (this.#edgeRoles[this.#field]) {
      case EdgeRole.Type: this.#edgeType[k] = value; break;
      case EdgeRole.NameOrIndex:
        this.#edgeNameOrIndex[k] = value;
        if (value > this.#edgeNameMax && this.#isEdgeTypeFirst && this.#isStringEdge[this.#edgeType[k]] === 1) {
          this.#edgeNameMax = value;
          this.#edgeNameMaxItem = k;
          this.#edgeNameMaxOffset = this.#offset;
        }
        break;
      case EdgeRole.ToNode: {
        const ordinal = value / this.#nodeFieldCount;
        if (ordinal !== Math.floor(ordinal)) this.#failRange(value);
        this.#edgeTarget[k] = ordinal;
        break;
      }
    }
    if (++this.#field === this.#edgeFieldCount) { this.#field = 0; this.#item++; }
  }

  #storeLocationField(value: number): void {
    const k = this.#item;
    if (k >= this.#locObject.length) this.#growLocations();
    if (value > this.#limits[this.#field]) this.#failRange(value);
    switch (this.#locRoles[this.#field]) {
      case LocRole.Object: {
        const ordinal = value / this.#nodeFieldCount;
        if (ordinal !== Math.floor(ordinal)) this.#failRange(value);
        this.#locObject[k] = ordinal;
        break;
      }
      case LocRole.ScriptId: this.#locScriptId[k] = value; break;
      case LocRole.Line: this.#locLine[k] = value; break;
      case LocRole.Column: this.#locColumn[k] = value; break;
    }
    if (++this.#field === this.#locFieldCount) { this.#field = 0; this.#item++; }
  }

  /** The number just read does not fit its field: name the record, the field and the value. */
  #failRange(value: number): never {
    const record = this.#section === Section.Nodes ? 'node' : this.#section === Section.Edges ? 'edge' : 'location';
    this.#fail(outOfRangeMessage(record, this.#item, this.#checks.names[this.#field], value, this.#checks.reasons[this.#field]));
  }

  #growLocations(): void {
    this.#locObject = grownUint32(this.#locObject, 1024);
    this.#locScriptId = grownUint32(this.#locScriptId, 1024);
    this.#locLine = grownUint32(this.#locLine, 1024);
    this.#locColumn = grownUint32(this.#locColumn, 1024);
  }

  #endNumbers(): void {
    const name = this.#sectionName;
    if (this.#field !== 0) this.#fail(`"${name}" ends in the middle of a record`);
    if (this.#section === Section.Nodes && this.#item !== this.#nodeCount) {
      this.#fail(`"nodes" holds ${this.#item} nodes, but the header announces ${this.#nodeCount}`);
    }
    if (this.#section === Section.Nodes && this.#edgeSum !== this.#edgeCount) {
      this.#fail(`the nodes' edge counts add up to ${this.#edgeSum}, but the header announces ${this.#edgeCount} edges`);
    }
    if (this.#section === Section.Edges && this.#item !== this.#edgeCount) {
      this.#fail(`"edges" holds ${this.#item} edges, but the header announces ${this.#edgeCount}`);
    }
    if (this.#section === Section.Locations) this.#locationCount = this.#item;
    this.#state = State.TopLevel;
  }

  #locationCount = 0;

  // ---- strings --------------------------------------------------------------------------------

  #beginString(): void {
    if (this.#strCount + 1 >= this.#strOffsets.length) this.#strOffsets = grownUint32(this.#strOffsets);
    this.#strOffsets[this.#strCount] = this.#strLength;
    this.#strStart = this.#offset;
    this.#strEscapeBytes = 0;
    this.#escaped = false;
  }

  /** Copies the raw (still escaped) bytes of one string token; stops after its closing quote. */
  #feedStringToken(chunk: Uint8Array, i: number, base: number): number {
    const limit = this.#sectionLimit - base; // the section must close before this (chunk-relative)
    const n = limit < chunk.length ? limit : chunk.length;
    let j = i;
    let escaped = this.#escaped;
    let escapeBytes = this.#strEscapeBytes;
    // Copy while scanning: no subarray per string (millions of short strings).
    const stop = i + this.#reserveStringBytes(n - i);
    const out = this.#strBytes;
    let length = this.#strLength;
    while (j < stop) {
      const c = chunk[j];
      // Escape syntax is counted so the string's length in characters is known without decoding.
      if (escaped) { escaped = false; if (c === LOWER_U) escapeBytes += 4; }
      else if (c === BACKSLASH) { escaped = true; escapeBytes++; }
      else if (c === QUOTE) break;
      else if (c < 0x20) { this.#offset += j - i; this.#fail('control character inside a string'); }
      out[length++] = c;
      j++;
    }
    this.#strLength = length;
    this.#escaped = escaped;
    this.#strEscapeBytes = escapeBytes;
    // Checked once per chunk and per string: a longer one is refused within a chunk of its limit.
    if (length - this.#strOffsets[this.#strCount] - escapeBytes > this.#strCharLimit) {
      this.#fail(`string ${this.#strCount} is longer than ${this.#strCharLimit} characters, the longest string V8 can create`, this.#strStart);
    }
    if (j < stop) { // the closing quote
      this.#strCount++;
      this.#strOffsets[this.#strCount] = this.#strLength;
      this.#state = State.Strings;
      return j + 1;
    }
    this.#offset = base + j;
    if (j >= limit) this.#fail(this.#sectionLimitReason);
    if (stop < n) this.#fail(`"strings" holds more than ${this.#strByteLimit} bytes, the most leakscope can read (its string offsets are 32-bit)`);
    return j;
  }

  /**
   * Room for up to `wanted` more bytes (the rest of the chunk; usually the string ends sooner), but
   * never past #strByteLimit: returns how many bytes fit.
   */
  #reserveStringBytes(wanted: number): number {
    const needed = Math.min(this.#strLength + wanted, this.#strByteLimit);
    if (needed > this.#strBytes.length) {
      const grown = Buffer.allocUnsafe(grownStringCapacity(this.#strBytes.length, needed, this.#strByteLimit));
      this.#strBytes.copy(grown, 0, 0, this.#strLength);
      this.#strBytes = grown;
    }
    return needed - this.#strLength;
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
    if (this.#inString) {
      if (this.#escaped) this.#escaped = false;
      else if (c === BACKSLASH) this.#escaped = true;
      else if (c === QUOTE) {
        this.#inString = false;
        if (this.#depth === 0) this.#state = State.TopLevel;
      }
      return;
    }
    if (c === QUOTE) this.#inString = true;
    else if (c === LBRACE || c === LBRACKET) this.#depth++;
    else if (c === RBRACE || c === RBRACKET) {
      this.#depth--;
      if (this.#depth === 0) this.#state = State.TopLevel;
    }
  }

  // ---- end --------------------------------------------------------------------------------------

  /** Call after the last chunk. Validates the whole and hands over the columns. */
  finish(): ParsedSnapshot {
    if (this.#state !== State.Done) {
      if (this.#offset === 0) this.#fail('empty file, not a heap snapshot');
      const where = this.#state === State.Numbers
        ? ` inside "${this.#sectionName}" after ${this.#item} of ${this.#sectionName === 'nodes' ? this.#nodeCount : this.#sectionName === 'edges' ? this.#edgeCount : '?'} records`
        : this.#state === State.StringToken || this.#state === State.Strings ? ` inside "strings" after ${this.#strCount} strings` : '';
      this.#fail(`truncated: the file ends${where}`);
    }
    if (this.#meta === null) this.#fail('not a V8 heap snapshot: no "snapshot" header');
    if (!this.#seen.has('nodes')) this.#fail('not a V8 heap snapshot: no "nodes" section');
    if (!this.#seen.has('edges')) this.#fail('not a V8 heap snapshot: no "edges" section');
    if (!this.#seen.has('strings')) this.#fail('not a V8 heap snapshot: no "strings" section');

    this.#checkStringIndexes();

    const locationCount = this.#locationCount;
    return {
      meta: this.#meta,
      header: this.#headerObject!,
      nodeType: this.#nodeType,
      nodeName: this.#nodeName,
      nodeId: this.#nodeId,
      selfSize: this.#selfSize,
      nodeEdgeCount: this.#nodeEdgeCount,
      attachedNodes: this.#attached.toArray(),
      detachedNodes: this.#detached.toArray(),
      traceNodeId: this.#traceNodeId,
      edgeType: this.#edgeType,
      edgeNameOrIndex: this.#edgeNameOrIndex,
      edgeTarget: this.#edgeTarget,
      locObject: this.#locObject.subarray(0, locationCount),
      locScriptId: this.#locScriptId.subarray(0, locationCount),
      locLine: this.#locLine.subarray(0, locationCount),
      locColumn: this.#locColumn.subarray(0, locationCount),
      locationCount,
      stringBytes: this.#stringBytes(),
      stringOffsets: this.#stringOffsets(),
      nodeTypeNames: this.#nodeTypeNames,
      edgeTypeNames: this.#edgeTypeNames,
      sections: this.#sections,
    };
  }

  /** The first self size above 32 bits: the column becomes a Float64Array, shared if it was. */
  #widenSelfSize(): void {
    const narrow = this.#selfSize;
    const wide = new Float64Array(narrow.buffer instanceof SharedArrayBuffer ? new SharedArrayBuffer(narrow.length * 8) : new ArrayBuffer(narrow.length * 8));
    wide.set(narrow);
    this.#selfSize = wide;
  }

  /**
   * The strings section's bytes; copied only when the buffer is much larger than its content, or
   * into shared memory when the columns are shared.
   */
  #stringBytes(): Buffer {
    const bytes = this.#strBytes;
    const length = this.#strLength;
    if (!this.#options.sharedColumns && bytes.length - length <= Math.max(1 << 20, length >>> 3)) return bytes.subarray(0, length);
    const exact = this.#options.sharedColumns ? Buffer.from(new SharedArrayBuffer(length)) : Buffer.allocUnsafe(length);
    bytes.copy(exact, 0, 0, length);
    this.#strBytes = Buffer.alloc(0);
    return exact;
  }

  /** The string offsets, in shared memory when the columns are shared. */
  #stringOffsets(): Uint32Array {
    const offsets = this.#strOffsets.subarray(0, this.#strCount + 1);
    if (!this.#options.sharedColumns) return offsets;
    const shared = new Uint32Array(new SharedArrayBuffer(offsets.byteLength));
    shared.set(offsets);
    return shared;
  }

  /**
   * Every name must index the strings table; element/hidden edge names are plain integers. The
   * largest index seen while streaming decides, and names where it was written.
   */
  #checkStringIndexes(): void {
    const count = this.#strCount;
    if (this.#nodeNameMax >= count) {
      this.#fail(`node ${this.#nodeNameMaxItem}: "name" is ${this.#nodeNameMax}, but there are only ${count} strings`, this.#nodeNameMaxOffset);
    }
    if (this.#isEdgeTypeFirst) {
      if (this.#edgeNameMax >= count) {
        this.#fail(`edge ${this.#edgeNameMaxItem}: "name_or_index" is ${this.#edgeNameMax}, but there are only ${count} strings`, this.#edgeNameMaxOffset);
      }
      return;
    }
    // "type" after "name_or_index" (no V8 writes that): the types are known only now.
    const edgeType = this.#edgeType;
    const names = this.#edgeNameOrIndex;
    for (let e = 0; e < names.length; e++) {
      if (this.#isStringEdge[edgeType[e]] === 1 && names[e] >= count) {
        this.#fail(`edge ${e}: "name_or_index" is ${names[e]}, but there are only ${count} strings`, null);
      }
    }
  }
}

function nodeRole(field: string): NodeRole {
  switch (field) {
    case 'type': return NodeRole.Type;
    case 'name': return NodeRole.Name;
    case 'id': return NodeRole.Id;
    case 'self_size': return NodeRole.SelfSize;
    case 'edge_count': return NodeRole.EdgeCount;
    case 'trace_node_id': return NodeRole.TraceNodeId;
    case 'detachedness': return NodeRole.Detachedness;
    default: return NodeRole.Ignore;
  }
}

function edgeRole(field: string): EdgeRole {
  switch (field) {
    case 'type': return EdgeRole.Type;
    case 'name_or_index': return EdgeRole.NameOrIndex;
    case 'to_node': return EdgeRole.ToNode;
    default: return EdgeRole.Ignore;
  }
}

function locRole(field: string): LocRole {
  switch (field) {
    case 'object_index': return LocRole.Object;
    case 'script_id': return LocRole.ScriptId;
    case 'line': return LocRole.Line;
    case 'column': return LocRole.Column;
    default: return LocRole.Ignore;
  }
}

function stringList(value: unknown): string[] | null {
  return Array.isArray(value) && value.every((v) => typeof v === 'string') ? (value as string[]) : null;
}

/** The most bytes a section may take from its first byte, and the refusal's text when it takes more. */
interface SectionBudget {
  maxSectionBytes: number;
  sectionTooLong: string;
}

/** [largest allowed value, why a larger one is refused] */
type FieldLimit = readonly [number, string];

interface FieldChecks {
  names: string[];
  limits: Float64Array;
  reasons: string[];
}

const NO_CHECKS: FieldChecks = { names: [], limits: new Float64Array(0), reasons: [] };

function fieldChecks(fields: string[], limitOf: (field: string) => FieldLimit): FieldChecks {
  const limits = fields.map(limitOf);
  return { names: fields.slice(), limits: Float64Array.from(limits, ([limit]) => limit), reasons: limits.map(([, reason]) => reason) };
}

/** Uint32 values appended in order, in a typed array that doubles as needed. */
class OrdinalList {
  #items = new Uint32Array(16);
  #length = 0;

  push(value: number): void {
    if (this.#length === this.#items.length) this.#items = grownUint32(this.#items);
    this.#items[this.#length++] = value;
  }

  toArray(): Uint32Array {
    return this.#items.slice(0, this.#length);
  }
}
