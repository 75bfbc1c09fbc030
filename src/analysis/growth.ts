// Growth between snapshots (objgraph's `show_growth` and `get_new_ids`): per class, the count and
// self size in every snapshot, the change from the first to the last, whether the class grew at
// every step, and — because V8 object ids are stable within one process (FORMAT.md §5.2) — how many
// of the last snapshot's members were allocated after the first snapshot and are still alive.
//
// Classes are DevTools' Summary classes (FORMAT.md §2.2) by default. As DevTools' comparison view
// does (§5.1), every snapshot is classified with the *last* snapshot's inferred plain-object
// interfaces, so `{a, b}` classes line up across the series. Class keys include the defining source
// location; script ids are stable within a process, so keys line up too.
//
// "New and alive": V8 hands out odd ids from one counter that only grows, so an object of the last
// snapshot whose odd id is above the highest odd id of the first snapshot was allocated after the
// first snapshot was taken (DevTools' "objects allocated between snapshots" filter is the same range
// test). Embedder objects (even ids) get a fresh id in every snapshot and are never counted as new.
// `added` / `deleted` are DevTools' comparison columns: ids in the class in the last snapshot and
// not in the first, and the reverse (a plain object that gained a property changes class and counts
// as added to its new class; native objects with fresh ids count as added and deleted).
//
// Ids only mean something within one process, so computeGrowth first proves that consecutive
// snapshots come from one process (checkSameProcess, below) and refuses otherwise; `countsOnly`
// skips ids altogether and compares class counts by name, which is valid across processes.
//
// With `retainedSizes`, each class also gets DevTools' class retained size in the first and the last
// snapshot; in countsOnly mode classes of one name are summed, which can count nested members twice.
//
// Cost: per snapshot O(N + E) for class names and owned sizes (cached on the graph), plus
// O(N log N) sorts of packed (class, id) pairs for the first and the last snapshot.

import type { HeapGraph } from '../snapshot/heap-graph.ts';
import { computeClassIndex, inferInterfaceDefinitions, type ClassIndexResult, type NameMode } from '../snapshot/class-names.ts';
import { LeakscopeError, EXIT_USAGE } from '../errors.ts';
import { selfSizesFor } from './histogram.ts';
import { computeClassRetainedSizes } from './class-retained.ts';
import type { SizeColumn } from './owned-sizes.ts';

export interface GrowthOptions {
  names?: NameMode;
  /** Keep V8's self sizes instead of DevTools' transferred ones. */
  rawSizes?: boolean;
  /** Compare class counts only (by display name), without ids: valid for snapshots of different processes. */
  countsOnly?: boolean;
  /** How many example ids to keep per class (default 5). */
  exampleCount?: number;
  /** File labels for messages and reports (default graph.source.file). */
  labels?: string[];
  /** Also compute class retained sizes (DevTools' Summary column) of the first and last snapshot:
   *  needs the dominator tree of both, the costliest step of the analysis. */
  retainedSizes?: boolean;
}

export interface SnapshotGrowthInfo {
  file: string;
  nodeCount: number;
  /** Σ adjusted self sizes of class members plus extra native bytes, as `top` reports it. */
  totalSize: number;
  /** Highest odd (V8 heap) object id: objects allocated later get larger ids. */
  maxObjectId: number;
}

export interface ClassGrowth {
  /** Display name (DevTools' class name, or the raw V8 name with `names: 'raw'`). */
  name: string;
  /** Grouping key: `scriptId,line,col,name` for located classes, `,name` otherwise (name alone when countsOnly). */
  key: string;
  /** Members per snapshot, in snapshot order. */
  counts: number[];
  /** Σ self size of members per snapshot. */
  sizes: number[];
  /** Last count − first count. */
  delta: number;
  /** Last size − first size (bytes). */
  sizeDelta: number;
  /** Class retained size in the first and the last snapshot (FORMAT.md §4.6); null unless asked for. */
  retainedSizes: [number, number] | null;
  /** Last retained size − first (bytes); null unless asked for. */
  retainedSizeDelta: number | null;
  /** Grew at every step: counts[i+1] > counts[i] for every i. */
  monotonic: boolean;
  /** Members of the last snapshot allocated after the first snapshot (null when countsOnly). */
  newAlive: number | null;
  /** Σ self size of those members. */
  newAliveSize: number | null;
  /** DevTools "# New": ids in the class in the last snapshot but not in the first (null when countsOnly). */
  added: number | null;
  /** DevTools "# Deleted": ids in the class in the first snapshot but not in the last. */
  deleted: number | null;
  /** A few ids of new-and-alive members, ascending. */
  examples: number[];
  /** Ordinals (in the last snapshot) of every new-and-alive member: input for retainer chains. */
  newOrdinals: Uint32Array;
}

export interface SameProcessEvidence {
  /** Sampled heap objects of the later snapshot whose id the earlier snapshot also has. */
  matched: number;
  /** Of those, how many have the same node type and name in both. */
  consistent: number;
  /** consistent / matched (0 when nothing matched). */
  fraction: number;
  isSameProcess: boolean;
  /** The later snapshot's newest id is not older than the earlier one's. */
  isInOrder: boolean;
}

export interface GrowthResult {
  snapshots: SnapshotGrowthInfo[];
  /** Every class whose count or size changed anywhere in the series, largest count growth first. */
  classes: ClassGrowth[];
  /** Last total − first total (bytes). */
  totalSizeDelta: number;
  names: NameMode;
  countsOnly: boolean;
  /** Evidence for each consecutive pair (empty when countsOnly). */
  sameProcess: SameProcessEvidence[];
}

/**
 * Same-process agreement required of id-sharing objects. Measured (Node 20): 1.0000 for every pair
 * of snapshots of one process in fixtures/; 0.92 for two runs of `node -e "writeHeapSnapshot()"`
 * (the most deterministic program there is: its startup heap is nearly identical in both runs);
 * 0.03–0.47 for different programs. 0.99 sits in the gap and allows for rare in-place changes.
 */
export const SAME_PROCESS_MIN_AGREEMENT = 0.99;
/** Enough sampled objects to measure the agreement to ±0.5%, at bounded cost on huge snapshots. */
const SAME_PROCESS_SAMPLE = 50_000;
const DEFAULT_EXAMPLES = 5;
const TWO_32 = 4294967296;

/** Highest odd object id: the V8 heap-object id counter's position when the snapshot was taken. */
export function maxObjectId(graph: HeapGraph): number {
  return graph.cached('maxOddObjectId', () => {
    const ids = graph.nodeId;
    let max = 0;
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i];
      if ((id & 1) === 1 && id > max) max = id;
    }
    return max;
  });
}

/**
 * Do `earlier` and `later` come from one process (one V8 isolate)? Ids alone cannot tell: V8 numbers
 * objects densely, so two processes share almost every id. What differs is what the ids name: in one
 * process an object that survives keeps its id, type and name, so every heap object of `later` whose
 * id `earlier` also has must have the same type and name there. In another process the same id names
 * an unrelated object, except for the part of the startup heap both processes built identically.
 * Synthetic nodes (fixed ids 1, 3, 5… in every snapshot) and embedder nodes (even ids, fresh in every
 * snapshot) carry no evidence and are skipped. Samples at most SAME_PROCESS_SAMPLE objects evenly.
 */
export function checkSameProcess(earlier: HeapGraph, later: HeapGraph): SameProcessEvidence {
  const limit = maxObjectId(earlier);
  const synthetic = later.types.synthetic;
  const n = later.nodeCount;
  const stride = Math.max(1, Math.floor(n / SAME_PROCESS_SAMPLE));
  let matched = 0;
  let consistent = 0;
  for (let j = 0; j < n; j += stride) {
    const id = later.nodeId[j];
    if ((id & 1) === 0 || id > limit || later.nodeType[j] === synthetic) continue;
    const i = earlier.ordinalOfId(id);
    if (i < 0) continue;
    matched++;
    if (earlier.nodeTypeOf(i) === later.nodeTypeOf(j) && earlier.nodeNameOf(i) === later.nodeNameOf(j)) consistent++;
  }
  const fraction = matched === 0 ? 0 : consistent / matched;
  return {
    matched,
    consistent,
    fraction,
    isSameProcess: matched > 0 && fraction >= SAME_PROCESS_MIN_AGREEMENT,
    isInOrder: maxObjectId(later) >= limit,
  };
}

/** Throws a usage error (exit 2) unless every consecutive pair comes from one process, in order. */
export function assertSameProcess(graphs: HeapGraph[], labels = graphs.map((g) => g.source.file)): SameProcessEvidence[] {
  const evidence: SameProcessEvidence[] = [];
  for (let k = 1; k < graphs.length; k++) {
    const e = checkSameProcess(graphs[k - 1], graphs[k]);
    const [a, b] = [labels[k - 1], labels[k]];
    if (!e.isSameProcess) {
      const how = e.matched === 0
        ? 'they share no object ids'
        : `only ${formatPercent(e.fraction)} of the objects they share ids with have the same type and name (one process: ≥ ${formatPercent(SAME_PROCESS_MIN_AGREEMENT)})`;
      throw new LeakscopeError(
        `${a} and ${b} do not come from the same process: ${how}. Object ids only mean something within one process; `
        + 'take every snapshot from the same running process, or pass --counts-only to compare class counts without ids',
        EXIT_USAGE,
      );
    }
    if (!e.isInOrder) {
      throw new LeakscopeError(
        `${b} was taken before ${a} (its newest object is @${maxObjectId(graphs[k])}, older than @${maxObjectId(graphs[k - 1])}); `
        + 'pass the snapshots in the order they were taken',
        EXIT_USAGE,
      );
    }
    evidence.push(e);
  }
  return evidence;
}

function formatPercent(fraction: number): string {
  return `${(Math.floor(fraction * 1000) / 10).toFixed(1)}%`;
}

/** Growth of every class over `graphs` (oldest first, at least two). */
export function computeGrowth(graphs: HeapGraph[], options: GrowthOptions = {}): GrowthResult {
  if (graphs.length < 2) throw new LeakscopeError('growth needs at least two snapshots', EXIT_USAGE);
  const names = options.names ?? 'devtools';
  const countsOnly = options.countsOnly ?? false;
  const labels = options.labels ?? graphs.map((g) => g.source.file);
  const exampleCount = options.exampleCount ?? DEFAULT_EXAMPLES;
  const sameProcess = countsOnly ? [] : assertSameProcess(graphs, labels);

  const last = graphs[graphs.length - 1];
  const interfaces = names === 'devtools' ? inferInterfaceDefinitions(last) : undefined;
  const indexes = graphs.map((g) => (g === last || interfaces === undefined ? computeClassIndex(g, names) : computeClassIndex(g, names, interfaces)));

  // One global class id per grouping key across the series.
  const globalIdByKey = new Map<string, number>();
  const globalNames: string[] = [];
  const globalKeys: string[] = [];
  const toGlobal = indexes.map((index) => {
    const map = new Uint32Array(index.names.length);
    for (let c = 0; c < index.names.length; c++) {
      const key = countsOnly ? index.names[c] : index.keys[c];
      let g = globalIdByKey.get(key);
      if (g === undefined) {
        g = globalNames.length;
        globalIdByKey.set(key, g);
        globalNames.push(index.names[c]);
        globalKeys.push(key);
      }
      map[c] = g;
    }
    return map;
  });
  const classCount = globalNames.length;
  const counts = graphs.map(() => new Float64Array(classCount));
  const sizes = graphs.map(() => new Float64Array(classCount));
  const snapshots: SnapshotGrowthInfo[] = [];
  graphs.forEach((graph, k) => {
    const self = selfSizesFor(graph, options.rawSizes);
    const classOf = indexes[k].classOf;
    const map = toGlobal[k];
    let total = 0;
    for (let i = 0; i < graph.nodeCount; i++) {
      const size = self[i];
      if (size === 0) continue;
      const c = map[classOf[i]];
      counts[k][c]++;
      sizes[k][c] += size;
      total += size;
    }
    snapshots.push({ file: labels[k], nodeCount: graph.nodeCount, totalSize: total + graph.source.extraNativeBytes, maxObjectId: maxObjectId(graph) });
  });

  const idFacts = countsOnly ? null : compareIds(graphs[0], last, indexes[0], indexes[indexes.length - 1], toGlobal[0], toGlobal[toGlobal.length - 1], classCount, options.rawSizes, exampleCount);

  const retained = options.retainedSizes ? [0, graphs.length - 1].map((k) => {
    // An index built with another snapshot's interfaces is not the graph's cached one: bypass the cache.
    const perClass = computeClassRetainedSizes(graphs[k], indexes[k], graphs[k] === last || interfaces === undefined ? undefined : () => true);
    const byGlobal = new Float64Array(classCount);
    for (let c = 0; c < perClass.length; c++) byGlobal[toGlobal[k][c]] += perClass[c];
    return byGlobal;
  }) : null;

  const classes: ClassGrowth[] = [];
  const lastK = graphs.length - 1;
  for (let c = 0; c < classCount; c++) {
    const series = counts.map((col) => col[c]);
    const sizeSeries = sizes.map((col) => col[c]);
    const isChanged = series.some((v) => v !== series[0]) || sizeSeries.some((v) => v !== sizeSeries[0]);
    if (!isChanged && (idFacts === null || (idFacts.added[c] === 0 && idFacts.deleted[c] === 0))) continue;
    let monotonic = true;
    for (let k = 1; k < series.length; k++) if (!(series[k] > series[k - 1])) monotonic = false;
    classes.push({
      name: globalNames[c],
      key: globalKeys[c],
      counts: series,
      sizes: sizeSeries,
      delta: series[lastK] - series[0],
      sizeDelta: sizeSeries[lastK] - sizeSeries[0],
      retainedSizes: retained ? [retained[0][c], retained[1][c]] : null,
      retainedSizeDelta: retained ? retained[1][c] - retained[0][c] : null,
      monotonic,
      newAlive: idFacts ? idFacts.newAlive[c] : null,
      newAliveSize: idFacts ? idFacts.newAliveSize[c] : null,
      added: idFacts ? idFacts.added[c] : null,
      deleted: idFacts ? idFacts.deleted[c] : null,
      examples: idFacts ? idFacts.examples[c] ?? [] : [],
      newOrdinals: idFacts ? idFacts.newOrdinalsOf(c) : new Uint32Array(0),
    });
  }
  classes.sort(compareGrowth);
  return {
    snapshots,
    classes,
    totalSizeDelta: snapshots[lastK].totalSize - snapshots[0].totalSize,
    names,
    countsOnly,
    sameProcess,
  };
}

/** Largest count growth first, then size growth, then name: a stable order for reports and tests. */
export function compareGrowth(a: ClassGrowth, b: ClassGrowth): number {
  return b.delta - a.delta || b.sizeDelta - a.sizeDelta || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);
}

interface IdFacts {
  newAlive: Float64Array;
  newAliveSize: Float64Array;
  added: Float64Array;
  deleted: Float64Array;
  examples: number[][];
  newOrdinalsOf(globalClass: number): Uint32Array;
}

/**
 * First vs last by id. New-and-alive: odd id above the first snapshot's newest. Added/deleted: a
 * merge walk over (class, id) pairs packed into one Float64 each and sorted, as DevTools merges
 * its per-class sorted id lists (FORMAT.md §5.1).
 */
function compareIds(
  first: HeapGraph, last: HeapGraph, firstIndex: ClassIndexResult, lastIndex: ClassIndexResult,
  firstMap: Uint32Array, lastMap: Uint32Array, classCount: number, rawSizes: boolean | undefined, exampleCount: number,
): IdFacts {
  const newAlive = new Float64Array(classCount);
  const newAliveSize = new Float64Array(classCount);
  const added = new Float64Array(classCount);
  const deleted = new Float64Array(classCount);
  const examples: number[][] = [];
  const limit = maxObjectId(first);
  const lastSizes = selfSizesFor(last, rawSizes);
  const firstSizes = selfSizesFor(first, rawSizes);

  // New-and-alive members of the last snapshot, grouped by class with a counting sort.
  const newClass = new Int32Array(last.nodeCount).fill(-1);
  for (let i = 0; i < last.nodeCount; i++) {
    const id = last.nodeId[i];
    if (lastSizes[i] === 0 || (id & 1) === 0 || id <= limit) continue;
    const c = lastMap[lastIndex.classOf[i]];
    newClass[i] = c;
    newAlive[c]++;
    newAliveSize[c] += lastSizes[i];
  }
  const start = new Uint32Array(classCount + 1);
  for (let c = 0; c < classCount; c++) start[c + 1] = start[c] + newAlive[c];
  const fill = start.slice(0, classCount);
  const ordinals = new Uint32Array(start[classCount]);
  for (let i = 0; i < last.nodeCount; i++) {
    const c = newClass[i];
    if (c >= 0) ordinals[fill[c]++] = i;
  }
  for (let c = 0; c < classCount; c++) {
    if (newAlive[c] === 0) continue;
    const ids = Array.from(ordinals.subarray(start[c], start[c + 1]), (o) => last.nodeId[o]).sort((x, y) => x - y);
    examples[c] = ids.slice(0, exampleCount);
  }

  const firstPairs = packMembers(first, firstSizes, firstIndex.classOf, firstMap);
  const lastPairs = packMembers(last, lastSizes, lastIndex.classOf, lastMap);
  let i = 0;
  let j = 0;
  while (i < firstPairs.length || j < lastPairs.length) {
    const a = i < firstPairs.length ? firstPairs[i] : Infinity;
    const b = j < lastPairs.length ? lastPairs[j] : Infinity;
    if (a === b) {
      i++;
      j++;
    } else if (a < b) {
      deleted[Math.floor(a / TWO_32)]++;
      i++;
    } else {
      added[Math.floor(b / TWO_32)]++;
      j++;
    }
  }
  return {
    newAlive, newAliveSize, added, deleted, examples,
    newOrdinalsOf: (c) => ordinals.slice(start[c], start[c + 1]),
  };
}

/** Sorted `globalClass × 2^32 + id` for every class member (adjusted self size > 0). */
function packMembers(graph: HeapGraph, sizes: SizeColumn, classOf: Uint16Array | Uint32Array, toGlobal: Uint32Array): Float64Array {
  let count = 0;
  for (let i = 0; i < graph.nodeCount; i++) if (sizes[i] !== 0) count++;
  const packed = new Float64Array(count);
  let k = 0;
  for (let i = 0; i < graph.nodeCount; i++) {
    if (sizes[i] === 0) continue;
    packed[k++] = toGlobal[classOf[i]] * TWO_32 + graph.nodeId[i];
  }
  return packed.sort();
}
