// The numbers every report prints beside a node: DevTools' self size, retained size and distance.
// Computed here, by the caller of a renderer, so that report/ only reads them (each is cached on the
// graph: dominators O(E log N), distances O(N + E), self sizes O(N + E), once per snapshot).

import type { HeapGraph } from '../snapshot/heap-graph.ts';
import { computeDistances } from './distances.ts';
import { computeRetainedSizes } from './dominators.ts';
import { computeOwnedSelfSizes, type SizeColumn } from './owned-sizes.ts';

/** Per node ordinal. */
export interface NodeMeasures {
  /** DevTools' self size (internal arrays' bytes moved onto the object that owns them). */
  selfSize: SizeColumn;
  retainedSize: Float64Array;
  /** Hops from the nearest root, as DevTools counts them (NO_DISTANCE: unreachable). */
  distance: Int32Array;
}

export function computeNodeMeasures(graph: HeapGraph): NodeMeasures {
  return { selfSize: computeOwnedSelfSizes(graph), retainedSize: computeRetainedSizes(graph), distance: computeDistances(graph) };
}
