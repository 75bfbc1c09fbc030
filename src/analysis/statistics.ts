// Snapshot facts for `info`: which runtime wrote it, and DevTools' statistics pane (docs/FORMAT.md §6.3,
// the 2025 definition: "system" is the hidden nodes, sizes are DevTools' self sizes).

import type { HeapGraph } from '../snapshot/heap-graph.ts';
import { ARRAY_BUFFER_DATA_NAME } from '../snapshot/v8-names.ts';
import { computeOwnedSelfSizes, type SizeColumn } from './owned-sizes.ts';

export interface HeapStatistics {
  total: number;
  v8heap: { total: number; code: number; strings: number; jsArrays: number; system: number };
  native: { total: number; typedArrays: number };
}

export function computeStatistics(graph: HeapGraph): HeapStatistics {
  const sizes = computeOwnedSelfSizes(graph);
  const { types, nodeType } = graph;
  const extra = graph.source.extraNativeBytes;
  const arrayBufferData = new Set(graph.strings.indexesOf(ARRAY_BUFFER_DATA_NAME));
  const arrayName = new Set(graph.strings.indexesOf('Array'));
  let total = extra;
  let native = extra;
  let typedArrays = 0;
  let code = 0;
  let strings = 0;
  let jsArrays = 0;
  let system = 0;
  const isArray = (i: number) => nodeType[i] === types.object && arrayName.has(graph.nodeName[i]);
  const storeRetainers = countStoreRetainers(graph, isArray);
  for (let i = 0; i < graph.nodeCount; i++) {
    const size = sizes[i];
    const type = nodeType[i];
    total += size;
    if (type === types.native) {
      native += size;
      if (arrayBufferData.has(graph.nodeName[i])) typedArrays += size;
    } else if (type === types.code) code += size;
    else if (type === types.string || type === types.consString || type === types.slicedString) strings += size;
    else if (type === types.hidden) system += size;
    else if (isArray(i)) jsArrays += size + soleElementsSize(graph, i, sizes, storeRetainers);
  }
  return { total, v8heap: { total: total - native, code, strings, jsArrays, system }, native: { total: native, typedArrays } };
}

/** The target of the array's internal `elements` edge (its backing store), or -1. */
function elementsStore(graph: HeapGraph, ordinal: number): number {
  for (let e = graph.firstEdge[ordinal]; e < graph.firstEdge[ordinal + 1]; e++) {
    if (graph.edgeType[e] === graph.types.internal && graph.edgeNameOf(e) === 'elements') return graph.edgeTarget[e];
  }
  return -1;
}

/**
 * Retainer counts of the arrays' backing stores only, saturating: 1 + min(retainers, 2) for a
 * store, 0 for every other node. One pass over the edges and a byte per node, where the full
 * retainer index would cost 8 B per edge just for `info`.
 */
function countStoreRetainers(graph: HeapGraph, isArray: (ordinal: number) => boolean): Uint8Array {
  const counts = new Uint8Array(graph.nodeCount);
  for (let i = 0; i < graph.nodeCount; i++) {
    if (!isArray(i)) continue;
    const store = elementsStore(graph, i);
    if (store >= 0) counts[store] = 1;
  }
  const { edgeTarget } = graph;
  for (let e = 0; e < edgeTarget.length; e++) {
    const c = counts[edgeTarget[e]];
    if (c === 1 || c === 2) counts[edgeTarget[e]] = c + 1;
  }
  return counts;
}

/** An array's backing store counts with it when nothing else holds the store. */
function soleElementsSize(graph: HeapGraph, ordinal: number, sizes: SizeColumn, storeRetainers: Uint8Array): number {
  const store = elementsStore(graph, ordinal);
  return store >= 0 && storeRetainers[store] === 2 ? sizes[store] : 0;
}

export interface RuntimeInfo {
  /** "node", "chrome" (a page or worker), or "unknown". */
  runtime: string;
  /** The runtime version when the heap records it (Node's process.version string), else null. */
  version: string | null;
  /** Names of the user global objects (e.g. "global", "Window / https://…"). */
  globals: string[];
}

const BROWSER_GLOBAL = /^(Window|DedicatedWorkerGlobalScope|SharedWorkerGlobalScope|ServiceWorkerGlobalScope)( \[JSGlobalObject\])? \/ /;

/**
 * Guesses the writer from the heap: Node has a `Node / Environment` root; browsers have global
 * objects named `Window / <url>` (or a worker scope). Newer Chrome no longer links its globals from
 * the snapshot root (they hang off `(Global handles)`), so globals are found by name.
 */
export function detectRuntime(graph: HeapGraph): RuntimeInfo {
  const root = graph.rootOrdinal;
  const globals: string[] = [];
  let hasNodeEnvironment = false;
  for (let e = graph.firstEdge[root]; e < graph.firstEdge[root + 1]; e++) {
    const target = graph.edgeTarget[e];
    const name = graph.nodeNameOf(target);
    if (name === 'Node / Environment') hasNodeEnvironment = true;
    if (graph.edgeType[e] === graph.types.shortcut) globals.push(name);
  }
  // A name per distinct window string: a loop, as push(...names) overflows the stack on a huge array.
  if (!hasNodeEnvironment && !globals.some((g) => BROWSER_GLOBAL.test(g))) for (const name of findBrowserGlobals(graph)) globals.push(name);
  const isBrowser = globals.some((g) => BROWSER_GLOBAL.test(g));
  const runtime = hasNodeEnvironment ? 'node' : isBrowser ? 'chrome' : 'unknown';
  return { runtime, version: runtime === 'node' ? findNodeVersion(graph) : null, globals };
}

/** Object nodes whose name is a browser global's, each name once (names are tested once per string). */
function findBrowserGlobals(graph: HeapGraph): string[] {
  const verdict = new Map<number, boolean>();
  const found = new Set<string>();
  for (let i = 0; i < graph.nodeCount; i++) {
    if (graph.nodeType[i] !== graph.types.object) continue;
    const nameIndex = graph.nodeName[i];
    let isGlobal = verdict.get(nameIndex);
    if (isGlobal === undefined) verdict.set(nameIndex, (isGlobal = BROWSER_GLOBAL.test(graph.strings.get(nameIndex))));
    if (isGlobal) found.add(graph.strings.get(nameIndex));
  }
  return [...found];
}

/** process.version lives in the heap as a string like "v20.20.2"; take the most frequent candidate. */
function findNodeVersion(graph: HeapGraph): string | null {
  const seen = new Map<string, number>();
  const { types } = graph;
  for (let i = 0; i < graph.nodeCount; i++) {
    if (graph.nodeType[i] !== types.string || graph.strings.rawLength(graph.nodeName[i]) > 12) continue;
    const text = graph.nodeNameOf(i);
    if (/^v\d{1,2}\.\d{1,3}\.\d{1,3}$/.test(text)) seen.set(text, (seen.get(text) ?? 0) + 1);
  }
  let best: string | null = null;
  for (const [text, count] of seen) if (best === null || count > seen.get(best)!) best = text;
  return best;
}
