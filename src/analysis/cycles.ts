// Reference cycles of user objects: strongly connected components kept alive from outside.
//
// Algorithm: strongly connected components (iterative Tarjan, ./strong-components.ts) of the
// *cycle graph* defined below. Every component
// with two or more nodes that contains a user-code object is then described: members, self size,
// retained size (DevTools dominators, ./dominators.ts), the edges entering it from outside and, when
// there is exactly one strong such edge, that edge — breaking it frees the whole cycle.
//
// The cycle graph ("user objects" and their connectors):
//   - nodes: `object`, `closure`, `regexp` and `array` nodes (arrays are the backing stores an
//     Array, Map or property bag keeps its values in, so they connect user objects), and
//     function `system / Context`s (closure variables, so `obj → handler → context → obj` is a
//     cycle). Left out: other V8 internals (`hidden`, `code`, maps, strings, numbers, `native`,
//     `system / …` objects), the global objects and everything the NativeContext points at, and
//     *top-level* contexts (ESM module scope, the CommonJS wrapper scope, script scope: a Context
//     whose `previous` is the NativeContext). A module scope lives as long as the program, like a
//     global: it is a root that keeps cycles alive, not a member of them. Without that rule every
//     closure of a module joins one giant component with every object that reaches a method.
//   - edges: every strong edge except `weak`, `shortcut`, the class machinery (`__proto__`,
//     `constructor`, `prototype`, `map`: every instance would otherwise be in a cycle with its
//     class), and WeakMap ephemeron edges (docs/FORMAT.md §7.3: a value is held by key *and* table, so a
//     value pointing back at its key is not a cycle that keeps anything alive).
// A component is reported when one of its members is an instance of a user class (./user-code.ts):
// an object whose constructor is in a script that is not Node's own (`node:…`; V8 records the
// constructor's location on such objects). Closures alone do not qualify: a function that names itself through
// its scope, or a library's module object and its functions, form cycles that are code structure,
// not data (measured on the Express fixtures: 66 such components, none a leak). Cycles made only
// of plain object literals and arrays are not reported either (they have no source location in a
// snapshot) — a deliberate trade for not reporting Node's and libraries' internal cycles.
//
// Cost: O(N + E) time and ≈ 25 B/node for the component search. Describing a component
// is O(its edges + retainers); retained sizes come from the cached dominator tree (O(E log N) once).

import type { HeapGraph } from '../snapshot/heap-graph.ts';
import { CONTEXT_NAME, NATIVE_CONTEXT_NAME, PREVIOUS_CONTEXT_EDGE, SYSTEM_NAME_PREFIX } from '../snapshot/v8-names.ts';
import { computeOwnedSelfSizes, type SizeColumn } from './owned-sizes.ts';
import { computeDominatorTree, computeRetainedSizes } from './dominators.ts';
import { ephemeronNamesOf } from './distances.ts';
import type { EdgeStep } from './edge-step.ts';
import { findStrongComponents, type StrongComponentsResult } from './strong-components.ts';
import { computeUserScripts, generatorNamesOf, isUserClassInstance } from './user-code.ts';

// ---------------------------------------------------------------------------------------------
// The cycle graph

/** Class machinery: every instance is in a cycle with its prototype and constructor through these. */
const CLASS_EDGE_NAMES = ['__proto__', 'constructor', 'prototype', 'map'];

export interface CycleGraph {
  /** 1 for nodes that take part in the cycle graph. */
  isMember: Uint8Array;
  /** Whether an edge is followed (the caller also checks that the target is a member). */
  followsEdge: (edge: number) => boolean;
}

/** Builds the node mask and edge filter described at the top of this file (cached per graph). */
export function buildCycleGraph(graph: HeapGraph): CycleGraph {
  return graph.cached('cycleGraph', () => {
    const n = graph.nodeCount;
    const { types, nodeType, nodeName, firstEdge, edgeTarget, edgeType, edgeNameOrIndex } = graph;
    const isMember = new Uint8Array(n);
    const contextNames = new Set(graph.strings.indexesOf(CONTEXT_NAME));
    const nativeContextNames = new Set(graph.strings.indexesOf(NATIVE_CONTEXT_NAME));
    const previousNames = new Set(graph.strings.indexesOf(PREVIOUS_CONTEXT_EDGE));
    for (let o = 0; o < n; o++) {
      const type = nodeType[o];
      if (type === types.closure || type === types.regexp || type === types.array) {
        isMember[o] = 1;
      } else if (type === types.object) {
        if (contextNames.has(nodeName[o])) {
          isMember[o] = isTopLevelContext(graph, o, previousNames, nativeContextNames) ? 0 : 1;
        } else {
          isMember[o] = graph.nodeNameOf(o).startsWith(SYSTEM_NAME_PREFIX) ? 0 : 1;
        }
      }
    }
    // Roots and the realm's own objects (globals, builtins) are never members.
    const root = graph.rootOrdinal;
    isMember[root] = 0;
    for (let e = firstEdge[root]; e < firstEdge[root + 1]; e++) isMember[edgeTarget[e]] = 0;
    for (let o = 0; o < n; o++) {
      if (!nativeContextNames.has(nodeName[o])) continue;
      for (let e = firstEdge[o]; e < firstEdge[o + 1]; e++) isMember[edgeTarget[e]] = 0;
    }

    const skippedNames = new Set<number>();
    for (const name of CLASS_EDGE_NAMES) for (const index of graph.strings.indexesOf(name)) skippedNames.add(index);
    const ephemerons = ephemeronNamesOf(graph);
    const { weak, shortcut, internal, property } = types;
    const followsEdge = (edge: number): boolean => {
      const type = edgeType[edge];
      if (type === weak || type === shortcut) return false;
      if (type === property || type === internal) {
        const name = edgeNameOrIndex[edge];
        if (skippedNames.has(name)) return false;
        if (type === internal && ephemerons.get(name) !== undefined) return false;
      }
      return true;
    };
    return { isMember, followsEdge };
  });
}

function isTopLevelContext(graph: HeapGraph, context: number, previousNames: Set<number>, nativeContextNames: Set<number>): boolean {
  for (let e = graph.firstEdge[context]; e < graph.firstEdge[context + 1]; e++) {
    if (graph.edgeType[e] === graph.types.internal && previousNames.has(graph.edgeNameOrIndex[e])) {
      return nativeContextNames.has(graph.nodeName[graph.edgeTarget[e]]);
    }
  }
  return true;
}

// ---------------------------------------------------------------------------------------------
// Describing the cycles users care about

export interface UserCycle {
  /** Member ordinals (all of them, connectors included), in the order Tarjan popped them. */
  members: number[];
  /** Sum of the members' DevTools' self sizes (docs/FORMAT.md §4.2). */
  selfSize: number;
  /** What the cycle retains: the retained sizes of the members no other member dominates. */
  retainedSize: number;
  /** Strong edges from outside into the cycle. */
  entryEdgeCount: number;
  /** The only strong edge from outside, when there is exactly one; breaking it frees the cycle. */
  keptBy: EdgeStep | null;
  /** One shortest loop through the cycle, starting and ending at the node the cycle is entered by. */
  loop: EdgeStep[];
  /** Every edge inside the cycle that leads back to that entry node. */
  closingEdges: EdgeStep[];
}

export interface CyclesResult {
  cycles: UserCycle[];
  /** Components of ≥ 2 nodes in the cycle graph, user code or not. */
  componentCount: number;
  /** Components with a user-code member, before `limit`. */
  userCycleCount: number;
}

export interface FindCyclesOptions {
  /** Largest retained size first; 0 or undefined keeps all. */
  limit?: number;
}

/** The cycles of user objects, largest retained size first. */
export function findUserCycles(graph: HeapGraph, options: FindCyclesOptions = {}): CyclesResult {
  const { isMember, followsEdge } = buildCycleGraph(graph);
  const components = findStrongComponents(graph, isMember, followsEdge);
  const userScripts = computeUserScripts(graph);
  const { componentStart, members } = components;
  const generatorNames = generatorNamesOf(graph);
  const userComponents: number[] = [];
  for (let c = 0; c < components.count; c++) {
    for (let i = componentStart[c]; i < componentStart[c + 1]; i++) {
      const m = members[i];
      if (isUserClassInstance(graph, userScripts, generatorNames, m)) {
        userComponents.push(c);
        break;
      }
    }
  }
  if (userComponents.length === 0) return { cycles: [], componentCount: components.count, userCycleCount: 0 };
  const selfSizes = computeOwnedSelfSizes(graph);
  const retained = computeRetainedSizes(graph);
  const { idom } = computeDominatorTree(graph);
  const cycles = userComponents.map((c) => describeComponent(graph, components, c, selfSizes, retained, idom, isMember, followsEdge));
  cycles.sort((a, b) => b.retainedSize - a.retainedSize || b.selfSize - a.selfSize || b.members.length - a.members.length);
  const limit = options.limit ?? 0;
  return {
    cycles: limit > 0 ? cycles.slice(0, limit) : cycles,
    componentCount: components.count,
    userCycleCount: cycles.length,
  };
}

function describeComponent(
  graph: HeapGraph, components: StrongComponentsResult, c: number, selfSizes: SizeColumn, retained: Float64Array,
  idom: Uint32Array, isMember: Uint8Array, followsEdge: (edge: number) => boolean,
): UserCycle {
  const { componentOf, componentStart } = components;
  const members = Array.from(components.members.subarray(componentStart[c], componentStart[c + 1]));
  let selfSize = 0;
  let retainedSize = 0;
  let entryEdgeCount = 0;
  let keptBy: EdgeStep | null = null;
  const weak = graph.types.weak;
  for (const m of members) {
    selfSize += selfSizes[m];
    if (componentOf[idom[m]] !== c) retainedSize += retained[m];
    for (let r = graph.firstRetainer[m]; r < graph.firstRetainer[m + 1]; r++) {
      const edge = graph.retainerEdge[r];
      const from = graph.retainerNode[r];
      if (componentOf[from] === c || graph.edgeType[edge] === weak) continue;
      entryEdgeCount++;
      keptBy ??= { edge, from, to: m };
    }
  }
  // The loop starts where the cycle is entered; with several entries, at its largest member.
  let entry = keptBy?.to ?? members[0];
  if (keptBy === null) for (const m of members) if (retained[m] > retained[entry]) entry = m;
  const { loop, closingEdges } = findLoop(graph, componentOf, c, entry, isMember, followsEdge);
  return { members, selfSize, retainedSize, entryEdgeCount, keptBy: entryEdgeCount === 1 ? keptBy : null, loop, closingEdges };
}

/** Most closing edges listed per cycle: enough to see the pattern (one per instance) without flooding. */
const MAX_CLOSING_EDGES = 20;

/** BFS inside the component from `entry`; the first edge back to `entry` closes the shortest loop. */
function findLoop(graph: HeapGraph, componentOf: Int32Array, c: number, entry: number, isMember: Uint8Array, followsEdge: (edge: number) => boolean) {
  const parentEdge = new Map<number, number>();
  const queue: number[] = [entry];
  parentEdge.set(entry, -1);
  let closing = -1;
  let closingFrom = -1;
  const closingEdges: EdgeStep[] = [];
  for (let head = 0; head < queue.length; head++) {
    const v = queue[head];
    for (let e = graph.firstEdge[v]; e < graph.firstEdge[v + 1]; e++) {
      const w = graph.edgeTarget[e];
      if (componentOf[w] !== c || isMember[w] === 0 || !followsEdge(e)) continue;
      if (w === entry) {
        if (closing < 0) { closing = e; closingFrom = v; }
        if (closingEdges.length < MAX_CLOSING_EDGES) closingEdges.push({ edge: e, from: v, to: w });
      } else if (!parentEdge.has(w)) {
        parentEdge.set(w, e);
        queue.push(w);
      }
    }
  }
  const loop: EdgeStep[] = [];
  if (closing >= 0) {
    loop.push({ edge: closing, from: closingFrom, to: entry });
    for (let v = closingFrom; v !== entry;) {
      const e = parentEdge.get(v)!;
      const from = graph.edgeSource(e);
      loop.push({ edge: e, from, to: v });
      v = from;
    }
    loop.reverse();
  }
  return { loop, closingEdges };
}
