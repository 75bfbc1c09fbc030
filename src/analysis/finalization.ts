// Registrations a FinalizationRegistry can never finalize (docs/FORMAT.md §7.4).
//
// A registered target is finalized only once nothing but weak references reaches it. The registry
// itself holds its cells strongly, and each cell holds its held value ("holdings") strongly; the
// registry also holds its cleanup callback. So if the held value, another registration's held
// value, or the callback's closure reaches the target, the target lives as long as the registry —
// JavaScript's version of Python's uncollectable `__del__` cycles.
//
// Algorithm (verified on real Node 18–24 snapshots, fixtures/finreg-node*.heapsnapshot.gz):
//   1. Cells are `hidden` nodes named `system / WeakCell`. Their edges are identified by type and
//      name, or by the kind of node they lead to — never by hidden slot numbers, which shift across
//      V8 versions: `weak "target"`, `weak "unregister_token"`; among the `hidden` edges to nodes
//      that are not WeakCells (the others link the cell lists), the lowest-numbered one is the
//      registry and the next one the held value (absent for undefined, null, booleans, small ints).
//      A registry's cleanup callback is its `hidden` edge to a `closure`.
//   2. R = nodes reachable from the root over non-weak edges, never leaving a WeakCell and never
//      following a registry → cleanup-callback edge: what the program reaches by itself.
//   3. A live cell (one with a target) whose target is not in R leaks. One BFS per such registry,
//      over non-weak edges through nodes outside R (WeakCells allowed), gives each leaked target
//      its shortest path from the registry. The path says why: it leaves through the callback, or
//      through the held value of the target's own cell, or of another cell. Following "whose held
//      value keeps my target" from cell to cell ends in a loop (in a functional graph every walk
//      does); cells on a loop of two or more are one cycle of crossed held values.
//   4. Cells without a target were cleared: their callbacks have not run yet (pending cleanups).
// Cost: O(N + E) for R, plus one BFS over the non-R region per registry with leaks; 3 arrays of N.

import type { HeapGraph } from '../snapshot/heap-graph.ts';
import { WEAK_CELL_NAME } from '../snapshot/v8-names.ts';
import type { EdgeStep } from './edge-step.ts';

export type FinalizationReason =
  /** `register(t, held)` where `held` references `t`. */
  | 'held-value-references-target'
  /** Registrations whose held values reference each other's targets: one cycle (same `group`). */
  | 'held-values-reference-each-other'
  /** The registry's cleanup callback closes over the target. */
  | 'callback-captures-target'
  /** Kept by the held value of another leaking registration that is not itself in a cycle with it. */
  | 'held-by-another-registration';

export interface FinalizationLeak {
  /** The WeakCell of the registration. */
  cell: number;
  registry: number;
  target: number;
  reason: FinalizationReason;
  /** Strong path from the registry to the target, one step per edge. */
  path: EdgeStep[];
  /** For crossed held values: registrations in one cycle share a group number (1, 2, …); else 0. */
  group: number;
  /** The cell whose held value (or -1: the registry's callback) keeps the target. */
  keeperCell: number;
  /** The registry's cleanup callback (findCleanupCallback), or -1. */
  callback: number;
}

export interface WeakCellFacts {
  cell: number;
  registry: number;
  /** -1 once the target was collected (the cell is cleared, its cleanup pending). */
  target: number;
  token: number;
  holdings: number;
}

export interface FinalizationResult {
  cells: WeakCellFacts[];
  /** Distinct registries that own at least one cell. */
  registries: number[];
  leaks: FinalizationLeak[];
  /** Cleared cells whose callback has not run yet. */
  pendingCleanups: WeakCellFacts[];
}

/** Reads every WeakCell's registry, target, token and held value (step 1). */
export function findWeakCells(graph: HeapGraph): WeakCellFacts[] {
  const { types, nodeType, nodeName, firstEdge, edgeTarget, edgeType, edgeNameOrIndex } = graph;
  const cellNames = new Set(graph.strings.indexesOf(WEAK_CELL_NAME));
  const targetNames = new Set(graph.strings.indexesOf('target'));
  const tokenNames = new Set(graph.strings.indexesOf('unregister_token'));
  const cells: WeakCellFacts[] = [];
  if (cellNames.size === 0) return cells;
  const isCell = (o: number) => nodeType[o] === types.hidden && cellNames.has(nodeName[o]);
  for (let o = 0; o < graph.nodeCount; o++) {
    if (!isCell(o)) continue;
    let target = -1;
    let token = -1;
    // Hidden slots to non-cells, kept as (index, node) pairs in slot order.
    let firstIndex = Infinity;
    let first = -1;
    let secondIndex = Infinity;
    let second = -1;
    for (let e = firstEdge[o]; e < firstEdge[o + 1]; e++) {
      const type = edgeType[e];
      const to = edgeTarget[e];
      if (type === types.weak) {
        if (targetNames.has(edgeNameOrIndex[e])) target = to;
        else if (tokenNames.has(edgeNameOrIndex[e])) token = to;
      } else if (type === types.hiddenEdge && !isCell(to)) {
        const index = edgeNameOrIndex[e];
        if (index < firstIndex) {
          secondIndex = firstIndex; second = first;
          firstIndex = index; first = to;
        } else if (index < secondIndex) {
          secondIndex = index; second = to;
        }
      }
    }
    if (first < 0 || nodeType[first] !== types.object) continue; // not a layout we understand
    cells.push({ cell: o, registry: first, target, token, holdings: second });
  }
  return cells;
}

/** The registry's cleanup callback: its hidden edge to a closure (-1 if none). */
export function findCleanupCallback(graph: HeapGraph, registry: number): number {
  for (let e = graph.firstEdge[registry]; e < graph.firstEdge[registry + 1]; e++) {
    if (graph.edgeType[e] === graph.types.hiddenEdge && graph.nodeType[graph.edgeTarget[e]] === graph.types.closure) return graph.edgeTarget[e];
  }
  return -1;
}

/** Step 2: what the program reaches without the finalization machinery. */
export function computeReachableWithoutFinalization(graph: HeapGraph, cells: WeakCellFacts[]): Uint8Array {
  const n = graph.nodeCount;
  const { types, nodeType, firstEdge, edgeTarget, edgeType } = graph;
  const isCell = new Uint8Array(n);
  const isRegistry = new Uint8Array(n);
  for (const c of cells) {
    isCell[c.cell] = 1;
    isRegistry[c.registry] = 1;
  }
  const reached = new Uint8Array(n);
  const queue = new Uint32Array(n);
  let tail = 0;
  reached[graph.rootOrdinal] = 1;
  queue[tail++] = graph.rootOrdinal;
  for (let head = 0; head < tail; head++) {
    const v = queue[head];
    if (isCell[v] === 1) continue;
    const registry = isRegistry[v] === 1;
    for (let e = firstEdge[v]; e < firstEdge[v + 1]; e++) {
      if (edgeType[e] === types.weak) continue;
      const w = edgeTarget[e];
      if (registry && edgeType[e] === types.hiddenEdge && nodeType[w] === types.closure) continue;
      if (reached[w] === 1) continue;
      reached[w] = 1;
      queue[tail++] = w;
    }
  }
  return reached;
}

export function findUnfinalizableRegistrations(graph: HeapGraph): FinalizationResult {
  return graph.cached('finalization', () => analyse(graph));
}

function analyse(graph: HeapGraph): FinalizationResult {
  const cells = findWeakCells(graph);
  const registries = [...new Set(cells.map((c) => c.registry))];
  const pendingCleanups = cells.filter((c) => c.target < 0);
  const reached = computeReachableWithoutFinalization(graph, cells);
  const leaking = cells.filter((c) => c.target >= 0 && reached[c.target] === 0);
  if (leaking.length === 0) return { cells, registries, leaks: [], pendingCleanups };

  const n = graph.nodeCount;
  const isCell = new Uint8Array(n);
  for (const c of cells) isCell[c.cell] = 1;
  const parentEdge = new Uint32Array(n);
  const parentNode = new Uint32Array(n);
  const visitedBy = new Int32Array(n).fill(-1);
  const byRegistry = new Map<number, WeakCellFacts[]>();
  for (const c of leaking) {
    const list = byRegistry.get(c.registry);
    if (list) list.push(c);
    else byRegistry.set(c.registry, [c]);
  }

  const leaks: FinalizationLeak[] = [];
  let search = 0;
  for (const [registry, list] of byRegistry) {
    const callback = findCleanupCallback(graph, registry);
    exploreOutsideReach(graph, registry, search, reached, isCell, visitedBy, parentEdge, parentNode);
    for (const c of list) {
      const path: EdgeStep[] = [];
      if (visitedBy[c.target] === search) {
        for (let v = c.target; v !== registry; v = parentNode[v]) path.push({ edge: parentEdge[v], from: parentNode[v], to: v });
        path.reverse();
      }
      let keeperCell = -1;
      for (const step of path) if (isCell[step.to] === 1) keeperCell = step.to;
      const viaCallback = path.length > 0 && isCell[path[0].to] === 0;
      const reason: FinalizationReason = viaCallback ? 'callback-captures-target'
        : keeperCell === c.cell ? 'held-value-references-target' : 'held-by-another-registration';
      leaks.push({ cell: c.cell, registry, target: c.target, reason, path, group: 0, keeperCell: viaCallback ? -1 : keeperCell, callback });
    }
    search++;
  }
  groupCrossedRegistrations(leaks);
  return { cells, registries, leaks, pendingCleanups };
}

/** BFS from the registry through nodes outside R (and WeakCells), recording parents. */
function exploreOutsideReach(
  graph: HeapGraph, registry: number, search: number, reached: Uint8Array, isCell: Uint8Array,
  visitedBy: Int32Array, parentEdge: Uint32Array, parentNode: Uint32Array,
): void {
  const { firstEdge, edgeTarget, edgeType } = graph;
  const weak = graph.types.weak;
  const queue: number[] = [registry];
  visitedBy[registry] = search;
  for (let head = 0; head < queue.length; head++) {
    const v = queue[head];
    for (let e = firstEdge[v]; e < firstEdge[v + 1]; e++) {
      if (edgeType[e] === weak) continue;
      const w = edgeTarget[e];
      if (visitedBy[w] === search || (reached[w] === 1 && isCell[w] === 0)) continue;
      visitedBy[w] = search;
      parentEdge[w] = e;
      parentNode[w] = v;
      queue.push(w);
    }
  }
}

/**
 * Each leak points at the cell that keeps its target (its keeper). Walking keepers from any leak
 * ends in a loop; loops of two or more cells are crossed held values, numbered as groups.
 */
function groupCrossedRegistrations(leaks: FinalizationLeak[]): void {
  const byCell = new Map<number, number>();
  leaks.forEach((leak, i) => byCell.set(leak.cell, i));
  const state = new Uint8Array(leaks.length); // 0 new, 1 on the current walk, 2 done
  let group = 0;
  for (let start = 0; start < leaks.length; start++) {
    if (state[start] !== 0) continue;
    const walk: number[] = [];
    let i: number | undefined = start;
    while (i !== undefined && state[i] === 0) {
      state[i] = 1;
      walk.push(i);
      const keeper: number = leaks[i].keeperCell;
      i = keeper === leaks[i].cell ? undefined : byCell.get(keeper);
    }
    if (i !== undefined && state[i] === 1) {
      // The walk closed a loop at i: everything from i on is one cycle.
      group++;
      for (let k = walk.indexOf(i); k < walk.length; k++) {
        leaks[walk[k]].group = group;
        leaks[walk[k]].reason = 'held-values-reference-each-other';
      }
    }
    for (const k of walk) state[k] = 2;
  }
}
