// The typed-array columns the numeric sections of a snapshot are read into (number-sections.ts),
// allocated once from the header's counts: in SharedArrayBuffers for big files, so that the edges
// worker and the summary worker can read and fill them in place.

import { SnapshotFormatError } from '../errors.ts';
import { grownUint32 } from './typed-arrays.ts';
import type { SnapshotLayout } from './parser-layout.ts';

/** The largest string index a section named, with the record and the offset it was written at (-1: none). */
export interface StringIndexMaximum {
  value: number;
  item: number;
  offset: number;
}

/** The columns, once every section has been read. */
export interface NumberColumns {
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
}

/** The columns whose size the header gives; the detachedness lists and locations grow as read. */
export type FixedColumns = Pick<NumberColumns, 'nodeType' | 'nodeName' | 'nodeId' | 'selfSize' | 'nodeEdgeCount' | 'traceNodeId' | 'edgeType' | 'edgeNameOrIndex' | 'edgeTarget'>;

/** Allocates the columns `layout` announces (in SharedArrayBuffers when `shared`); `offset` names the header's end. */
export function allocateNumberColumns(file: string, layout: SnapshotLayout, shared: boolean, offset: number): FixedColumns {
  const { nodeCount, edgeCount } = layout;
  try {
    const bytes = (length: number) => (shared ? new SharedArrayBuffer(length) : new ArrayBuffer(length));
    return {
      nodeType: new Uint8Array(bytes(nodeCount)),
      nodeName: new Uint32Array(bytes(nodeCount * 4)),
      nodeId: new Uint32Array(bytes(nodeCount * 4)),
      selfSize: new Uint32Array(bytes(nodeCount * 4)),
      // One spare slot: load.ts turns the counts into the N+1 first-edge offsets in place.
      nodeEdgeCount: new Uint32Array(bytes((nodeCount + 1) * 4)),
      traceNodeId: layout.hasTraceNodeIds ? new Uint32Array(nodeCount) : null,
      edgeType: new Uint8Array(bytes(edgeCount)),
      edgeNameOrIndex: new Uint32Array(bytes(edgeCount * 4)),
      edgeTarget: new Uint32Array(bytes(edgeCount * 4)),
    };
  } catch {
    throw new SnapshotFormatError(file, `cannot allocate arrays for ${nodeCount} nodes and ${edgeCount} edges`, offset);
  }
}

export /** Uint32 values appended in order, in a typed array that doubles as needed. */
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
