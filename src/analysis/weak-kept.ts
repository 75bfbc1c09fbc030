// Weak references that hold nothing weakly: WeakRef targets and WeakMap values that the program
// also keeps through ordinary strong references (docs/FORMAT.md §7.2, §7.3). The WeakRef or WeakMap
// then gives no memory benefit, and often hides a strong reference that was meant to go.
//
// Algorithm: S = nodes reachable from the root over strong edges, where "strong" leaves out weak
// edges, both ephemeron edges of every WeakMap entry (key → value and table → value, recognised by
// their `part of key … pair in WeakMap` names), and `(Strong roots)`'s `weak_refs_keep_during_job`
// list (KeepDuringJob holds a WeakRef target only until the current job ends, §7.2). A WeakRef
// (an object with a `weak "target"` edge) whose target is in S, and a WeakMap entry whose value is
// in S, is reported with the BFS path from the root that keeps it.
// Cost: O(N + E), one BFS; parents kept in two Uint32Arrays of N.

import type { HeapGraph } from '../snapshot/heap-graph.ts';
import { ephemeronNamesOf } from './distances.ts';
import { KEEP_DURING_JOB_EDGE } from '../snapshot/v8-names.ts';
import type { EdgeStep } from './edge-step.ts';
import { computeUserScripts, isUserCodeNode } from './user-code.ts';

const NO_PARENT = 0xffffffff;

export interface WeakRefKeptFinding {
  kind: 'weakref-target';
  /** The WeakRef object. */
  holder: number;
  target: number;
  /** Strong path from the root to the target. */
  path: EdgeStep[];
}

export interface WeakMapValueKeptFinding {
  kind: 'weakmap-value';
  /** The WeakMap object (or its EphemeronHashTable when no WeakMap points at the table). */
  holder: number;
  key: number;
  target: number;
  path: EdgeStep[];
}

export type WeakKeptFinding = WeakRefKeptFinding | WeakMapValueKeptFinding;

export interface WeakKeptResult {
  findings: WeakKeptFinding[];
  /** Live WeakRef targets and WeakMap values looked at. */
  weakRefTargets: number;
  weakMapValues: number;
}

export interface WeakKeptOptions {
  /**
   * Report only targets created by user code (default true). Node keeps WeakRefs of its own to
   * objects it also holds (diagnostics_channel's channels): by design, and not the user's to fix.
   */
  userCodeOnly?: boolean;
}

export function findWeakKeptStrongly(graph: HeapGraph, options: WeakKeptOptions = {}): WeakKeptResult {
  const userCodeOnly = options.userCodeOnly ?? true;
  return graph.cached(`weakKept:${userCodeOnly}`, () => analyse(graph, userCodeOnly));
}

function analyse(graph: HeapGraph, userCodeOnly: boolean): WeakKeptResult {
  const { types, nodeType, firstEdge, edgeTarget, edgeType, edgeNameOrIndex, nodeId } = graph;
  const ephemerons = ephemeronNamesOf(graph);
  const keepDuringJob = new Set(graph.strings.indexesOf(KEEP_DURING_JOB_EDGE));
  const targetNames = new Set(graph.strings.indexesOf('target'));
  const tableNames = new Set(graph.strings.indexesOf('table'));
  const { parentEdge, parentNode } = strongParents(graph, ephemerons, keepDuringJob);
  const root = graph.rootOrdinal;
  const userScripts = computeUserScripts(graph);
  // Oddballs stand in for WeakSet values (`true`) and removed entries (the hole): nothing to keep.
  const isReportable = (o: number) => nodeType[o] !== types.hidden && (!userCodeOnly || isUserCodeNode(graph, userScripts, o));
  const isKept = (o: number) => parentNode[o] !== NO_PARENT && o !== root && isReportable(o);
  const pathTo = (o: number): EdgeStep[] => {
    const path: EdgeStep[] = [];
    for (let v = o; v !== root; v = parentNode[v]) path.push({ edge: parentEdge[v], from: parentNode[v], to: v });
    return path.reverse();
  };

  const findings: WeakKeptFinding[] = [];
  let weakRefTargets = 0;
  // Ephemeron pairs: the table → value edge (source id = the table id in the name) and key → value.
  const pairs = new Map<string, { table: number; key: number; value: number }>();
  for (let o = 0; o < graph.nodeCount; o++) {
    const type = nodeType[o];
    for (let e = firstEdge[o]; e < firstEdge[o + 1]; e++) {
      const edgeKind = edgeType[e];
      if (edgeKind === types.weak && type === types.object && targetNames.has(edgeNameOrIndex[e])) {
        weakRefTargets++;
        const target = edgeTarget[e];
        if (isKept(target)) findings.push({ kind: 'weakref-target', holder: o, target, path: pathTo(target) });
      } else if (edgeKind === types.internal) {
        const ephemeron = ephemerons.get(edgeNameOrIndex[e]);
        if (ephemeron === undefined) continue;
        let pair = pairs.get(ephemeron.pair);
        if (pair === undefined) {
          pair = { table: -1, key: -1, value: edgeTarget[e] };
          pairs.set(ephemeron.pair, pair);
        }
        if (nodeId[o] === ephemeron.tableId) pair.table = o;
        else pair.key = o;
      }
    }
  }
  for (const pair of pairs.values()) {
    if (!isKept(pair.value)) continue;
    findings.push({ kind: 'weakmap-value', holder: owningWeakMap(graph, pair.table, tableNames), key: pair.key, target: pair.value, path: pathTo(pair.value) });
  }
  return { findings, weakRefTargets, weakMapValues: pairs.size };
}

/** The object whose `internal "table"` is this EphemeronHashTable (the WeakMap), else the table. */
function owningWeakMap(graph: HeapGraph, table: number, tableNames: Set<number>): number {
  if (table < 0) return -1;
  for (let r = graph.firstRetainer[table]; r < graph.firstRetainer[table + 1]; r++) {
    const e = graph.retainerEdge[r];
    if (graph.edgeType[e] === graph.types.internal && tableNames.has(graph.edgeNameOrIndex[e])) return graph.retainerNode[r];
  }
  return table;
}

/** BFS from the root over strong edges (see the top of this file); NO_PARENT marks nodes not in S. */
function strongParents(graph: HeapGraph, ephemerons: ReturnType<typeof ephemeronNamesOf>, keepDuringJob: Set<number>) {
  const n = graph.nodeCount;
  const { types, firstEdge, edgeTarget, edgeType, edgeNameOrIndex } = graph;
  const parentEdge = new Uint32Array(n);
  const parentNode = new Uint32Array(n).fill(NO_PARENT);
  const queue = new Uint32Array(n);
  const root = graph.rootOrdinal;
  let tail = 0;
  queue[tail++] = root;
  parentNode[root] = root;
  for (let head = 0; head < tail; head++) {
    const v = queue[head];
    for (let e = firstEdge[v]; e < firstEdge[v + 1]; e++) {
      const type = edgeType[e];
      if (type === types.weak) continue;
      const w = edgeTarget[e];
      if (parentNode[w] !== NO_PARENT) continue;
      if (type === types.internal) {
        const name = edgeNameOrIndex[e];
        if (keepDuringJob.has(name) || ephemerons.get(name) !== undefined) continue;
      }
      parentNode[w] = v;
      parentEdge[w] = e;
      queue[tail++] = w;
    }
  }
  parentNode[root] = NO_PARENT;
  return { parentEdge, parentNode };
}
