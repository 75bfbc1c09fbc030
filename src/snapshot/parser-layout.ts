// The snapshot's layout, read from its "snapshot" header (docs/FORMAT.md §1.2, §1.3): which field
// of a node, edge or location record means what (never hard-coded: Node 24 and Chrome have 6 node
// fields, Node 20 7), how many records the sections hold, what each field may hold, and how many
// bytes each section may take (the budgets that refuse a gzip bomb after a bounded inflation).
// Every refusal goes through the caller's `fail`, which names the file and the byte.

import type { SnapshotMeta } from './heap-graph.ts';

export const UINT32_MAX = 0xffffffff;
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

export const enum NodeRole { Type, Name, Id, SelfSize, EdgeCount, TraceNodeId, Detachedness, Ignore }
export const enum EdgeRole { Type, NameOrIndex, ToNode, Ignore }
export const enum LocRole { Object, ScriptId, Line, Column, Ignore }

/** [largest allowed value, why a larger one is refused] */
type FieldLimit = readonly [number, string];

/** Per field of a record: its meta name, the largest value it may hold, and why (for the refusal). */
export interface FieldChecks {
  names: string[];
  limits: Float64Array;
  reasons: string[];
}

export const NO_CHECKS: FieldChecks = { names: [], limits: new Float64Array(0), reasons: [] };

/** The most bytes a section may take from its first byte, and the refusal's text when it takes more. */
export interface SectionBudget {
  maxSectionBytes: number;
  sectionTooLong: string;
}

/** What the header says about the sections that follow it. */
export interface SnapshotLayout {
  meta: SnapshotMeta;
  header: Record<string, unknown>;
  nodeCount: number;
  edgeCount: number;
  traceFunctionCount: number;
  nodeFieldCount: number;
  edgeFieldCount: number;
  locFieldCount: number;
  nodeRoles: Uint8Array;
  edgeRoles: Uint8Array;
  locRoles: Uint8Array;
  nodeTypeNames: string[];
  edgeTypeNames: string[];
  nodeChecks: FieldChecks;
  edgeChecks: FieldChecks;
  locChecks: FieldChecks;
  /** 1 per edge type whose name_or_index is a string index (all but element and hidden). */
  isStringEdge: Uint8Array;
  /** "type" comes before "name_or_index", so string indexes can be told from integers as they stream. */
  isEdgeTypeFirst: boolean;
  /** The nodes carry allocation trace ids worth keeping (trace_node_id, with trace functions). */
  hasTraceNodeIds: boolean;
}

/** Throws: `offset` undefined for the byte being looked at. */
export type Fail = (message: string, offset?: number) => never;

/**
 * Checks the header (JSON-parsed) and derives the layout; `headerStart` is the offset of its '{'
 * and `inputSize` the file's size when known (a header asking for more records than the file can
 * hold is refused).
 */
export function readSnapshotLayout(header: Record<string, unknown>, inputSize: number | undefined, headerStart: number, fail: Fail): SnapshotLayout {
  const meta = header.meta as SnapshotMeta | undefined;
  if (!meta || typeof meta !== 'object') fail('unknown snapshot format: the header has no "meta"');
  const nodeFields = stringList(meta.node_fields);
  const edgeFields = stringList(meta.edge_fields);
  if (!nodeFields || !edgeFields) fail('unknown snapshot format: meta lacks node_fields or edge_fields');
  const locFields = stringList(meta.location_fields) ?? ['object_index', 'script_id', 'line', 'column'];
  // A field listed twice would be stored twice, the second value silently winning.
  for (const [list, fields] of [['node_fields', nodeFields], ['edge_fields', edgeFields], ['location_fields', locFields]] as const) {
    const twice = fields.find((field, k) => fields.indexOf(field) !== k);
    if (twice !== undefined) fail(`unknown snapshot format: meta.${list} lists "${twice}" twice (fields: ${fields.join(', ')})`);
  }
  for (const required of ['type', 'name', 'id', 'self_size', 'edge_count']) {
    if (!nodeFields.includes(required)) fail(`unknown snapshot format: node_fields has no "${required}" (fields: ${nodeFields.join(', ')})`);
  }
  for (const required of ['type', 'name_or_index', 'to_node']) {
    if (!edgeFields.includes(required)) fail(`unknown snapshot format: edge_fields has no "${required}" (fields: ${edgeFields.join(', ')})`);
  }
  const nodeTypes = Array.isArray(meta.node_types) ? stringList(meta.node_types[nodeFields.indexOf('type')]) : null;
  const edgeTypes = Array.isArray(meta.edge_types) ? stringList(meta.edge_types[edgeFields.indexOf('type')]) : null;
  if (!nodeTypes || !edgeTypes) fail('unknown snapshot format: meta lacks the node or edge type names');
  if (nodeTypes.length > 255 || edgeTypes.length > 255) fail('unknown snapshot format: too many node or edge types');
  for (const key of ['node_count', 'edge_count', 'trace_function_count', 'extra_native_bytes']) {
    const value = header[key];
    const isOptional = key === 'trace_function_count' || key === 'extra_native_bytes';
    if (value === undefined && isOptional) continue;
    const limit = key === 'extra_native_bytes' ? Number.MAX_SAFE_INTEGER : UINT32_MAX;
    if (!(typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= limit)) {
      fail(`unknown snapshot format: "${key}" is ${JSON.stringify(value) ?? 'missing'}, not a whole number from 0 to ${limit}`, headerStart);
    }
  }
  const nodeCount = header.node_count as number;
  const edgeCount = header.edge_count as number;
  if (nodeCount === 0) fail('not a usable snapshot: node_count is 0');
  // Each number takes at least two bytes ("0,"): a header asking for more than the file can hold lies.
  if (inputSize !== undefined && (nodeCount * nodeFields.length + edgeCount * edgeFields.length) * 2 > inputSize + 2) {
    fail(`the header claims ${nodeCount} nodes and ${edgeCount} edges, more than a ${inputSize}-byte file can hold`);
  }
  // Without allocation tracking (no trace functions) trace_node_id is all zeros: skip the column.
  const traceFunctionCount = (header.trace_function_count as number | undefined) ?? 0;
  const isTracked = traceFunctionCount > 0;
  const nodeFieldCount = nodeFields.length;

  const uint32: FieldLimit = [UINT32_MAX, UINT32_REASON];
  const nodeIndex: FieldLimit = [(nodeCount - 1) * nodeFieldCount, `which is not a node index (${nodeCount} nodes × ${nodeFieldCount} fields)`];
  const unchecked: FieldLimit = [Infinity, ''];
  return {
    meta,
    header,
    nodeCount,
    edgeCount,
    traceFunctionCount,
    nodeFieldCount,
    edgeFieldCount: edgeFields.length,
    locFieldCount: locFields.length,
    nodeRoles: Uint8Array.from(nodeFields, (field) => (field === 'trace_node_id' && !isTracked ? NodeRole.Ignore : nodeRole(field))),
    edgeRoles: Uint8Array.from(edgeFields, edgeRole),
    locRoles: Uint8Array.from(locFields, locRole),
    nodeTypeNames: nodeTypes,
    edgeTypeNames: edgeTypes,
    // What each field may hold, from meta and the header's counts; unknown fields are not checked.
    nodeChecks: fieldChecks(nodeFields, (field) => {
      switch (field) {
        case 'type': return [nodeTypes.length - 1, `but meta lists only ${nodeTypes.length} node types`];
        case 'name': case 'id': case 'trace_node_id': return uint32;
        case 'self_size': return [MAX_SELF_SIZE, `above 2^53 − 1, the largest size kept exactly (V8 writes 48-bit sizes)`];
        case 'edge_count': return [edgeCount, `more than the ${edgeCount} edges the header announces`];
        case 'detachedness': return [2, 'but detachedness is 0 (unknown), 1 (attached) or 2 (detached)'];
        default: return unchecked;
      }
    }),
    edgeChecks: fieldChecks(edgeFields, (field) => {
      switch (field) {
        case 'type': return [edgeTypes.length - 1, `but meta lists only ${edgeTypes.length} edge types`];
        case 'name_or_index': return uint32;
        case 'to_node': return nodeIndex;
        default: return unchecked;
      }
    }),
    locChecks: fieldChecks(locFields, (field) => {
      switch (field) {
        case 'object_index': return nodeIndex;
        case 'script_id': case 'line': case 'column': return uint32;
        default: return unchecked;
      }
    }),
    // element and hidden edges hold plain integers (docs/FORMAT.md §1.5); every other type a string index.
    isStringEdge: Uint8Array.from(edgeTypes, (name) => (name === 'element' || name === 'hidden' ? 0 : 1)),
    isEdgeTypeFirst: edgeFields.indexOf('type') < edgeFields.indexOf('name_or_index'),
    hasTraceNodeIds: nodeFields.includes('trace_node_id') && isTracked,
  };
}

/** The most bytes "nodes", "edges" or "locations" may take, from its '[' to its ']'. */
export function numbersBudget(layout: SnapshotLayout, key: string): SectionBudget {
  const numbers = key === 'nodes' ? layout.nodeCount * layout.nodeFieldCount
    : key === 'edges' ? layout.edgeCount * layout.edgeFieldCount
    : layout.nodeCount * layout.locFieldCount;
  const maxSectionBytes = numbers * MAX_BYTES_PER_NUMBER + NUMBERS_SLACK_BYTES;
  const what = key === 'nodes' ? `${layout.nodeCount} nodes of ${layout.nodeFieldCount} numbers`
    : key === 'edges' ? `${layout.edgeCount} edges of ${layout.edgeFieldCount} numbers`
    : `one location for each of the ${layout.nodeCount} nodes`;
  return { maxSectionBytes, sectionTooLong: `"${key}" runs past ${maxSectionBytes} bytes, more than ${what} can take (${MAX_BYTES_PER_NUMBER} bytes a number)` };
}

export function stringsBudget(layout: SnapshotLayout): SectionBudget {
  const traceFunctions = layout.traceFunctionCount;
  const names = 1 + layout.nodeCount + layout.edgeCount + 2 * traceFunctions;
  const maxSectionBytes = names * MAX_BYTES_PER_NAME + STRINGS_SLACK_BYTES;
  return {
    maxSectionBytes,
    sectionTooLong: `"strings" runs past ${maxSectionBytes} bytes, more than the header's ${layout.nodeCount} nodes, ${layout.edgeCount} edges `
      + `and ${traceFunctions} trace functions can name (64 MiB and 6 KiB a name, V8's longest with default flags)`,
  };
}

/** A skipped section's budget; before the header (null) it is the slack alone. */
export function skippedBudget(layout: SnapshotLayout | null, key: string): SectionBudget {
  const numbers = layout === null ? 0 : layout.nodeCount * layout.nodeFieldCount + layout.edgeCount * layout.edgeFieldCount + 6 * layout.traceFunctionCount;
  const maxSectionBytes = numbers * MAX_BYTES_PER_NUMBER + SKIPPED_SLACK_BYTES;
  return {
    maxSectionBytes,
    sectionTooLong: `"${key}" runs past ${maxSectionBytes} bytes, more than a section leakscope skips may take (64 MiB and ${MAX_BYTES_PER_NUMBER} bytes for each number the header announces)`,
  };
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

function fieldChecks(fields: string[], limitOf: (field: string) => FieldLimit): FieldChecks {
  const limits = fields.map(limitOf);
  return { names: fields.slice(), limits: Float64Array.from(limits, ([limit]) => limit), reasons: limits.map(([, reason]) => reason) };
}
