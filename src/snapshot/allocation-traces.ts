// Allocation stacks of a snapshot taken with allocation tracking (`node --track-heap-objects`,
// HeapProfiler.startTrackingHeapObjects): the "trace_function_infos" and "trace_tree" sections
// (docs/FORMAT.md §1.7), which the snapshot parser skips.
//
// - trace_function_infos: groups of meta.trace_function_info_fields, [function_id, name, script_name,
//   script_id, line, column]: name and script_name index the snapshot's strings; line and column are
//   1-based, 0 when unknown, and give the function's position.
// - trace_tree: one nested array [id, function_info_index, count, size, [children…]], children a flat
//   list of such tuples. Each node is one distinct stack; its parent is its caller. A heap node's
//   trace_node_id names the stack it was allocated on (0: allocated before tracking started).
//
// The sections come after "nodes" and "edges" and before "strings" in every V8 snapshot, so they are
// read by a second, light pass over the file that stops after them: a top-level scanner that skips the
// flat numeric sections with indexOf(']'), other values by string-aware bracket depth, and copies
// only the two trace sections. Read only when the graph has a trace_node_id column (snapshots without
// tracking pay nothing). Both become typed arrays; no object per trace node.
// Cost: one read of the file up to the end of "trace_tree" (the big sections at memchr speed), then
// O(trace nodes) to decode. Every malformed byte is one SnapshotFormatError naming the offset.

import fs from 'node:fs';
import zlib from 'node:zlib';
import { SnapshotFormatError } from '../errors.ts';
import type { HeapGraph } from './heap-graph.ts';
import { indexInSorted } from './typed-arrays.ts';
import { JsonValueTracker } from './json-value-tracker.ts';

/** V8 writes a few MB for a busy program's trace tree; more than this is not a trace section. */
const MAX_TRACE_SECTION_BYTES = 512 * 1024 * 1024;
const CHUNK_BYTES = 8 * 1024 * 1024;
/** graph.cached key under which readAllocationTraces leaves its result for allocationSiteOf. */
export const ALLOCATION_TRACES_KEY = 'allocation-traces';

/** Decoded allocation traces: functions and the trace tree as columns. */
export interface AllocationTraces {
  functionCount: number;
  /** Per function: string indexes of its name and script name; 1-based line and column (0 unknown). */
  functionName: Uint32Array;
  functionScript: Uint32Array;
  functionLine: Uint32Array;
  functionColumn: Uint32Array;
  traceNodeCount: number;
  /** Per trace node, in file preorder: its id, its caller's index (-1 for the root), its function. */
  traceId: Uint32Array;
  traceParent: Int32Array;
  traceFunction: Uint32Array;
  /** Trace node ids ascending, and the index of each. */
  sortedIds: Uint32Array;
  indexOfSorted: Uint32Array;
}

/**
 * Reads the allocation traces of `graph`'s snapshot `file`, or null when it has none (no
 * trace_node_id column, or empty sections). The result is also kept in the graph's cache, where
 * allocationSiteOf (src/analysis/allocation-sites.ts) finds it.
 */
export async function readAllocationTraces(file: string, graph: HeapGraph): Promise<AllocationTraces | null> {
  if (graph.hasCached(ALLOCATION_TRACES_KEY)) return graph.cached<AllocationTraces | null>(ALLOCATION_TRACES_KEY, () => null);
  let traces: AllocationTraces | null = null;
  if (graph.traceNodeId !== null && graph.source.traceFunctionCount > 0) {
    const sections = await scanTraceSections(file);
    traces = sections === null ? null : decodeTraces(file, sections, graph);
  }
  return graph.cached(ALLOCATION_TRACES_KEY, () => traces);
}

/** The traces readAllocationTraces left on this graph; null when not read or absent. */
export function allocationTracesOf(graph: HeapGraph): AllocationTraces | null {
  return graph.hasCached(ALLOCATION_TRACES_KEY) ? graph.cached<AllocationTraces | null>(ALLOCATION_TRACES_KEY, () => null) : null;
}

/** Index of a trace node id in the tree, or -1. */
export function traceIndexOf(traces: AllocationTraces, id: number): number {
  const k = indexInSorted(traces.sortedIds, id);
  return k < 0 ? -1 : traces.indexOfSorted[k];
}

// ---------------------------------------------------------------------------------------------
// Finding the sections

interface TraceSections {
  functionInfos: Buffer;
  functionInfosOffset: number;
  tree: Buffer;
  treeOffset: number;
}

const QUOTE = 0x22;
const LBRACE = 0x7b;
const RBRACE = 0x7d;
const LBRACKET = 0x5b;
const RBRACKET = 0x5d;
const COLON = 0x3a;

/** Sections that are flat arrays of numbers: their first ']' ends them. */
const FLAT_SECTIONS = new Set(['nodes', 'edges', 'locations', 'samples', 'trace_function_infos']);
const WANTED = ['trace_function_infos', 'trace_tree'];

const enum ScanState { BeforeObject, TopLevel, Key, AfterKey, BeforeValue, Flat, Nested, Done }

/**
 * A byte-level walk over the snapshot's top level. Copies the wanted sections, skips the rest.
 * Returns true once both wanted sections have been read.
 */
class TraceSectionScanner {
  state = ScanState.BeforeObject;
  offset = 0;
  key: number[] = [];
  section = '';
  sectionStart = 0;
  /** Where a section's value ends. */
  readonly value = new JsonValueTracker();
  capture: Buffer[] | null = null;
  captured = 0;
  found = new Map<string, { bytes: Buffer; offset: number }>();

  constructor(readonly file: string) {}

  fail(message: string, offset = this.offset): never {
    throw new SnapshotFormatError(this.file, message, offset);
  }

  feed(chunk: Buffer): boolean {
    let i = 0;
    const base = this.offset;
    while (i < chunk.length && this.state !== ScanState.Done) {
      this.offset = base + i;
      const c = chunk[i];
      switch (this.state) {
        case ScanState.BeforeObject:
          if (c === LBRACE) this.state = ScanState.TopLevel;
          i++;
          break;
        case ScanState.TopLevel:
          if (c === QUOTE) { this.key = []; this.state = ScanState.Key; } else if (c === RBRACE) this.state = ScanState.Done;
          i++;
          break;
        case ScanState.Key:
          if (c === QUOTE) this.state = ScanState.AfterKey;
          else if (this.key.length < 256) this.key.push(c);
          i++;
          break;
        case ScanState.AfterKey:
          if (c === COLON) this.state = ScanState.BeforeValue;
          i++;
          break;
        case ScanState.BeforeValue: {
          if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) { i++; break; }
          this.section = Buffer.from(this.key).toString('latin1');
          this.sectionStart = base + i;
          this.capture = WANTED.includes(this.section) ? [] : null;
          this.captured = 0;
          this.value.reset();
          this.state = FLAT_SECTIONS.has(this.section) && c === LBRACKET ? ScanState.Flat : ScanState.Nested;
          break;
        }
        case ScanState.Flat: {
          const close = chunk.indexOf(RBRACKET, i);
          const end = close < 0 ? chunk.length : close + 1;
          this.keep(chunk, i, end);
          i = end;
          if (close >= 0) this.endSection();
          break;
        }
        case ScanState.Nested: {
          const start = i;
          let isEnd = false;
          for (; i < chunk.length && !isEnd; i++) {
            const b = chunk[i];
            if (this.value.isAtTopLevel && (b === 0x2c || b === RBRACE)) {
              // The end of a number or literal: the ',' or '}' belongs to the top level.
              isEnd = true;
              i--;
            } else if (this.value.endsValue(b)) isEnd = true;
          }
          this.keep(chunk, start, i);
          if (isEnd) this.endSection();
          break;
        }
        default:
          i++;
      }
    }
    this.offset = base + chunk.length;
    return this.state === ScanState.Done || WANTED.every((name) => this.found.has(name));
  }

  keep(chunk: Buffer, start: number, end: number): void {
    if (this.capture === null || end <= start) return;
    this.captured += end - start;
    if (this.captured > MAX_TRACE_SECTION_BYTES) this.fail(`"${this.section}" is over ${MAX_TRACE_SECTION_BYTES} bytes, more than V8 writes for allocation traces`, this.sectionStart);
    this.capture.push(Buffer.from(chunk.subarray(start, end)));
  }

  endSection(): void {
    if (this.capture !== null) this.found.set(this.section, { bytes: Buffer.concat(this.capture), offset: this.sectionStart });
    this.capture = null;
    this.state = ScanState.TopLevel;
  }
}

async function scanTraceSections(file: string): Promise<TraceSections | null> {
  const scanner = new TraceSectionScanner(file);
  const magic = Buffer.alloc(2);
  const fd = fs.openSync(file, 'r');
  try {
    fs.readSync(fd, magic, 0, 2, 0);
    if (!(magic[0] === 0x1f && magic[1] === 0x8b)) {
      const buffer = Buffer.allocUnsafe(CHUNK_BYTES);
      for (let position = 0; ;) {
        const read = fs.readSync(fd, buffer, 0, buffer.length, position);
        if (read === 0 || scanner.feed(buffer.subarray(0, read))) break;
        position += read;
      }
    }
  } finally {
    fs.closeSync(fd);
  }
  if (magic[0] === 0x1f && magic[1] === 0x8b) {
    const source = fs.createReadStream(file, { highWaterMark: CHUNK_BYTES });
    const gunzip = zlib.createGunzip();
    source.on('error', (error) => gunzip.destroy(error));
    try {
      for await (const chunk of source.pipe(gunzip)) if (scanner.feed(chunk as Buffer)) break;
    } finally {
      source.destroy();
      gunzip.destroy();
    }
  }
  const infos = scanner.found.get('trace_function_infos');
  const tree = scanner.found.get('trace_tree');
  if (infos === undefined || tree === undefined) return null;
  return { functionInfos: infos.bytes, functionInfosOffset: infos.offset, tree: tree.bytes, treeOffset: tree.offset };
}

// ---------------------------------------------------------------------------------------------
// Decoding

function fieldsOf(graph: HeapGraph, key: string, fallback: string[]): string[] {
  const fields = graph.source.meta[key];
  return Array.isArray(fields) && fields.every((f) => typeof f === 'string') ? fields as string[] : fallback;
}

/** The numbers of a flat array section, checked to fit 32 bits. */
function decodeNumbers(file: string, bytes: Buffer, offset: number, section: string): Uint32Array {
  const values: number[] = [];
  let value = 0;
  let digits = 0;
  for (let i = 0; i < bytes.length; i++) {
    const c = bytes[i];
    if (c >= 0x30 && c <= 0x39) {
      value = value * 10 + (c - 0x30);
      if (++digits > 10 || value > 0xffffffff) throw new SnapshotFormatError(file, `"${section}" holds a number above 32 bits`, offset + i);
    } else {
      if (digits > 0) values.push(value);
      value = 0;
      digits = 0;
      if (!(c === 0x2c || c === LBRACKET || c === RBRACKET || c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09)) {
        throw new SnapshotFormatError(file, `"${section}" may hold only whole numbers, found byte 0x${c.toString(16)}`, offset + i);
      }
    }
  }
  if (digits > 0) values.push(value);
  return Uint32Array.from(values);
}

function decodeTraces(file: string, sections: TraceSections, graph: HeapGraph): AllocationTraces | null {
  const infoFields = fieldsOf(graph, 'trace_function_info_fields', ['function_id', 'name', 'script_name', 'script_id', 'line', 'column']);
  const nodeFields = fieldsOf(graph, 'trace_node_fields', ['id', 'function_info_index', 'count', 'size', 'children']);
  const fail = (message: string, offset: number): never => {
    throw new SnapshotFormatError(file, message, offset);
  };
  const field = (fields: string[], name: string, list: string) => {
    const at = fields.indexOf(name);
    if (at < 0) fail(`unknown snapshot format: meta.${list} has no "${name}"`, 0);
    return at;
  };

  const infos = decodeNumbers(file, sections.functionInfos, sections.functionInfosOffset, 'trace_function_infos');
  const infoWidth = infoFields.length;
  if (infos.length % infoWidth !== 0) fail(`"trace_function_infos" holds ${infos.length} numbers, not groups of ${infoWidth}`, sections.functionInfosOffset);
  const functionCount = infos.length / infoWidth;
  const column = (name: string) => {
    const at = field(infoFields, name, 'trace_function_info_fields');
    const out = new Uint32Array(functionCount);
    for (let f = 0; f < functionCount; f++) out[f] = infos[f * infoWidth + at];
    return out;
  };
  const functionName = column('name');
  const functionScript = column('script_name');
  for (const names of [functionName, functionScript]) {
    for (const index of names) if (index >= graph.strings.count) fail(`"trace_function_infos" names string ${index}, past the ${graph.strings.count} strings`, sections.functionInfosOffset);
  }

  const tree = decodeTraceTree(file, sections.tree, sections.treeOffset, nodeFields, functionCount);
  if (tree.traceId.length === 0) return null;
  const order = Array.from(tree.traceId.keys()).sort((a, b) => tree.traceId[a] - tree.traceId[b]);
  const sortedIds = Uint32Array.from(order, (k) => tree.traceId[k]);
  for (let k = 1; k < sortedIds.length; k++) if (sortedIds[k] === sortedIds[k - 1]) fail(`"trace_tree" has trace node id ${sortedIds[k]} twice`, sections.treeOffset);
  return {
    functionCount,
    functionName,
    functionScript,
    functionLine: column('line'),
    functionColumn: column('column'),
    traceNodeCount: tree.traceId.length,
    ...tree,
    sortedIds,
    indexOfSorted: Uint32Array.from(order),
  };
}

/**
 * The nested trace tree, read with an explicit stack of array levels: at each level the numbers come
 * in tuples of the node fields, the "children" field being a nested array whose tuples are children
 * of the tuple that opened it.
 */
function decodeTraceTree(file: string, bytes: Buffer, offset: number, fields: string[], functionCount: number) {
  const width = fields.length;
  const idField = fields.indexOf('id');
  const functionField = fields.indexOf('function_info_index');
  const childrenField = fields.indexOf('children');
  // V8 writes children last; a tuple is read as its numbers, then its children.
  if (idField < 0 || functionField < 0 || childrenField !== width - 1) throw new SnapshotFormatError(file, `unknown snapshot format: meta.trace_node_fields is ${JSON.stringify(fields)}`, 0);
  const ids: number[] = [];
  const parents: number[] = [];
  const functions: number[] = [];
  // Per open array level: the tuple that owns it and the field the next value fills.
  const owner: number[] = [];
  const nextField: number[] = [];
  const fail = (message: string, at: number): never => {
    throw new SnapshotFormatError(file, `"trace_tree" ${message}`, offset + at);
  };
  let value = 0;
  let digits = 0;
  const storeNumber = (at: number) => {
    const level = owner.length - 1;
    if (level < 0) fail('has a number outside its array', at);
    const f = nextField[level];
    if (f === childrenField) fail('has a number where a children array belongs', at);
    if (f === 0) {
      // The first field of a tuple starts a new trace node.
      ids.push(0);
      parents.push(owner[level]);
      functions.push(0);
    }
    const node = ids.length - 1;
    if (f === idField) ids[node] = value;
    else if (f === functionField) {
      if (value >= functionCount) fail(`names function ${value}, past the ${functionCount} in "trace_function_infos"`, at);
      functions[node] = value;
    }
    nextField[level] = (f + 1) % width;
  };
  for (let i = 0; i < bytes.length; i++) {
    const c = bytes[i];
    if (c >= 0x30 && c <= 0x39) {
      value = value * 10 + (c - 0x30);
      if (++digits > 10 || value > 0xffffffff) fail('holds a number above 32 bits', i);
      continue;
    }
    if (digits > 0) {
      storeNumber(i);
      value = 0;
      digits = 0;
    }
    if (c === LBRACKET) {
      const level = owner.length - 1;
      if (level >= 0) {
        if (nextField[level] !== childrenField) fail('has an array where a number belongs', i);
        nextField[level] = 0;
      }
      owner.push(level < 0 ? -1 : ids.length - 1);
      nextField.push(0);
    } else if (c === RBRACKET) {
      if (owner.length === 0) fail("has a ']' with no '[' open", i);
      if (nextField[owner.length - 1] !== 0) fail('ends an array in the middle of a node', i);
      owner.pop();
      nextField.pop();
    } else if (!(c === 0x2c || c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09)) {
      fail(`may hold only numbers and arrays, found byte 0x${c.toString(16)}`, i);
    }
  }
  if (owner.length !== 0) fail('ends before its arrays close', bytes.length);
  return { traceId: Uint32Array.from(ids), traceParent: Int32Array.from(parents), traceFunction: Uint32Array.from(functions) };
}
