// Accumulation points across a series of snapshots of one process (issue 16): the collections
// whose element or entry count grew at every step, ranked by the growth of what they retain. It is
// Eclipse MAT's accumulation point in time: the one Array, Map, Set, plain-object dictionary or
// listener list that the program keeps appending to, which is what a user must fix.
//
// A *collection* is a JavaScript object (node type `object`, not one of V8's `system / …` objects);
// its *members* are its slots that hold heap objects:
//   - element edges (Array elements, integer keys), counted on the object itself, where V8 puts them
//     whatever store holds them (fast elements or a number dictionary);
//   - property edges but `__proto__` (a plain object used as a dictionary, an EventEmitter's `_events`);
//   - the entries of a Map's or Set's hash table, the V8 internal store under `{table}`: as in
//     suspects.ts, a store counts as part of the collection that owns it.
// Small integers live inside their slots and are no nodes, so a Map of numbers to numbers has no
// members: it holds no memory either.
//
// Algorithm: census every snapshot (one pass over its objects and their edges: ids, member counts
// and, for the first, retained sizes, sorted by id), then walk the last snapshot's census back
// through the earlier ones by id (a merge of sorted arrays): a collection stays a candidate while it
// exists in the earlier snapshot with strictly fewer members. Survivors that grew by at least
// `minGrowth` members and that the program holds (holders.ts) are ranked by retained growth.
// Censuses are plain typed arrays, so the earlier snapshots can be summarised in a worker.
// Cost: O(N + E) per snapshot for the census plus a radix sort of the object ids, O(objects) for the
// merge; per reported point, one lasting chain (holders, cached) and one pass over its members.

import type { HeapGraph } from '../snapshot/heap-graph.ts';
import type { ClassIndexResult } from '../snapshot/class-names.ts';
import { sortedPositions } from '../snapshot/typed-arrays.ts';
import { CONTEXT_NAME, NATIVE_CONTEXT_NAME, PREVIOUS_CONTEXT_EDGE, SYSTEM_NAME_PREFIX } from '../snapshot/v8-names.ts';
import { internalEdgeTarget } from './source-locations.ts';
import { computeDominatorTree } from './dominators.ts';
import { computeHolders, HELD_BY_PROGRAM, NO_PARENT } from './holders.ts';
import { edgeBetween, findLastingChain } from './lasting-chain.ts';
import type { ChainViewLimits, ChainViewResult } from './paths.ts';

/** The growth gate's default `--min-delta`: growth of fewer members is warm-up noise, not accumulation. */
export const DEFAULT_MIN_MEMBER_GROWTH = 10;
/** How many points a report names: the top few lead the growth report; the rest is the class table's. */
export const DEFAULT_POINT_LIMIT = 5;
/** A point's chain shows where it starts and where it is held (the variable), as suspects' chains do. */
export const ACCUMULATION_CHAIN_LIMITS: ChainViewLimits = { head: 3, tail: 10 };

/** Collections of one snapshot by object id (plain typed arrays: they cross worker boundaries). */
export interface CollectionCensus {
  /** Object ids, ascending. */
  ids: Uint32Array;
  /** Members per collection, at the same positions. */
  counts: Uint32Array;
  /** DevTools' retained size per collection, when asked for (the first snapshot's). */
  retained: Float64Array | null;
}

export type MemberUnit = 'elements' | 'entries' | 'properties';

export interface AccumulationPoint {
  /** Ordinal in the last snapshot. */
  node: number;
  id: number;
  /** Members in every snapshot, oldest first: strictly increasing. */
  counts: number[];
  /** What its members are: Array elements, Map or Set entries, or properties. */
  unit: MemberUnit;
  /** Retained size in the first and the last snapshot; null when the first's was not measured. */
  retainedSizes: [number, number] | null;
  /** Last − first retained size; null with retainedSizes. */
  retainedSizeDelta: number | null;
  /** A shortest chain from a lasting root (the variable or property that holds it last); null if none. */
  chain: ChainViewResult | null;
  /** The edge into the collection on its chain: its variable or property (`->requestLog`); -1 if none. */
  heldAs: number;
  /** The innermost closure on the chain: the function whose scope holds it (its location is the line to change); -1 if none. */
  heldFrom: number;
  /**
   * When that scope is a module's own (its context's enclosing one is the realm's native context), the
   * edge out of it toward the collection: the module-level variable that holds it (`->configBus` for
   * the listener array of a module-level emitter); else -1.
   */
  moduleVariable: number;
  /** The class (of `classes`) of most of its members allocated after the first snapshot; -1 when none is new. */
  mainClass: number;
  /** How many of its members are of mainClass and new. */
  mainClassCount: number;
}

export interface AccumulationResult {
  /** Largest retained growth first (member growth when retained sizes are missing), at most `limit`. */
  points: AccumulationPoint[];
  /** Collections that grew at every step by at least minGrowth, before the limit. */
  candidateCount: number;
  minGrowth: number;
}

export interface AccumulationOptions {
  /** Least member growth from first to last (default DEFAULT_MIN_MEMBER_GROWTH). */
  minGrowth?: number;
  /** Points to report (default DEFAULT_POINT_LIMIT; 0 = all). */
  limit?: number;
  /** The last snapshot's classes, for each point's mainClass (growth's class index). */
  classes?: ClassIndexResult;
  /** The first snapshot's highest object id: members above it are new (default: no mainClass). */
  firstMaxObjectId?: number;
}

/** The collections of `graph` and their member counts (see the file comment); retained sizes with `withRetained`. */
export function censusCollections(graph: HeapGraph, withRetained: boolean): CollectionCensus {
  const { nodeType, nodeName, nodeId } = graph;
  const object = graph.types.object;
  const systemNames = systemNameFlags(graph);
  const members = new MemberCounter(graph);
  let collectionCount = 0;
  for (let node = 0; node < graph.nodeCount; node++) if (nodeType[node] === object && systemNames[nodeName[node]] === 0) collectionCount++;
  const ordinals = new Uint32Array(collectionCount);
  const idsInNodeOrder = new Uint32Array(collectionCount);
  const countsInNodeOrder = new Uint32Array(collectionCount);
  let k = 0;
  for (let node = 0; node < graph.nodeCount; node++) {
    if (nodeType[node] !== object || systemNames[nodeName[node]] !== 0) continue;
    members.count(node);
    ordinals[k] = node;
    idsInNodeOrder[k] = nodeId[node];
    countsInNodeOrder[k] = members.elements + members.properties + members.entries;
    k++;
  }
  const order = sortedPositions(idsInNodeOrder);
  const ids = new Uint32Array(collectionCount);
  const counts = new Uint32Array(collectionCount);
  const retainedSizes = withRetained ? computeDominatorTree(graph).retained : null;
  const retained = retainedSizes === null ? null : new Float64Array(collectionCount);
  for (let i = 0; i < collectionCount; i++) {
    const at = order[i];
    ids[i] = idsInNodeOrder[at];
    counts[i] = countsInNodeOrder[at];
    if (retained !== null) retained[i] = retainedSizes![ordinals[at]];
  }
  return { ids, counts, retained };
}

/**
 * The accumulation points of a series: `censuses` oldest first, the last one the census of `last`,
 * the last snapshot's graph, which names, sizes and chains the points.
 */
export function findAccumulationPoints(censuses: CollectionCensus[], last: HeapGraph, options: AccumulationOptions = {}): AccumulationResult {
  if (censuses.length < 2) throw new RangeError('accumulation points need at least two snapshots');
  const minGrowth = options.minGrowth ?? DEFAULT_MIN_MEMBER_GROWTH;
  const limit = options.limit ?? DEFAULT_POINT_LIMIT;
  const steps = censuses.length;
  const lastCensus = censuses[steps - 1];
  const first = censuses[0];

  // Candidates: positions in the last census (ascending, so ascending ids) with enough members to
  // have grown by minGrowth. Their counts per step live in one matrix, row = step.
  let total = 0;
  for (let i = 0; i < lastCensus.ids.length; i++) if (lastCensus.counts[i] >= minGrowth) total++;
  const lastPosition = new Uint32Array(total);
  for (let i = 0, c = 0; i < lastCensus.ids.length; i++) if (lastCensus.counts[i] >= minGrowth) lastPosition[c++] = i;
  const matrix = new Uint32Array(total * steps);
  const firstPosition = new Uint32Array(total);
  for (let c = 0; c < total; c++) matrix[(steps - 1) * total + c] = lastCensus.counts[lastPosition[c]];
  const alive = new Uint32Array(total);
  for (let c = 0; c < total; c++) alive[c] = c;
  let aliveCount = total;
  for (let step = steps - 2; step >= 0; step--) {
    const census = censuses[step];
    let kept = 0;
    let j = 0;
    for (let a = 0; a < aliveCount; a++) {
      const c = alive[a];
      const id = lastCensus.ids[lastPosition[c]];
      while (j < census.ids.length && census.ids[j] < id) j++;
      // Gone in this snapshot (a new collection, or a reused id), or not fewer members than next: out.
      if (j === census.ids.length || census.ids[j] !== id || census.counts[j] >= matrix[(step + 1) * total + c]) continue;
      matrix[step * total + c] = census.counts[j];
      if (step === 0) firstPosition[c] = j;
      alive[kept++] = c;
    }
    aliveCount = kept;
  }

  const holders = computeHolders(last).kind;
  const lastRetained = first.retained === null ? null : computeDominatorTree(last).retained;
  const found: { c: number; node: number; delta: number; retainedDelta: number }[] = [];
  for (let a = 0; a < aliveCount; a++) {
    const c = alive[a];
    const delta = matrix[(steps - 1) * total + c] - matrix[c];
    if (delta < minGrowth) continue;
    const node = last.ordinalOfId(lastCensus.ids[lastPosition[c]]);
    if (node < 0 || holders[node] !== HELD_BY_PROGRAM) continue;
    const retainedDelta = lastRetained === null ? 0 : lastRetained[node] - first.retained![firstPosition[c]];
    found.push({ c, node, delta, retainedDelta });
  }
  found.sort((x, y) => y.retainedDelta - x.retainedDelta || y.delta - x.delta || x.node - y.node);
  const shown = limit > 0 ? found.slice(0, limit) : found;
  const members = new MemberCounter(last);
  const heldFrom = holdingClosures(last, shown.map((p) => p.node));
  const points = shown.map(({ c, node }, k): AccumulationPoint => {
    const counts: number[] = [];
    for (let step = 0; step < steps; step++) counts.push(matrix[step * total + c]);
    const retainedSizes: [number, number] | null = lastRetained === null ? null : [first.retained![firstPosition[c]], lastRetained[node]];
    const chain = findLastingChain(last, node, ACCUMULATION_CHAIN_LIMITS);
    const heldAs = chain === null || chain.steps.length === 0 ? -1 : chain.steps[chain.steps.length - 1].edge;
    members.count(node);
    const unit: MemberUnit = members.entries >= members.elements && members.entries >= members.properties ? 'entries'
      : members.elements >= members.properties ? 'elements' : 'properties';
    const main = options.classes !== undefined && options.firstMaxObjectId !== undefined
      ? mainNewClass(last, node, options.classes.classOf, options.firstMaxObjectId, lastRetained ?? last.selfSize) : { cls: -1, count: 0 };
    return {
      node, id: last.nodeId[node], counts, unit, retainedSizes,
      retainedSizeDelta: retainedSizes === null ? null : retainedSizes[1] - retainedSizes[0],
      chain, heldAs, heldFrom: heldFrom[k].closure, moduleVariable: heldFrom[k].moduleVariable, mainClass: main.cls, mainClassCount: main.count,
    };
  });
  return { points, candidateCount: found.length, minGrowth };
}

/**
 * Per string index: 1 when the name is one of V8's own objects (`system / Context`, `system / Map`…),
 * 0 when not, -1 not yet looked at. Objects have few distinct names, so each is decoded once.
 */
function systemNameFlags(graph: HeapGraph): Int8Array {
  const flags = new Int8Array(graph.strings.count).fill(-1);
  const object = graph.types.object;
  for (let node = 0; node < graph.nodeCount; node++) {
    const name = graph.nodeName[node];
    if (graph.nodeType[node] === object && flags[name] < 0) flags[name] = graph.strings.get(name).startsWith(SYSTEM_NAME_PREFIX) ? 1 : 0;
  }
  return flags;
}

/**
 * Counts one collection's members (see the file comment) by kind. Table entries: a Map's hash table
 * (V8's OrderedHashMap) stores entries as [key, value, chain] slots, a Set's as [key, chain], and
 * the snapshot names each slot edge by its index; so a Map's key and value share the entry
 * floor((index − r) / 3), r being its key slots' residue mod 3 (the smaller of the two residues
 * seen), and a Set's slots (one parity) are one entry each.
 */
class MemberCounter {
  elements = 0;
  properties = 0;
  entries = 0;
  readonly #graph: HeapGraph;
  readonly #protoNames: Set<number>;
  readonly #tableNames: Set<number>;

  constructor(graph: HeapGraph) {
    this.#graph = graph;
    this.#protoNames = new Set(graph.strings.indexesOf('__proto__'));
    this.#tableNames = new Set(graph.strings.indexesOf('table'));
    ({ bytes: this.#bytes, offsets: this.#offsets } = graph.strings.parts);
  }

  count(node: number): void {
    const { firstEdge, edgeType, edgeNameOrIndex, edgeTarget, nodeType } = this.#graph;
    const { element, property, internal, array } = this.#graph.types;
    this.elements = this.properties = this.entries = 0;
    for (let e = firstEdge[node]; e < firstEdge[node + 1]; e++) {
      const type = edgeType[e];
      if (type === element) this.elements++;
      else if (type === property) {
        if (!this.#protoNames.has(edgeNameOrIndex[e])) this.properties++;
      } else if (type === internal && this.#tableNames.has(edgeNameOrIndex[e]) && nodeType[edgeTarget[e]] === array) {
        this.entries += this.#tableEntries(edgeTarget[e]);
      }
    }
  }

  #tableEntries(table: number): number {
    const { firstEdge } = this.#graph;
    let slots = 0;
    let parities = 0;
    let residues = 0;
    for (let e = firstEdge[table]; e < firstEdge[table + 1]; e++) {
      const index = this.#slotIndex(e);
      if (index < 0) continue;
      slots++;
      parities |= 1 << (index & 1);
      residues |= 1 << (index % 3);
    }
    // One parity: a Set, or a Map whose keys or values are all small integers (no edges).
    if (parities !== 3 || (residues !== 3 && residues !== 6 && residues !== 5)) return slots;
    const keyResidue = residues === 3 ? 0 : residues === 6 ? 1 : 2;
    let entries = 0;
    let previous = -1;
    for (let e = firstEdge[table]; e < firstEdge[table + 1]; e++) {
      const index = this.#slotIndex(e);
      if (index < 0) continue;
      const entry = Math.floor((index - keyResidue) / 3);
      if (entry !== previous) entries++;
      previous = entry;
    }
    return entries;
  }

  /**
   * The slot index an edge of a hash table is named by, or -1 (its `map`, other internals, oddballs). Internal
   * edge names are strings ("4099"): their digits are read from the string table's bytes, since
   * decoding a string per slot of a million-entry Map would cost more than the rest of the census.
   */
  #slotIndex(edge: number): number {
    const graph = this.#graph;
    // A deleted entry's key and value are V8's hole (an oddball, a `hidden` node) until the table is
    // rehashed; counting them would make a bounded cache look like it grows.
    if (graph.nodeType[graph.edgeTarget[edge]] === graph.types.hidden) return -1;
    if (graph.isIndexEdge(edge)) return graph.edgeNameOrIndex[edge];
    if (graph.edgeType[edge] !== graph.types.internal) return -1;
    const name = graph.edgeNameOrIndex[edge];
    const start = this.#offsets[name];
    const end = this.#offsets[name + 1];
    if (end === start || end - start > MAX_INDEX_DIGITS) return -1;
    let index = 0;
    for (let k = start; k < end; k++) {
      const digit = this.#bytes[k] - DIGIT_ZERO;
      if (digit < 0 || digit > 9) return -1;
      index = index * 10 + digit;
    }
    return index;
  }

  readonly #bytes: Uint8Array;
  readonly #offsets: Uint32Array;
}

const DIGIT_ZERO = 0x30;
/** Table slots are below 2^31: more digits is a name, not an index. */
const MAX_INDEX_DIGITS = 10;

/**
 * The function whose scope holds each of `nodes` (closure -1 if none): up the holders' parents, the
 * first closure, or the first context (a closure's or a module's scope, where a variable lives),
 * named by the earliest located closure that uses that context; and for a module's own scope, the
 * edge out of it on the way (the module-level variable). Contexts are matched in one pass over the
 * located closures (graph.locObject), not through retainers.
 */
function holdingClosures(graph: HeapGraph, nodes: number[]): { closure: number; moduleVariable: number }[] {
  const { parent } = computeHolders(graph);
  const { closure, context } = graph.types;
  const contextNames = new Set(graph.strings.indexesOf('context'));
  const contextName = graph.strings.indexesOf(CONTEXT_NAME);
  const nativeContextNames = new Set(graph.strings.indexesOf(NATIVE_CONTEXT_NAME));
  const previousNames = new Set(graph.strings.indexesOf(PREVIOUS_CONTEXT_EDGE));
  // A module's scope (an ES module's, a CommonJS wrapper's, a script's) encloses no other function's.
  const isModuleScope = (scope: number) => {
    const outer = internalEdgeTarget(graph, scope, previousNames);
    return outer >= 0 && nativeContextNames.has(graph.nodeName[outer]);
  };
  const found = nodes.map(() => ({ closure: -1, moduleVariable: -1 }));
  const wanted = new Map<number, number[]>();
  nodes.forEach((node, k) => {
    for (let below = node, v = parent[node]; v !== NO_PARENT && v !== graph.rootOrdinal; below = v, v = parent[v]) {
      if (graph.nodeType[v] === closure) {
        found[k].closure = v;
        return;
      }
      if (contextName.includes(graph.nodeName[v])) {
        if (isModuleScope(v)) found[k].moduleVariable = edgeBetween(graph, v, below);
        wanted.set(v, [...(wanted.get(v) ?? []), k]);
        return;
      }
    }
  });
  if (wanted.size === 0) return found;
  const { locObject, locLine, locColumn, firstEdge, edgeType, edgeNameOrIndex, edgeTarget } = graph;
  const best = new Map<number, number>();
  for (let k = 0; k < locObject.length; k++) {
    const fn = locObject[k];
    if (graph.nodeType[fn] !== closure) continue;
    for (let e = firstEdge[fn]; e < firstEdge[fn + 1]; e++) {
      if (edgeType[e] !== context && !contextNames.has(edgeNameOrIndex[e])) continue;
      const scope = edgeTarget[e];
      if (!wanted.has(scope)) continue;
      const current = best.get(scope);
      if (current === undefined || locLine[k] < locLine[current] || (locLine[k] === locLine[current] && locColumn[k] < locColumn[current])) best.set(scope, k);
    }
  }
  for (const [scope, indexes] of wanted) {
    const k = best.get(scope);
    if (k !== undefined) for (const i of indexes) found[i].closure = locObject[k];
  }
  return found;
}

/**
 * The class of most of `node`'s members newer than `firstMaxObjectId`, and how many; between classes
 * of equal count (a Map's new keys and new values), the one whose members weigh more (`weights`).
 */
function mainNewClass(graph: HeapGraph, node: number, classOf: ArrayLike<number>, firstMaxObjectId: number, weights: ArrayLike<number>): { cls: number; count: number } {
  const counts = new Map<number, number>();
  const weightOf = new Map<number, number>();
  const add = (target: number) => {
    const id = graph.nodeId[target];
    if ((id & 1) === 0 || id <= firstMaxObjectId) return;
    const cls = classOf[target];
    counts.set(cls, (counts.get(cls) ?? 0) + 1);
    weightOf.set(cls, (weightOf.get(cls) ?? 0) + weights[target]);
  };
  const { firstEdge, edgeType, edgeTarget, nodeType } = graph;
  const { element, property, internal, array } = graph.types;
  const tableNames = new Set(graph.strings.indexesOf('table'));
  for (let e = firstEdge[node]; e < firstEdge[node + 1]; e++) {
    const type = edgeType[e];
    if (type === element || type === property) add(edgeTarget[e]);
    else if (type === internal && tableNames.has(graph.edgeNameOrIndex[e]) && nodeType[edgeTarget[e]] === array) {
      // Array elements are counted above, on the array; a Map's or Set's only through its table.
      const store = edgeTarget[e];
      for (let f = firstEdge[store]; f < firstEdge[store + 1]; f++) if (graph.isIndexEdge(f) || edgeType[f] === internal) add(edgeTarget[f]);
    }
  }
  let cls = -1;
  let count = 0;
  for (const [c, n] of counts) {
    if (n > count || (n === count && weightOf.get(c)! > weightOf.get(cls)!)) [cls, count] = [c, n];
  }
  return { cls, count };
}
