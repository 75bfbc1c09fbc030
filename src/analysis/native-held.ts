// Objects held only by native code (issue 16 item 3; objgraph's get_leaking_objects for V8): JavaScript
// objects that no JavaScript object keeps alive, only a global handle or an embedder (Node, Blink)
// object. Such an object never shows under a variable or a property of the program: an unclosed
// MessagePort with a listener, a handle wrapper, an addon's persistent reference. Grouped by class,
// like `top`.
//
// *Native sources* are the handle root categories ((Global handles), (Traced handles), (Eternal
// handles)) and embedder objects: nodes of type `native`, or synthetic nodes that are no root
// category (Node writes `Node / MessagePort` as synthetic; categories are named in parentheses).
// An object is *native-held* when a strong path from a native source reaches it and none from the
// root avoids native sources: the JavaScript that points at it (a closure's context that the port's
// own listener holds) is itself held only natively. Reported are the *entry points*: native-held
// JavaScript objects (types object, closure, regexp; not V8's `system / …`) that a native source
// refers to directly; their retained size is what the native references keep.
// Algorithm: two breadth-first searches over strong edges sharing one queue: from the root without
// entering native sources (everything the program, V8 or the running code holds), then from the
// native sources over what the first left. Cost O(N + E) time, 5 B per node (a state byte, the queue).

import type { HeapGraph } from '../snapshot/heap-graph.ts';
import { computeClassIndex, type ClassIndexResult, type NameMode } from '../snapshot/class-names.ts';
import { computeDominatorTree } from './dominators.ts';
import { computeOwnedSelfSizes } from './owned-sizes.ts';
import { spreadOverStrongEdges } from './strong-reach.ts';
import { SYSTEM_NAME_PREFIX } from '../snapshot/v8-names.ts';

/** Holders listed per class: the categories or embedder classes that hold most of its objects. */
const HOLDERS_SHOWN = 3;
/** Example objects kept per class (the heaviest). */
const EXAMPLES_SHOWN = 3;

export interface NativeHolderCount {
  /** The holder's name: a root category (`(Global handles)`) or an embedder class (`Node / MessagePort`). */
  name: string;
  count: number;
}

export interface NativeHeldClassRow {
  classId: number;
  count: number;
  /** Σ DevTools self size. */
  selfSize: number;
  /** Σ retained size (summed: a native-held object can, rarely, retain another). */
  retainedSize: number;
  /** Most common holders first, at most HOLDERS_SHOWN. */
  holders: NativeHolderCount[];
  /** The heaviest objects, at most EXAMPLES_SHOWN ordinals. */
  examples: number[];
}

export interface NativeHeldResult {
  /** Largest retained size first. */
  classes: NativeHeldClassRow[];
  objectCount: number;
  retainedSize: number;
  classIndex: ClassIndexResult;
}

/** The root categories that are handles: what native code keeps alive. */
const HANDLE_ROOT_NAMES: readonly string[] = ['(Global handles)', '(Traced handles)', '(Eternal handles)'];

const UNSEEN = 0;
const HELD_OTHERWISE = 1;
const NATIVE_SOURCE = 2;
const HELD_NATIVELY = 3;

/** The native-held objects of `graph`, by class (see the file comment). */
export function findNativeHeld(graph: HeapGraph, names: NameMode = 'devtools'): NativeHeldResult {
  const { nodeType, nodeName, firstEdge, edgeType, edgeTarget } = graph;
  const n = graph.nodeCount;
  const weak = graph.types.weak;
  const state = markNativeSources(graph);
  const queue = new Uint32Array(n);
  state[graph.rootOrdinal] = HELD_OTHERWISE;
  queue[0] = graph.rootOrdinal;
  spreadOverStrongEdges(graph, state, UNSEEN, queue, 1, HELD_OTHERWISE);
  let sources = 0;
  for (let node = 0; node < n; node++) if (state[node] === NATIVE_SOURCE) queue[sources++] = node;
  spreadOverStrongEdges(graph, state, UNSEEN, queue, sources, HELD_NATIVELY);

  const classIndex = computeClassIndex(graph, names);
  const { classOf } = classIndex;
  const retained = computeDominatorTree(graph).retained;
  const self = computeOwnedSelfSizes(graph);
  const isReported = reportedTypes(graph);
  const isSystemName = new Map<number, boolean>();
  const rows = new Map<number, NativeHeldClassRow & { holderCounts: Map<string, number> }>();
  let objectCount = 0;
  let retainedSize = 0;
  // Entry points: an edge from a native source to a native-held JavaScript object.
  // Embedder objects first, then the handle categories: `Node / MessagePort` says more than
  // (Global handles) about an object both hold.
  const counted = new Uint8Array(n);
  for (let source = 0, pass = 0; pass < 2; source++) {
    if (source === n) {
      source = -1;
      pass++;
      continue;
    }
    if (state[source] !== NATIVE_SOURCE || (nodeType[source] === graph.types.synthetic && graph.nodeNameOf(source).startsWith('(')) !== (pass === 1)) continue;
    for (let e = firstEdge[source]; e < firstEdge[source + 1]; e++) {
      const node = edgeTarget[e];
      if (edgeType[e] === weak || state[node] !== HELD_NATIVELY || counted[node] === 1 || isReported[nodeType[node]] === 0) continue;
      let isSystem = isSystemName.get(nodeName[node]);
      if (isSystem === undefined) isSystemName.set(nodeName[node], isSystem = graph.nodeNameOf(node).startsWith(SYSTEM_NAME_PREFIX));
      if (isSystem) continue;
      counted[node] = 1;
      const cls = classOf[node];
      let row = rows.get(cls);
      if (row === undefined) rows.set(cls, row = { classId: cls, count: 0, selfSize: 0, retainedSize: 0, holders: [], examples: [], holderCounts: new Map() });
      row.count++;
      row.selfSize += self[node];
      row.retainedSize += retained[node];
      const holderName = graph.nodeNameOf(source);
      row.holderCounts.set(holderName, (row.holderCounts.get(holderName) ?? 0) + 1);
      keepHeaviest(row.examples, node, retained);
      objectCount++;
      retainedSize += retained[node];
    }
  }
  const classes = [...rows.values()].map(({ holderCounts, ...row }) => ({
    ...row,
    holders: [...holderCounts].map(([name, count]) => ({ name, count })).sort((a, b) => b.count - a.count || (a.name < b.name ? -1 : 1)).slice(0, HOLDERS_SHOWN),
  }));
  classes.sort((a, b) => b.retainedSize - a.retainedSize || b.count - a.count || a.classId - b.classId);
  return { classes, objectCount, retainedSize, classIndex };
}

/** A state array with NATIVE_SOURCE on the handle categories and the embedder objects (see the file comment). */
function markNativeSources(graph: HeapGraph): Uint8Array {
  const { types, nodeType } = graph;
  const state = new Uint8Array(graph.nodeCount);
  const handleNames = new Set(HANDLE_ROOT_NAMES.flatMap((name) => graph.strings.indexesOf(name)));
  const isCategoryName = new Map<number, boolean>();
  for (let node = 0; node < graph.nodeCount; node++) {
    const type = nodeType[node];
    if (type === types.native) state[node] = NATIVE_SOURCE;
    else if (type === types.synthetic && node !== graph.rootOrdinal) {
      const name = graph.nodeName[node];
      let isCategory = isCategoryName.get(name);
      if (isCategory === undefined) isCategoryName.set(name, isCategory = graph.strings.get(name).startsWith('('));
      if (!isCategory || handleNames.has(name)) state[node] = NATIVE_SOURCE;
    }
  }
  return state;
}

/** Node types whose native-held objects are reported: JavaScript objects. */
function reportedTypes(graph: HeapGraph): Uint8Array {
  const reported = new Uint8Array(graph.nodeTypeNames.length);
  for (const t of [graph.types.object, graph.types.closure, graph.types.regexp]) if (t >= 0) reported[t] = 1;
  return reported;
}

/** Keeps `examples` the EXAMPLES_SHOWN heaviest nodes seen, heaviest first. */
function keepHeaviest(examples: number[], node: number, retained: Float64Array): void {
  let at = examples.length;
  while (at > 0 && retained[examples[at - 1]] < retained[node]) at--;
  if (at >= EXAMPLES_SHOWN) return;
  examples.splice(at, 0, node);
  if (examples.length > EXAMPLES_SHOWN) examples.pop();
}
