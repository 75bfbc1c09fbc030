// The first snapshot's class members by object id, and the join with the last snapshot that gives
// DevTools' "# New" / "# Deleted" columns (docs/FORMAT.md §5.1): a member (class, id) of the last snapshot
// with no equal member in the first is added to its class, and the reverse is deleted.
//
// V8 numbers heap objects with odd ids from one counter that steps by 2 (docs/FORMAT.md §5.2), so the odd
// ids of a live heap are dense: a table indexed by id >>> 1 holds the first snapshot's members in
// one pass, and the last snapshot joins it in one pass over its nodes, with no sort. Even ids
// (embedder objects) are few and arbitrary: a short sorted list. The table exists exactly when the
// graph's own direct id table does (HeapGraph.directIdTable); when the odd ids are sparse (a
// long-lived process whose counter ran far ahead) or repeat (hand-made snapshots; V8 never repeats
// one), both sides fall back to id-sorted lists and a merge walk, which gives the same counts.

import type { HeapGraph } from '../snapshot/heap-graph.ts';
import type { SizeColumn } from './owned-sizes.ts';
import { indexInSorted } from '../snapshot/typed-arrays.ts';

/** Odd-id table entry of a node that is not a class member (adjusted self size 0). */
const NON_MEMBER = 0xffffffff;

/** Members of one snapshot by object id; local class ids, -1 (or NON_MEMBER) for non-members. */
export type MembersById =
  | {
    kind: 'table';
    /** Per odd id (index id >>> 1): 0 when absent, NON_MEMBER, or the local class + 1. */
    oddIds: Uint32Array;
    /** Even ids ascending, with their local classes. */
    evenIds: Uint32Array;
    evenClasses: Int32Array;
  }
  | { kind: 'sorted'; ids: Uint32Array; classes: Int32Array };

/**
 * `graph`'s members by id: class of node i is classOf[i] when sizes[i] ≠ 0. The table when it fits
 * ('auto'), else (or with 'sorted') the id-sorted lists.
 */
export function membersById(graph: HeapGraph, classOf: ArrayLike<number>, sizes: SizeColumn, layout: 'auto' | 'sorted' = 'auto'): MembersById {
  return (layout === 'auto' ? membersTable(graph, classOf, sizes) : null) ?? sortedMembers(graph, classOf, sizes);
}

function membersTable(graph: HeapGraph, classOf: ArrayLike<number>, sizes: SizeColumn): MembersById | null {
  // Its existence says the odd ids are dense and unique; the same-process check (ordinalOfId) uses it too.
  const direct = graph.directIdTable();
  if (direct === null) return null;
  const oddIds = new Uint32Array(direct.length);
  const even: number[] = [];
  const ids = graph.nodeId;
  for (let i = 0; i < graph.nodeCount; i++) {
    const id = ids[i];
    if ((id & 1) === 0) even.push(i);
    else oddIds[id >>> 1] = sizes[i] === 0 ? NON_MEMBER : classOf[i] + 1;
  }
  even.sort((a, b) => ids[a] - ids[b]);
  const evenIds = Uint32Array.from(even, (i) => ids[i]);
  for (let k = 1; k < evenIds.length; k++) if (evenIds[k] === evenIds[k - 1]) return null;
  const evenClasses = Int32Array.from(even, (i) => (sizes[i] === 0 ? -1 : classOf[i]));
  return { kind: 'table', oddIds, evenIds, evenClasses };
}

function sortedMembers(graph: HeapGraph, classOf: ArrayLike<number>, sizes: SizeColumn): MembersById {
  const { sortedIds, ordinals } = graph.idIndex();
  const classes = new Int32Array(sortedIds.length);
  for (let k = 0; k < ordinals.length; k++) classes[k] = sizes[ordinals[k]] === 0 ? -1 : classOf[ordinals[k]];
  return { kind: 'sorted', ids: sortedIds, classes };
}

/** The typed arrays of `members`, for moving them to another thread. */
export function membersBuffers(members: MembersById): ArrayBufferLike[] {
  return members.kind === 'table'
    ? [members.oddIds.buffer, members.evenIds.buffer, members.evenClasses.buffer]
    : [members.ids.buffer, members.classes.buffer];
}

/** The last snapshot's side of the join: its graph, classes and sizes. */
export interface LastMembers {
  graph: HeapGraph;
  classOf: ArrayLike<number>;
  sizes: SizeColumn;
}

/**
 * Adds DevTools' "# New" and "# Deleted" counts per global class into `added` and `deleted`.
 * `firstMap` / `lastMap` take local class ids to global ones; `firstCounts` is the first snapshot's
 * member count per global class. An id present in both in different classes counts in both columns.
 */
export function countAddedAndDeleted(
  first: MembersById, firstMap: Uint32Array, firstCounts: Float64Array,
  last: LastMembers, lastMap: Uint32Array, added: Float64Array, deleted: Float64Array,
): void {
  if (first.kind === 'table' && joinTable(first, firstMap, firstCounts, last, lastMap, added, deleted)) return;
  const lastSorted = sortedMembers(last.graph, last.classOf, last.sizes);
  if (lastSorted.kind !== 'sorted') throw new Error('unreachable');
  const firstSorted = first.kind === 'sorted' ? first : tableAsSorted(first);
  mergeSorted(firstSorted, lastSorted, firstMap, lastMap, added, deleted);
}

/**
 * One pass over the last snapshot's nodes, looking each id up in the first's table. Every id the
 * two share in one class is "matched"; the first's other members are deleted. False (and nothing
 * counted) when the last snapshot repeats an id: the merge walk handles repeats as multisets.
 */
function joinTable(
  first: Extract<MembersById, { kind: 'table' }>, firstMap: Uint32Array, firstCounts: Float64Array,
  last: LastMembers, lastMap: Uint32Array, added: Float64Array, deleted: Float64Array,
): boolean {
  const { oddIds, evenIds, evenClasses } = first;
  const { graph, classOf, sizes } = last;
  const ids = graph.nodeId;
  const n = graph.nodeCount;
  const classCount = added.length;
  const newAdded = new Float64Array(classCount);
  const matched = new Float64Array(classCount);
  const seen = new Uint8Array(((graph.maxOddObjectId() >>> 1) >>> 3) + 1);
  const evenSeen = new Set<number>();
  for (let i = 0; i < n; i++) {
    const id = ids[i];
    let firstClass = -1;
    if ((id & 1) === 1) {
      const slot = id >>> 1;
      const bit = 1 << (slot & 7);
      if ((seen[slot >>> 3] & bit) !== 0) return false;
      seen[slot >>> 3] |= bit;
      const entry = slot < oddIds.length ? oddIds[slot] : 0;
      if (entry !== 0 && entry !== NON_MEMBER) firstClass = firstMap[entry - 1];
    } else {
      if (evenSeen.has(id)) return false;
      evenSeen.add(id);
      const k = indexInSorted(evenIds, id);
      if (k >= 0 && evenClasses[k] >= 0) firstClass = firstMap[evenClasses[k]];
    }
    if (sizes[i] === 0) continue;
    const c = lastMap[classOf[i]];
    if (c === firstClass) matched[c]++;
    else newAdded[c]++;
  }
  for (let c = 0; c < classCount; c++) {
    added[c] += newAdded[c];
    deleted[c] += firstCounts[c] - matched[c];
  }
  return true;
}

/** The table's members as an id-sorted list (for the merge walk). */
function tableAsSorted(table: Extract<MembersById, { kind: 'table' }>): { ids: Uint32Array; classes: Int32Array } {
  const { oddIds, evenIds, evenClasses } = table;
  let count = evenIds.length;
  for (let s = 0; s < oddIds.length; s++) if (oddIds[s] !== 0) count++;
  const ids = new Uint32Array(count);
  const classes = new Int32Array(count);
  let k = 0;
  let e = 0;
  for (let s = 0; s < oddIds.length; s++) {
    const entry = oddIds[s];
    if (entry === 0) continue;
    const id = s * 2 + 1;
    for (; e < evenIds.length && evenIds[e] < id; e++, k++) [ids[k], classes[k]] = [evenIds[e], evenClasses[e]];
    ids[k] = id;
    classes[k++] = entry === NON_MEMBER ? -1 : entry - 1;
  }
  for (; e < evenIds.length; e++, k++) [ids[k], classes[k]] = [evenIds[e], evenClasses[e]];
  return { ids, classes };
}

/** Merge walk over both snapshots' members by id; local classes mapped to global ones. */
function mergeSorted(
  a: { ids: Uint32Array; classes: Int32Array }, b: { ids: Uint32Array; classes: Int32Array },
  firstMap: Uint32Array, lastMap: Uint32Array, added: Float64Array, deleted: Float64Array,
): void {
  const classA = (k: number) => (a.classes[k] < 0 ? -1 : firstMap[a.classes[k]]);
  const classB = (k: number) => (b.classes[k] < 0 ? -1 : lastMap[b.classes[k]]);
  const na = a.ids.length;
  const nb = b.ids.length;
  let i = 0;
  let j = 0;
  while (i < na || j < nb) {
    const idA = i < na ? a.ids[i] : Infinity;
    const idB = j < nb ? b.ids[j] : Infinity;
    if (idA < idB) {
      const c = classA(i++);
      if (c >= 0) deleted[c]++;
    } else if (idB < idA) {
      const c = classB(j++);
      if (c >= 0) added[c]++;
    } else {
      // Repeated ids (hand-made snapshots) match as multisets.
      let iEnd = i + 1;
      while (iEnd < na && a.ids[iEnd] === idA) iEnd++;
      let jEnd = j + 1;
      while (jEnd < nb && b.ids[jEnd] === idB) jEnd++;
      const before: number[] = [];
      for (let k = i; k < iEnd; k++) before.push(classA(k));
      for (let k = j; k < jEnd; k++) {
        const c = classB(k);
        const match = before.indexOf(c);
        if (match >= 0) before.splice(match, 1);
        else if (c >= 0) added[c]++;
      }
      for (const c of before) if (c >= 0) deleted[c]++;
      i = iEnd;
      j = jEnd;
    }
  }
}
