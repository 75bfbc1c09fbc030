// A HeapGraph handed to a worker thread without copying it: the columns the parser put in shared
// memory (SharedArrayBuffers, files parsed in parallel: load.ts) travel as views of the same
// memory; the few small tables (locations, detachedness lists) are copied. The worker rebuilds a
// HeapGraph over them and computes what it is asked, with its own cache.
//
// Nothing here is mutable in place by either side: analyses never write graph columns.

import { HeapGraph, type SnapshotSource } from './heap-graph.ts';
import { StringTable } from './string-table.ts';

/** The structured-clone form of a HeapGraph whose big columns are shared. */
export interface SharedGraph {
  nodeType: Uint8Array;
  nodeName: Uint32Array;
  nodeId: Uint32Array;
  selfSize: Uint32Array | Float64Array;
  firstEdge: Uint32Array;
  edgeType: Uint8Array;
  edgeNameOrIndex: Uint32Array;
  edgeTarget: Uint32Array;
  stringBytes: Uint8Array;
  stringOffsets: Uint32Array;
  attachedNodes: Uint32Array;
  detachedNodes: Uint32Array;
  locObject: Uint32Array;
  locScriptId: Uint32Array;
  locLine: Uint32Array;
  locColumn: Uint32Array;
  nodeTypeNames: string[];
  edgeTypeNames: string[];
  rootOrdinal: number;
  source: SnapshotSource;
}

function isShared(array: ArrayBufferView): boolean {
  return array.buffer instanceof SharedArrayBuffer;
}

/**
 * The graph as a message for a worker, or null when a big column is not in shared memory (small
 * files and gzipped ones are parsed on one thread into ordinary buffers): copying it would cost
 * what the worker saves. The allocation-trace column is left out (no analysis a worker runs reads it).
 */
export function shareGraph(graph: HeapGraph): SharedGraph | null {
  const { bytes, offsets } = graph.strings.parts;
  const big = [graph.nodeType, graph.nodeName, graph.nodeId, graph.selfSize, graph.firstEdge, graph.edgeType, graph.edgeNameOrIndex, graph.edgeTarget, bytes, offsets];
  if (!big.every(isShared)) return null;
  return {
    nodeType: graph.nodeType,
    nodeName: graph.nodeName,
    nodeId: graph.nodeId,
    selfSize: graph.selfSize,
    firstEdge: graph.firstEdge,
    edgeType: graph.edgeType,
    edgeNameOrIndex: graph.edgeNameOrIndex,
    edgeTarget: graph.edgeTarget,
    stringBytes: bytes,
    stringOffsets: offsets,
    attachedNodes: graph.attachedNodes,
    detachedNodes: graph.detachedNodes,
    locObject: graph.locObject,
    locScriptId: graph.locScriptId,
    locLine: graph.locLine,
    locColumn: graph.locColumn,
    nodeTypeNames: [...graph.nodeTypeNames],
    edgeTypeNames: [...graph.edgeTypeNames],
    rootOrdinal: graph.rootOrdinal,
    source: graph.source,
  };
}

/** The worker's side: a HeapGraph over the shared columns. */
export function graphFromShared(shared: SharedGraph): HeapGraph {
  const { stringBytes, stringOffsets, ...columns } = shared;
  const bytes = Buffer.from(stringBytes.buffer, stringBytes.byteOffset, stringBytes.byteLength);
  return new HeapGraph({ ...columns, traceNodeId: null, strings: new StringTable(bytes, stringOffsets) });
}
