// Most common classes (objgraph's `most_common_types`): per class, how many objects and how many bytes.
//
// Counts follow DevTools' Summary view: self sizes after the shallow-size transfer, and nodes whose
// DevTools' self size is 0 (synthetic roots, internals whose bytes moved to their owner) are not members
// (docs/FORMAT.md §2.2). Cost: O(N) over the class index.

import type { HeapGraph } from '../snapshot/heap-graph.ts';
import { computeClassIndex, type NameMode } from '../snapshot/class-names.ts';
import { computeOwnedSelfSizes, type SizeColumn } from './owned-sizes.ts';
import { computeClassRetainedSizes } from './class-retained.ts';
import { computeDistances, NO_DISTANCE } from './distances.ts';
import { computeDominatorTree } from './dominators.ts';

export interface ClassStats {
  classId: number;
  name: string;
  /** DevTools' grouping key: name, plus the defining location for located classes. */
  key: string;
  count: number;
  selfSize: number;
}

export interface HistogramResult {
  classes: ClassStats[];
  /** Sum of DevTools' self sizes over all members (= the heap size DevTools reports, less extra native bytes). */
  totalSize: number;
}

export interface HistogramOptions {
  names?: NameMode;
  /** Keep V8's self sizes instead of DevTools' transferred ones. */
  rawSizes?: boolean;
}

export function selfSizesFor(graph: HeapGraph, rawSizes = false): SizeColumn {
  return rawSizes ? graph.selfSize : computeOwnedSelfSizes(graph);
}

/** Classes with at least one member, in class-id order (callers sort). */
export function computeHistogram(graph: HeapGraph, options: HistogramOptions = {}): HistogramResult {
  const index = computeClassIndex(graph, options.names ?? 'devtools');
  const { counts, bytes, totalSize } = sumByClass(index.classOf, selfSizesFor(graph, options.rawSizes), index.names.length);
  const classes: ClassStats[] = [];
  for (let c = 0; c < index.names.length; c++) {
    if (counts[c] === 0) continue;
    classes.push({ classId: c, name: index.names[c], key: index.keys[c], count: counts[c], selfSize: bytes[c] });
  }
  return { classes, totalSize };
}

/**
 * Per class id of `classOf`: how many members (nodes whose DevTools' self size is not 0) and their total
 * size; and the total over all members.
 */
export function sumByClass(classOf: Uint16Array | Uint32Array, sizes: SizeColumn, classCount: number): { counts: Float64Array; bytes: Float64Array; totalSize: number } {
  const counts = new Float64Array(classCount);
  const bytes = new Float64Array(classCount);
  let totalSize = 0;
  for (let i = 0; i < classOf.length; i++) {
    const size = sizes[i];
    if (size === 0) continue;
    const c = classOf[i];
    counts[c]++;
    bytes[c] += size;
    totalSize += size;
  }
  return { counts, bytes, totalSize };
}

/** Ordinals of the members of every class whose display name or key is `name` (either naming mode). */
export function membersOfClass(graph: HeapGraph, name: string, options: HistogramOptions = {}): Uint32Array {
  const index = computeClassIndex(graph, options.names ?? 'devtools');
  const sizes = selfSizesFor(graph, options.rawSizes);
  let wanted = matchingClasses(index.names, index.keys, name);
  // `--type` accepts either naming: fall back to the other mode when this one has no such class.
  let classOf = index.classOf;
  if (wanted.size === 0) {
    const other = computeClassIndex(graph, (options.names ?? 'devtools') === 'devtools' ? 'raw' : 'devtools');
    wanted = matchingClasses(other.names, other.keys, name);
    classOf = other.classOf;
  }
  let count = 0;
  const members = new Uint32Array(graph.nodeCount);
  if (wanted.size === 0) return members.subarray(0, 0);
  for (let i = 0; i < graph.nodeCount; i++) {
    if (sizes[i] !== 0 && wanted.has(classOf[i])) members[count++] = i;
  }
  return members.slice(0, count);
}

function matchingClasses(names: string[], keys: string[], wanted: string): Set<number> {
  const result = new Set<number>();
  for (let c = 0; c < names.length; c++) {
    if (names[c] === wanted || keys[c] === wanted) result.add(c);
  }
  return result;
}

export interface ClassSummary extends ClassStats {
  /** DevTools' class retained size: members not dominated by another member of the class (§4.6). */
  retainedSize: number;
  /** Smallest DevTools distance among members (NO_DISTANCE or ≥ BASE_SYSTEM_DISTANCE when no user path). */
  distance: number;
}

export interface ClassSummaryResult {
  classes: ClassSummary[];
  totalSize: number;
}

/**
 * The Summary view row per class: the histogram plus retained size and distance, as DevTools shows
 * them. summary-parallel.ts computes the same on two cores.
 */
export function computeClassSummary(graph: HeapGraph, options: HistogramOptions = {}): ClassSummaryResult {
  // The dominator tree first: its arrays peak (~40 B/node) while nothing else of N size exists yet;
  // class ids, DevTools' self sizes and distances (4-8 B/node each) come after it.
  computeDominatorTree(graph);
  const histogram = computeHistogram(graph, options);
  const index = computeClassIndex(graph, options.names ?? 'devtools');
  const sizes = selfSizesFor(graph, options.rawSizes);
  const retained = computeClassRetainedSizes(graph, index);
  const distances = computeDistances(graph);
  const minDistance = new Int32Array(index.names.length).fill(0x7fffffff);
  for (let i = 0; i < graph.nodeCount; i++) {
    if (sizes[i] === 0) continue;
    const c = index.classOf[i];
    const d = distances[i];
    // NO_DISTANCE (-5) sorts after every real distance, as in DevTools.
    const rank = d < 0 ? 0x7ffffffe : d;
    if (rank < minDistance[c]) minDistance[c] = rank;
  }
  const classes = histogram.classes.map((c) => ({
    ...c,
    retainedSize: retained[c.classId],
    distance: minDistance[c.classId] >= 0x7ffffffe ? NO_DISTANCE : minDistance[c.classId],
  }));
  return { classes, totalSize: histogram.totalSize };
}
