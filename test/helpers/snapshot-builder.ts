// A tiny builder that emits REAL .heapsnapshot JSON text for hand-made graphs, so algorithm tests
// can state their hand-worked answers inline. Defaults follow a Node 20 snapshot (docs/FORMAT.md §1.3):
// 7 node fields, 16 node types, 7 edge types, a locations section, one node/edge per line.
// Options produce the other layouts a reader must accept: 6 node fields (Node 24 / Chrome),
// reordered or missing node fields, no locations, unknown sections, `extra_native_bytes`,
// no newlines, unknown node/edge type names (appended to the enum).
//
//   const b = new SnapshotBuilder();
//   const root = b.root();
//   const gcRoots = b.node('synthetic', '(GC roots)');
//   const global = b.node('object', 'global', { selfSize: 24 });
//   const conn = b.node('object', 'Connection', { selfSize: 100 });
//   b.edge(root, 'element', 1, gcRoots);
//   b.edge(root, 'shortcut', '1', global);
//   b.edge(global, 'property', 'conn', conn);
//   const text = b.toJSON();
import fs from 'node:fs';

/** Node ordinal (0 = first node added). */
export type NodeRef = number;

export const NODE20_NODE_FIELDS = ['type', 'name', 'id', 'self_size', 'edge_count', 'trace_node_id', 'detachedness'];
/** Node 24 and Chrome 2025 without allocation tracking: no trace_node_id. */
export const NODE24_NODE_FIELDS = ['type', 'name', 'id', 'self_size', 'edge_count', 'detachedness'];
export const NODE20_NODE_TYPES = ['hidden', 'array', 'string', 'object', 'code', 'closure', 'regexp', 'number', 'native',
  'synthetic', 'concatenated string', 'sliced string', 'symbol', 'bigint', 'object shape', 'wasm object'];
export const EDGE_TYPES = ['context', 'element', 'property', 'internal', 'hidden', 'shortcut', 'weak'];
const REQUIRED_NODE_FIELDS = ['type', 'name', 'id', 'self_size', 'edge_count'];
/** Edge types whose name_or_index is a number rather than a string-table index. */
const INDEX_EDGE_TYPES = new Set(['element', 'hidden']);

export interface SnapshotBuilderOptions {
  /** node_fields in output order; any subset containing type, name, id, self_size, edge_count,
   *  plus unknown extra fields (written as 0 unless NodeOptions.fields sets them). */
  nodeFields?: string[];
  /** The node type enum (default Node 20's 16 names). Unknown types used in node() are appended. */
  nodeTypes?: string[];
  /** The edge type enum (default the 7 V8 edge types). Unknown types used in edge() are appended. */
  edgeTypes?: string[];
  /** Emit `location_fields` and the `locations` section (default true). */
  locations?: boolean;
  /** Write the location rows last node first (V8 writes them in heap-iteration order, not node order). */
  reverseLocations?: boolean;
  /** Add `"extra_native_bytes": N` to the header after trace_function_count (newer Chrome). */
  extraNativeBytes?: number;
  /** Unknown top-level sections, written in order just before `strings` (e.g. Chrome's `scopes`). */
  extraSections?: Record<string, unknown>;
  /** Write V8's line breaks (default true); false writes the whole file on one line. */
  newlines?: boolean;
  /** Let explicit node ids repeat (V8 never writes that; readers must still cope). */
  repeatedIds?: boolean;
}

export interface NodeOptions {
  /** Snapshot object id; default the next unused odd id (root = 1). */
  id?: number;
  selfSize?: number;
  traceNodeId?: number;
  /** 0 unknown, 1 attached, 2 detached. */
  detachedness?: number;
  /** [script_id, line, column], 0-based line/column; written to `locations`. */
  location?: [number, number, number];
  /** Values for unknown extra node fields, by field name. */
  fields?: Record<string, number>;
}

interface NodeRecord {
  type: number;
  name: number;
  id: number | undefined;
  selfSize: number;
  traceNodeId: number;
  detachedness: number;
  location: [number, number, number] | undefined;
  fields: Record<string, number>;
}

interface EdgeRecord {
  from: NodeRef;
  type: number;
  nameOrIndex: number;
  to: NodeRef;
}

export class SnapshotBuilder {
  readonly nodeFields: string[];
  private readonly nodeTypes: string[];
  private readonly edgeTypes: string[];
  private readonly options: SnapshotBuilderOptions;
  private readonly nodes: NodeRecord[] = [];
  private readonly edges: EdgeRecord[] = [];
  private readonly strings: string[] = ['<dummy>', ''];
  private readonly stringIndex = new Map<string, number>([['<dummy>', 0], ['', 1]]);

  constructor(options: SnapshotBuilderOptions = {}) {
    this.options = options;
    this.nodeFields = [...(options.nodeFields ?? NODE20_NODE_FIELDS)];
    for (const f of REQUIRED_NODE_FIELDS) {
      if (!this.nodeFields.includes(f)) throw new Error(`nodeFields must include ${f}`);
    }
    this.nodeTypes = [...(options.nodeTypes ?? NODE20_NODE_TYPES)];
    this.edgeTypes = [...(options.edgeTypes ?? EDGE_TYPES)];
  }

  /** Number of values per node (the `NF` of docs/FORMAT.md). */
  get fieldCount(): number {
    return this.nodeFields.length;
  }

  /** The synthetic root; must be the first node. */
  root(options: NodeOptions = {}): NodeRef {
    if (this.nodes.length !== 0) throw new Error('root() must be called before any other node');
    return this.node('synthetic', '', options);
  }

  node(type: string, name: string, options: NodeOptions = {}): NodeRef {
    this.nodes.push({
      type: enumIndex(this.nodeTypes, type),
      name: this.intern(name),
      id: options.id,
      selfSize: options.selfSize ?? 0,
      traceNodeId: options.traceNodeId ?? 0,
      detachedness: options.detachedness ?? 0,
      location: options.location,
      fields: options.fields ?? {},
    });
    return this.nodes.length - 1;
  }

  /** Adds an edge; `element`/`hidden` edges take a number, the others a name (numbers are
   *  written as their decimal string, as V8 does for e.g. `shortcut "1"`). Chainable. */
  edge(from: NodeRef, type: string, nameOrIndex: string | number, to: NodeRef): this {
    for (const ref of [from, to]) {
      if (!Number.isInteger(ref) || ref < 0 || ref >= this.nodes.length) throw new Error(`no node ${ref}`);
    }
    let value: number;
    if (INDEX_EDGE_TYPES.has(type)) {
      if (typeof nameOrIndex !== 'number') throw new Error(`${type} edges take a numeric index`);
      value = nameOrIndex;
    } else {
      value = this.intern(String(nameOrIndex));
    }
    this.edges.push({ from, type: enumIndex(this.edgeTypes, type), nameOrIndex: value, to });
    return this;
  }

  /** The node index (ordinal × field count) of a node, as used by `to_node` and `locations`. */
  nodeIndex(ref: NodeRef): number {
    return ref * this.fieldCount;
  }

  /** The snapshot id a node gets in the output. */
  idOf(ref: NodeRef): number {
    return this.assignIds()[ref];
  }

  /** Snapshot JSON text in V8's layout. */
  toJSON(): string {
    const nl = this.options.newlines === false ? '' : '\n';
    const ids = this.assignIds();
    const edgeCounts = new Array<number>(this.nodes.length).fill(0);
    for (const e of this.edges) edgeCounts[e.from]++;
    // V8 groups edges by source node in node order; keep insertion order within a node.
    const sortedEdges = this.edges.map((e, i) => [e, i] as const)
      .sort((a, b) => a[0].from - b[0].from || a[1] - b[1]).map(([e]) => e);

    const nodeRows = this.nodes.map((n, k) => this.nodeFields.map((f) => {
      switch (f) {
        case 'type': return n.type;
        case 'name': return n.name;
        case 'id': return ids[k];
        case 'self_size': return n.selfSize;
        case 'edge_count': return edgeCounts[k];
        case 'trace_node_id': return n.traceNodeId;
        case 'detachedness': return n.detachedness;
        default: return n.fields[f] ?? 0;
      }
    }).join(','));
    const edgeRows = sortedEdges.map((e) => `${e.type},${e.nameOrIndex},${e.to * this.fieldCount}`);
    const withLocations = this.options.locations !== false;
    const locationRows = withLocations
      ? this.nodes.flatMap((n, k) => (n.location ? [`${k * this.fieldCount},${n.location.join(',')}`] : []))
      : [];
    if (this.options.reverseLocations) locationRows.reverse();

    const meta: Record<string, unknown> = {
      node_fields: this.nodeFields,
      node_types: this.nodeFields.map((f) => (f === 'type' ? this.nodeTypes : f === 'name' ? 'string' : 'number')),
      edge_fields: ['type', 'name_or_index', 'to_node'],
      edge_types: [this.edgeTypes, 'string_or_number', 'node'],
      trace_function_info_fields: ['function_id', 'name', 'script_name', 'script_id', 'line', 'column'],
      trace_node_fields: ['id', 'function_info_index', 'count', 'size', 'children'],
      sample_fields: ['timestamp_us', 'last_assigned_id'],
    };
    if (withLocations) meta.location_fields = ['object_index', 'script_id', 'line', 'column'];
    const header: Record<string, unknown> = { meta, node_count: this.nodes.length, edge_count: this.edges.length, trace_function_count: 0 };
    if (this.options.extraNativeBytes !== undefined) header.extra_native_bytes = this.options.extraNativeBytes;

    const parts = [
      `{"snapshot":${JSON.stringify(header)},${nl}"nodes":[${nodeRows.join(`${nl},`)}],${nl}`,
      `"edges":[${edgeRows.join(`${nl},`)}],${nl}`,
      `"trace_function_infos":[],${nl}"trace_tree":[],${nl}"samples":[],${nl}`,
    ];
    if (withLocations) parts.push(`"locations":[${locationRows.join(`${nl},`)}],${nl}`);
    for (const [key, value] of Object.entries(this.options.extraSections ?? {})) {
      parts.push(`${JSON.stringify(key)}:${JSON.stringify(value)},${nl}`);
    }
    parts.push(`"strings":[${this.strings.map(encodeV8String).join(`${nl},`)}]}`);
    return parts.join('');
  }

  writeTo(file: string): void {
    fs.writeFileSync(file, this.toJSON());
  }

  private intern(s: string): number {
    let i = this.stringIndex.get(s);
    if (i === undefined) {
      i = this.strings.length;
      this.strings.push(s);
      this.stringIndex.set(s, i);
    }
    return i;
  }

  /** Explicit ids are kept (duplicates throw unless repeatedIds); the others get the next unused odd id from 1. */
  private assignIds(): number[] {
    const used = new Set<number>();
    for (const n of this.nodes) {
      if (n.id === undefined) continue;
      if (used.has(n.id) && !this.options.repeatedIds) throw new Error(`duplicate node id ${n.id}`);
      used.add(n.id);
    }
    let next = 1;
    return this.nodes.map((n) => {
      if (n.id !== undefined) return n.id;
      while (used.has(next)) next += 2;
      used.add(next);
      return next;
    });
  }
}

function enumIndex(list: string[], name: string): number {
  let i = list.indexOf(name);
  if (i < 0) {
    i = list.length;
    list.push(name);
  }
  return i;
}

/** V8 writes strings as pure ASCII: every non-ASCII or control character as \uXXXX (docs/FORMAT.md §1.6). */
function encodeV8String(s: string): string {
  return JSON.stringify(s).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
