// The heap graph: one V8 heap snapshot as dense columns addressed by node ordinal (0..nodeCount-1).
//
// Vocabulary, one name per idea, used in code, output and the README (docs/FORMAT.md §1.4, §1.5):
// - node ordinal: a node's number, 0..N-1, the index into every node column. The file's "node
//   index" (ordinal × node field count, what to_node holds) never leaves the parser.
// - edge ordinal: an edge's number, 0..E-1, in file order, which groups edges by source node: the
//   edges of node k are firstEdge[k]..firstEdge[k+1]-1. The file's "edge index" (ordinal × edge
//   field count) never leaves the parser either; variables holding an edge ordinal are named `edge`
//   or `e`, never "index".
// - class: what DevTools' Summary view groups nodes by (`Map`, `{a, b}`, `(string)`…), as a class
//   id from class-names.ts. Never "type" for a class: *type* is V8's node type (object, closure,
//   string… nodeTypeNames) or edge type (property, element, weak… edgeTypeNames).
// - self size: V8's own bytes for one node, the selfSize column. DevTools' self size is that after
//   the shallow-size transfer (internal arrays' bytes moved to the object that owns them:
//   analysis/owned-sizes.ts, computeOwnedSelfSizes); outputs show DevTools' self size unless
//   --raw-sizes.
// - retained size: DevTools' self size of a node plus that of everything it dominates
//   (analysis/dominators.ts); a class's retained size counts members no other member dominates.
// Retainers are the reverse CSR: the edges into node k are retainerEdge[firstRetainer[k]..firstRetainer[k+1]-1],
// whose sources are retainerNode[…] at the same positions.
//
// No per-node objects: analyses read these arrays directly, or through the small helpers below.

import type { StringTable } from './string-table.ts';
import { indexInSorted, sortedPositions } from './typed-arrays.ts';

export interface SnapshotMeta {
  node_fields: string[];
  node_types: unknown[];
  edge_fields: string[];
  edge_types: unknown[];
  location_fields?: string[];
  [key: string]: unknown;
}

/** Facts about the file and how it was read, for `info` and JSON reports. */
export interface SnapshotSource {
  file: string;
  fileSize: number;
  parseMs: number;
  meta: SnapshotMeta;
  /** Native bytes not represented by nodes (newer Chrome); 0 when absent. */
  extraNativeBytes: number;
  traceFunctionCount: number;
  /** Number of location records (closures and constructed objects with a source position). */
  locationCount: number;
  /** Section names seen in the file, in file order (e.g. "snapshot", "nodes", …, "strings"). */
  sections: string[];
}

/** Node and edge type ids resolved by name from meta; -1 when this snapshot's V8 has no such type. */
export interface TypeIds {
  hidden: number; array: number; string: number; object: number; code: number; closure: number;
  regexp: number; number: number; native: number; synthetic: number; consString: number;
  slicedString: number; symbol: number; bigint: number; objectShape: number;
  context: number; element: number; property: number; internal: number; hiddenEdge: number;
  shortcut: number; weak: number;
}

export class HeapGraph {
  readonly nodeCount: number;
  readonly edgeCount: number;
  /** Node type enum value per node; names in nodeTypeNames. */
  readonly nodeType: Uint8Array;
  /** String-table index of each node's name. */
  readonly nodeName: Uint32Array;
  /** V8 snapshot object id (odd for heap objects, even for embedder objects). */
  readonly nodeId: Uint32Array;
  /**
   * Raw self size as V8 wrote it: 32-bit unless some size needs more, then Float64 (V8 stores
   * 48-bit sizes, docs/FORMAT.md §1.4).
   */
  readonly selfSize: Uint32Array | Float64Array;
  /**
   * Ordinals V8 marked attached (detachedness 1) and detached (2), ascending; every other node is 0
   * (unknown). Sparse: browsers mark DOM nodes, Node.js only a handful. See detachednessOf().
   */
  readonly attachedNodes: Uint32Array;
  readonly detachedNodes: Uint32Array;
  /** Allocation trace node id, or null when the snapshot has no trace_node_id field. */
  readonly traceNodeId: Uint32Array | null;
  /** CSR: edges of node k are firstEdge[k] .. firstEdge[k+1]-1 (N+1 entries). */
  readonly firstEdge: Uint32Array;
  readonly edgeType: Uint8Array;
  /** Element/hidden edges: the integer index. All other edge types: a string-table index. */
  readonly edgeNameOrIndex: Uint32Array;
  /** Target ordinal of each edge. */
  readonly edgeTarget: Uint32Array;
  /**
   * Reverse CSR: retainers of node k are positions firstRetainer[k] .. firstRetainer[k+1]-1.
   * Built on first access (8 B/edge + 4 B/node): summaries such as `top` never need it.
   */
  get firstRetainer(): Uint32Array { return (this.#retainers ??= this.#buildRetainers()).firstRetainer; }
  get retainerNode(): Uint32Array { return (this.#retainers ??= this.#buildRetainers()).retainerNode; }
  get retainerEdge(): Uint32Array { return (this.#retainers ??= this.#buildRetainers()).retainerEdge; }
  #retainers: { firstRetainer: Uint32Array; retainerNode: Uint32Array; retainerEdge: Uint32Array } | undefined;
  #buildRetainers() { return buildRetainers(this.nodeCount, this.firstEdge, this.edgeTarget); }
  /**
   * Source locations, one record per located node (closures, constructed objects), sorted by node
   * ordinal: record k belongs to node locObject[k]. Sparse on purpose: a few nodes in ten have one,
   * so a per-node index column would cost 4 B/node for little. See locationOf().
   */
  readonly locObject: Uint32Array;
  readonly locScriptId: Uint32Array;
  /** 0-based, as V8 writes them. */
  readonly locLine: Uint32Array;
  readonly locColumn: Uint32Array;
  readonly strings: StringTable;
  readonly nodeTypeNames: readonly string[];
  readonly edgeTypeNames: readonly string[];
  readonly types: TypeIds;
  readonly rootOrdinal: number;
  readonly source: SnapshotSource;

  constructor(parts: {
    nodeType: Uint8Array; nodeName: Uint32Array; nodeId: Uint32Array; selfSize: Uint32Array | Float64Array;
    attachedNodes: Uint32Array; detachedNodes: Uint32Array; traceNodeId: Uint32Array | null; firstEdge: Uint32Array;
    edgeType: Uint8Array; edgeNameOrIndex: Uint32Array; edgeTarget: Uint32Array;
    locObject: Uint32Array; locScriptId: Uint32Array; locLine: Uint32Array; locColumn: Uint32Array;
    strings: StringTable; nodeTypeNames: string[]; edgeTypeNames: string[]; rootOrdinal: number;
    source: SnapshotSource;
  }) {
    this.nodeCount = parts.nodeType.length;
    this.edgeCount = parts.edgeType.length;
    this.nodeType = parts.nodeType;
    this.nodeName = parts.nodeName;
    this.nodeId = parts.nodeId;
    this.selfSize = parts.selfSize;
    this.attachedNodes = parts.attachedNodes;
    this.detachedNodes = parts.detachedNodes;
    this.traceNodeId = parts.traceNodeId;
    this.firstEdge = parts.firstEdge;
    this.edgeType = parts.edgeType;
    this.edgeNameOrIndex = parts.edgeNameOrIndex;
    this.edgeTarget = parts.edgeTarget;
    this.locObject = parts.locObject;
    this.locScriptId = parts.locScriptId;
    this.locLine = parts.locLine;
    this.locColumn = parts.locColumn;
    this.strings = parts.strings;
    this.nodeTypeNames = parts.nodeTypeNames;
    this.edgeTypeNames = parts.edgeTypeNames;
    this.rootOrdinal = parts.rootOrdinal;
    this.source = parts.source;
    this.types = resolveTypeIds(parts.nodeTypeNames, parts.edgeTypeNames);
  }

  /** The node's raw V8 name (constructor name, string contents, function name…). */
  nodeNameOf(ordinal: number): string {
    return this.strings.get(this.nodeName[ordinal]);
  }

  nodeTypeOf(ordinal: number): string {
    return this.nodeTypeNames[this.nodeType[ordinal]] ?? 'unknown';
  }

  edgeTypeOf(edge: number): string {
    return this.edgeTypeNames[this.edgeType[edge]] ?? 'unknown';
  }

  /** True when the edge's name_or_index is an integer (element and hidden edges). */
  isIndexEdge(edge: number): boolean {
    const t = this.edgeType[edge];
    return t === this.types.element || t === this.types.hiddenEdge;
  }

  /** The edge's name as text: the property/variable name, or the index written in decimal. */
  edgeNameOf(edge: number): string {
    const v = this.edgeNameOrIndex[edge];
    return this.isIndexEdge(edge) ? String(v) : this.strings.get(v);
  }

  /** V8's detachedness of a node: 0 unknown, 1 attached, 2 detached. */
  detachednessOf(ordinal: number): 0 | 1 | 2 {
    if (indexInSorted(this.detachedNodes, ordinal) >= 0) return 2;
    return indexInSorted(this.attachedNodes, ordinal) >= 0 ? 1 : 0;
  }

  /** The node's location record (index into locScriptId/locLine/locColumn), or -1: a binary search. */
  locationOf(ordinal: number): number {
    return indexInSorted(this.locObject, ordinal);
  }

  /** Source node of an edge, by binary search over firstEdge (O(log N)). */
  edgeSource(edge: number): number {
    const firstEdge = this.firstEdge;
    let lo = 0;
    let hi = this.nodeCount - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (firstEdge[mid] <= edge) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  /**
   * Ordinal of the node with this snapshot id, or -1. V8's odd (heap object) ids come from one
   * counter stepping by 2, so they are dense: a table indexed by id >>> 1 (4 B per slot, one pass)
   * answers them. Even ids (embedder objects, a few per snapshot) are found by a scan. Sparse or
   * repeated odd ids (hand-made snapshots) use the sorted id index instead.
   */
  ordinalOfId(id: number): number {
    const direct = this.directIdTable();
    if (direct !== null) {
      if ((id & 1) === 1) return (id >>> 1) < direct.length ? direct[id >>> 1] - 1 : -1;
      return this.nodeId.indexOf(id);
    }
    const { sortedIds, ordinals } = this.idIndex();
    const k = indexInSorted(sortedIds, id);
    return k < 0 ? -1 : ordinals[k];
  }

  /**
   * Ordinal + 1 per odd id (index id >>> 1, 0 = no such node), built once; null when the odd ids are
   * sparse (more than DIRECT_ID_SLOTS_PER_NODE slots per node) or repeat.
   */
  directIdTable(): Uint32Array | null {
    if (this.#directIds === undefined) this.#directIds = buildDirectIdTable(this.nodeId, this.maxOddObjectId());
    return this.#directIds;
  }

  #directIds: Uint32Array | null | undefined;

  /** Highest odd object id: V8's heap-object id counter when the snapshot was taken (0 if none). */
  maxOddObjectId(): number {
    if (this.#maxOddId === undefined) {
      let max = 0;
      for (let i = 0; i < this.nodeId.length; i++) if ((this.nodeId[i] & 1) === 1 && this.nodeId[i] > max) max = this.nodeId[i];
      this.#maxOddId = max;
    }
    return this.#maxOddId;
  }

  #maxOddId: number | undefined;

  /** Every node by increasing id: sortedIds[k] is the id of node ordinals[k]. Built once, 8 B/node. */
  idIndex(): { sortedIds: Uint32Array; ordinals: Uint32Array } {
    return this.#idIndex ??= buildIdIndex(this.nodeId);
  }

  #idIndex: { sortedIds: Uint32Array; ordinals: Uint32Array } | undefined;

  /** Total of raw self sizes (V8 heap plus native nodes), without extra_native_bytes. */
  totalSelfSize(): number {
    let total = 0;
    const selfSize = this.selfSize;
    for (let i = 0; i < selfSize.length; i++) total += selfSize[i];
    return total;
  }

  /** Whether `cached(key, …)` has computed its value already. */
  hasCached(key: string): boolean {
    return this.#cache.has(key);
  }

  /**
   * Generic per-graph cache for derived results (class names, distances, dominators…), so every
   * analysis is computed at most once per snapshot however many reports ask for it.
   */
  cached<T>(key: string, compute: () => T): T {
    if (this.#cache.has(key)) return this.#cache.get(key) as T;
    const value = compute();
    this.#cache.set(key, value);
    return value;
  }

  #cache = new Map<string, unknown>();
}

function resolveTypeIds(nodeTypes: string[], edgeTypes: string[]): TypeIds {
  const n = (name: string) => nodeTypes.indexOf(name);
  const e = (name: string) => edgeTypes.indexOf(name);
  return {
    hidden: n('hidden'), array: n('array'), string: n('string'), object: n('object'), code: n('code'),
    closure: n('closure'), regexp: n('regexp'), number: n('number'), native: n('native'),
    synthetic: n('synthetic'), consString: n('concatenated string'), slicedString: n('sliced string'),
    symbol: n('symbol'), bigint: n('bigint'), objectShape: n('object shape'),
    context: e('context'), element: e('element'), property: e('property'), internal: e('internal'),
    hiddenEdge: e('hidden'), shortcut: e('shortcut'), weak: e('weak'),
  };
}

/** Reverse CSR by counting sort over edge targets: O(N + E), two passes, no per-node arrays. */
function buildRetainers(nodeCount: number, firstEdge: Uint32Array, edgeTarget: Uint32Array) {
  const edgeCount = edgeTarget.length;
  const firstRetainer = new Uint32Array(nodeCount + 1);
  for (let e = 0; e < edgeCount; e++) firstRetainer[edgeTarget[e] + 1]++;
  for (let i = 0; i < nodeCount; i++) firstRetainer[i + 1] += firstRetainer[i];
  const fill = firstRetainer.slice(0, nodeCount);
  const retainerNode = new Uint32Array(edgeCount);
  const retainerEdge = new Uint32Array(edgeCount);
  for (let src = 0; src < nodeCount; src++) {
    const end = firstEdge[src + 1];
    for (let e = firstEdge[src]; e < end; e++) {
      const pos = fill[edgeTarget[e]]++;
      retainerNode[pos] = src;
      retainerEdge[pos] = e;
    }
  }
  return { firstRetainer, retainerNode, retainerEdge };
}

/** Most table slots per node before the direct id table counts as sparse (then: sorted index). */
const DIRECT_ID_SLOTS_PER_NODE = 4;

/** See HeapGraph.directIdTable. */
function buildDirectIdTable(nodeId: Uint32Array, maxOdd: number): Uint32Array | null {
  const slots = (maxOdd >>> 1) + 1;
  if (slots > DIRECT_ID_SLOTS_PER_NODE * nodeId.length + 1024) return null;
  const table = new Uint32Array(slots);
  for (let i = 0; i < nodeId.length; i++) {
    const id = nodeId[i];
    if ((id & 1) === 0) continue;
    if (table[id >>> 1] !== 0) return null;
    table[id >>> 1] = i + 1;
  }
  return table;
}

/** Sorted (id, ordinal) pairs: a radix sort, exact for every uint32 id. */
function buildIdIndex(nodeId: Uint32Array) {
  const ordinals = sortedPositions(nodeId);
  const sortedIds = new Uint32Array(ordinals.length);
  for (let i = 0; i < ordinals.length; i++) sortedIds[i] = nodeId[ordinals[i]];
  return { sortedIds, ordinals };
}
