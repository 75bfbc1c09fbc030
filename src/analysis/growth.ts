// Growth between snapshots (objgraph's `show_growth` and `get_new_ids`): per class, the count and
// self size in every snapshot, the change from the first to the last, whether the class grew at
// every step, and — because V8 object ids are stable within one process (docs/FORMAT.md §5.2) — how many
// of the last snapshot's members were allocated after the first snapshot and are still alive.
//
// Classes are DevTools' Summary classes (docs/FORMAT.md §2.2) by default. As DevTools' comparison view
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
// snapshots come from one process (same-process.ts) and refuses otherwise; `countsOnly`
// skips ids altogether and compares class counts by name, which is valid across processes.
//
// With `retainedSizes`, each class also gets DevTools' class retained size in the first and the last
// snapshot; in countsOnly mode classes of one name are summed, which can count nested members twice.
//
// Cost: per snapshot O(N + E) for class names and owned sizes (cached on the graph), plus one O(N)
// pass each over the first and the last snapshot's ids (members-by-id.ts).

import type { HeapGraph } from '../snapshot/heap-graph.ts';
import { computeClassIndex, inferInterfaceDefinitions, isBuiltInClassName, type InterfaceDefinition, type NameMode } from '../snapshot/class-names.ts';
import { LeakscopeError, EXIT_USAGE } from '../errors.ts';
import { selfSizesFor, sumByClass } from './histogram.ts';
import { computeClassRetainedSizes } from './class-retained.ts';
import { countAddedAndDeleted, membersById, type MembersById } from './members-by-id.ts';
import { censusCollections, findAccumulationPoints, type AccumulationResult, type CollectionCensus } from './accumulation.ts';
import { computeHolders, countHolders, HELD_BY_PROGRAM, NO_PARENT, type HolderCounts, type HoldersResult } from './holders.ts';
import { assertSameProcess, type SameProcessEvidence } from './same-process.ts';

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
  /** Class retained size in the first and the last snapshot (docs/FORMAT.md §4.6); null unless asked for. */
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
  /** What keeps the new-and-alive members alive, per kind (holders.ts); null when countsOnly. */
  heldBy: HolderCounts | null;
  /**
   * For a built-in class (`(string)`, `(number)`, `Object`…): the named class whose new members hold
   * most of its program-held new members, found by walking up from each to the first named object;
   * null when none does (or countsOnly).
   */
  mainHolder: { name: string; key: string; count: number } | null;
  /** A few ids of new-and-alive members, ascending. */
  examples: number[];
  /** Ordinals (in the last snapshot) of every new-and-alive member: input for retainer chains. */
  newOrdinals: Uint32Array;
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
  /** Every class of any snapshot, changed or not (names and keys): what gate settings may name. */
  knownClasses: { names: string[]; keys: string[] };
  /** Collections alive in every snapshot whose members grew at every step (accumulation.ts); null when countsOnly. */
  accumulation: AccumulationResult | null;
}

const DEFAULT_EXAMPLES = 5;

/**
 * What growth needs from one snapshot, computed wherever the graph lives (this thread, or the worker
 * that summarises the earlier snapshots of `leakscope growth`): plain data and typed arrays only.
 * Classes are the snapshot's own ("local") class ids; combineGrowth lines them up by key.
 */
export interface SnapshotSummary {
  info: SnapshotGrowthInfo;
  names: string[];
  keys: string[];
  /** Members and Σ adjusted self size per local class. */
  counts: Float64Array;
  sizes: Float64Array;
  /** DevTools' class retained size per local class, when asked for. */
  retained: Float64Array | null;
  /** Class members by object id, when asked for (the first snapshot's, for "# New" / "# Deleted"). */
  members: MembersById | null;
  /** Collections by object id with their member counts, when asked for (accumulation points). */
  collections: CollectionCensus | null;
}

export interface SummaryOptions {
  names: NameMode;
  rawSizes?: boolean;
  /** The interfaces to classify plain objects with (the last snapshot's); undefined: the graph's own. */
  interfaces?: InterfaceDefinition[];
  retained: boolean;
  members: boolean;
  /** Census the collections (with retained sizes when `retained`): every snapshot's, unless countsOnly. */
  collections?: boolean;
  label: string;
}

export function summariseSnapshot(graph: HeapGraph, options: SummaryOptions): SnapshotSummary {
  const ownInterfaces = options.interfaces === undefined;
  const index = ownInterfaces ? computeClassIndex(graph, options.names) : computeClassIndex(graph, options.names, options.interfaces);
  const self = selfSizesFor(graph, options.rawSizes);
  const classOf = index.classOf;
  const { counts, bytes: sizes, totalSize: total } = sumByClass(classOf, self, index.names.length);
  // An index built with another snapshot's interfaces is not the graph's cached one: bypass the cache.
  const retained = options.retained ? computeClassRetainedSizes(graph, index, ownInterfaces ? undefined : () => true) : null;
  const members = options.members ? membersById(graph, classOf, self) : null;
  const collections = options.collections ? censusCollections(graph, options.retained) : null;
  return {
    info: { file: options.label, nodeCount: graph.nodeCount, totalSize: total + graph.source.extraNativeBytes, maxObjectId: graph.maxOddObjectId() },
    names: index.names,
    keys: index.keys,
    counts,
    sizes,
    retained,
    members,
    collections,
  };
}

/** Growth of every class over `graphs` (oldest first, at least two), all in memory. */
export function computeGrowth(graphs: HeapGraph[], options: GrowthOptions = {}): GrowthResult {
  if (graphs.length < 2) throw new LeakscopeError('growth needs at least two snapshots', EXIT_USAGE);
  const names = options.names ?? 'devtools';
  const countsOnly = options.countsOnly ?? false;
  const labels = options.labels ?? graphs.map((g) => g.source.file);
  const sameProcess = countsOnly ? [] : assertSameProcess(graphs, labels, names);
  const last = graphs[graphs.length - 1];
  const interfaces = names === 'devtools' ? inferInterfaceDefinitions(last) : undefined;
  const summaries = graphs.map((graph, k) => summariseSnapshot(graph, {
    names,
    rawSizes: options.rawSizes,
    interfaces: graph === last ? undefined : interfaces,
    retained: (options.retainedSizes ?? false) && (k === 0 || k === graphs.length - 1),
    members: !countsOnly && k === 0,
    collections: !countsOnly,
    label: labels[k],
  }));
  return combineGrowth(summaries, last, sameProcess, options);
}

/**
 * The growth report from per-snapshot summaries (oldest first) and the last snapshot's graph, which
 * the new-and-alive columns need. `sameProcess` is the already-checked evidence per pair.
 */
export function combineGrowth(summaries: SnapshotSummary[], last: HeapGraph, sameProcess: SameProcessEvidence[], options: GrowthOptions = {}): GrowthResult {
  const names = options.names ?? 'devtools';
  const countsOnly = options.countsOnly ?? false;
  const exampleCount = options.exampleCount ?? DEFAULT_EXAMPLES;

  // One global class id per grouping key across the series.
  const globalIdByKey = new Map<string, number>();
  const globalNames: string[] = [];
  const globalKeys: string[] = [];
  const toGlobal = summaries.map((summary) => {
    const map = new Uint32Array(summary.names.length);
    for (let c = 0; c < summary.names.length; c++) {
      const key = countsOnly ? summary.names[c] : summary.keys[c];
      let g = globalIdByKey.get(key);
      if (g === undefined) {
        g = globalNames.length;
        globalIdByKey.set(key, g);
        globalNames.push(summary.names[c]);
        globalKeys.push(key);
      }
      map[c] = g;
    }
    return map;
  });
  const classCount = globalNames.length;
  const byGlobal = (column: Float64Array, k: number) => {
    const result = new Float64Array(classCount);
    for (let c = 0; c < column.length; c++) result[toGlobal[k][c]] += column[c];
    return result;
  };
  const counts = summaries.map((s, k) => byGlobal(s.counts, k));
  const sizes = summaries.map((s, k) => byGlobal(s.sizes, k));
  const snapshots = summaries.map((s) => s.info);

  const lastK = summaries.length - 1;
  const idFacts = countsOnly ? null : compareIds(summaries[0], counts[0], last, toGlobal[0], toGlobal[lastK], globalNames, globalKeys, options.rawSizes, exampleCount, names);
  const firstRetained = summaries[0].retained;
  const lastRetained = summaries[lastK].retained;
  const retained = firstRetained !== null && lastRetained !== null ? [byGlobal(firstRetained, 0), byGlobal(lastRetained, lastK)] : null;

  const classes: ClassGrowth[] = [];
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
      heldBy: idFacts ? idFacts.heldBy[c] : null,
      mainHolder: idFacts ? idFacts.mainHolder[c] : null,
      examples: idFacts ? idFacts.examples[c] ?? [] : [],
      newOrdinals: idFacts ? idFacts.newOrdinalsOf(c) : new Uint32Array(0),
    });
  }
  classes.sort(compareGrowth);
  const censuses = summaries.map((s) => s.collections);
  const accumulation = countsOnly || !censuses.every((c) => c !== null) ? null
    : findAccumulationPoints(censuses, last, { classes: computeClassIndex(last, names), firstMaxObjectId: summaries[0].info.maxObjectId });
  return {
    snapshots,
    classes,
    totalSizeDelta: snapshots[lastK].totalSize - snapshots[0].totalSize,
    names,
    countsOnly,
    sameProcess,
    knownClasses: { names: globalNames, keys: globalKeys },
    accumulation,
  };
}

/** Largest count growth first, then size growth, then name: a stable order for reports and tests. */
export function compareGrowth(a: ClassGrowth, b: ClassGrowth): number {
  return b.delta - a.delta || b.sizeDelta - a.sizeDelta || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);
}

interface IdFacts {
  heldBy: HolderCounts[];
  mainHolder: ({ name: string; key: string; count: number } | null)[];
  newAlive: Float64Array;
  newAliveSize: Float64Array;
  added: Float64Array;
  deleted: Float64Array;
  examples: number[][];
  newOrdinalsOf(globalClass: number): Uint32Array;
}

/**
 * First vs last by id. New-and-alive: odd id above the first snapshot's newest. Added/deleted: the
 * last snapshot's members joined with the first's by id (members-by-id.ts; docs/FORMAT.md §5.1 — DevTools
 * merges per-class sorted id lists, which counts the same).
 */
function compareIds(
  first: SnapshotSummary, firstCounts: Float64Array, last: HeapGraph, firstMap: Uint32Array, lastMap: Uint32Array,
  globalNames: string[], globalKeys: string[], rawSizes: boolean | undefined, exampleCount: number, names: NameMode,
): IdFacts {
  const classCount = globalNames.length;
  const newAlive = new Float64Array(classCount);
  const newAliveSize = new Float64Array(classCount);
  const added = new Float64Array(classCount);
  const deleted = new Float64Array(classCount);
  const examples: number[][] = [];
  const limit = first.info.maxObjectId;
  const lastSizes = selfSizesFor(last, rawSizes);
  const lastClassOf = computeClassIndex(last, names).classOf;

  // New-and-alive members of the last snapshot, grouped by class with a counting sort.
  const ids = last.nodeId;
  const isNewMember = (i: number) => lastSizes[i] !== 0 && (ids[i] & 1) === 1 && ids[i] > limit;
  for (let i = 0; i < last.nodeCount; i++) {
    if (!isNewMember(i)) continue;
    const c = lastMap[lastClassOf[i]];
    newAlive[c]++;
    newAliveSize[c] += lastSizes[i];
  }
  const start = new Uint32Array(classCount + 1);
  for (let c = 0; c < classCount; c++) start[c + 1] = start[c] + newAlive[c];
  const fill = start.slice(0, classCount);
  const ordinals = new Uint32Array(start[classCount]);
  for (let i = 0; i < last.nodeCount; i++) if (isNewMember(i)) ordinals[fill[lastMap[lastClassOf[i]]]++] = i;
  for (let c = 0; c < classCount; c++) {
    if (newAlive[c] === 0) continue;
    const ids = Array.from(ordinals.subarray(start[c], start[c + 1]), (o) => last.nodeId[o]).sort((x, y) => x - y);
    examples[c] = ids.slice(0, exampleCount);
  }

  countAddedAndDeleted(first.members!, firstMap, firstCounts, { graph: last, classOf: lastClassOf, sizes: lastSizes }, lastMap, added, deleted);
  const holders = computeHolders(last);
  const heldBy: HolderCounts[] = [];
  for (let c = 0; c < classCount; c++) heldBy.push(countHolders(holders, ordinals.subarray(start[c], start[c + 1])));
  const mainHolder = findMainHolders(last, holders, lastClassOf, lastMap, globalNames, globalKeys, ordinals, start, limit);
  return {
    heldBy, mainHolder, newAlive, newAliveSize, added, deleted, examples,
    newOrdinalsOf: (c) => ordinals.slice(start[c], start[c + 1]),
  };
}

/**
 * Per built-in class, the named class whose new members hold most of its program-held new members:
 * from each such member, walk up the first search's parents (holders.ts) to the first object of a
 * named class; it counts when that object is itself new. Walks stop at nodes already resolved and
 * every node on a walk is resolved with it, so the total work is linear in the heap.
 */
function findMainHolders(
  last: HeapGraph, holders: HoldersResult, lastClassOf: ArrayLike<number>, lastMap: Uint32Array,
  globalNames: string[], globalKeys: string[], ordinals: Uint32Array, start: Uint32Array, firstMaxId: number,
): ({ name: string; key: string; count: number } | null)[] {
  const classCount = globalNames.length;
  const isBuiltIn = globalNames.map(isBuiltInClassName);
  const result: ({ name: string; key: string; count: number } | null)[] = new Array(classCount).fill(null);
  const hasWork = isBuiltIn.some((b, c) => b && start[c + 1] > start[c]);
  if (!hasWork) return result;
  const UNRESOLVED = -2;
  const NONE = -1;
  // Per node: the global class of the new named object that holds it, NONE, or UNRESOLVED.
  const holderClass = new Int32Array(last.nodeCount).fill(UNRESOLVED);
  const path: number[] = [];
  const resolve = (node: number): number => {
    path.length = 0;
    let x = node;
    let answer = NONE;
    while (true) {
      if (holderClass[x] !== UNRESOLVED) { answer = holderClass[x]; break; }
      const c = lastMap[lastClassOf[x]];
      if (x !== node && !isBuiltIn[c]) {
        const id = last.nodeId[x];
        answer = (id & 1) === 1 && id > firstMaxId ? c : NONE;
        holderClass[x] = answer;
        break;
      }
      path.push(x);
      const up = holders.parent[x];
      if (up === NO_PARENT) break;
      x = up;
    }
    for (const p of path) holderClass[p] = answer;
    return answer;
  };
  for (let c = 0; c < classCount; c++) {
    if (!isBuiltIn[c] || start[c + 1] === start[c]) continue;
    const tally = new Map<number, number>();
    for (let k = start[c]; k < start[c + 1]; k++) {
      const node = ordinals[k];
      if (holders.kind[node] !== HELD_BY_PROGRAM) continue;
      const h = resolve(node);
      if (h >= 0) tally.set(h, (tally.get(h) ?? 0) + 1);
    }
    let best = -1;
    let bestCount = 0;
    for (const [h, count] of tally) if (count > bestCount || (count === bestCount && h < best)) { best = h; bestCount = count; }
    if (best >= 0) result[c] = { name: globalNames[best], key: globalKeys[best], count: bestCount };
  }
  return result;
}
