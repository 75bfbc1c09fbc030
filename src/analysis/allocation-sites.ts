// Where objects were allocated, in a snapshot taken with allocation tracking: each node's
// trace_node_id names a stack in the trace tree (src/snapshot/allocation-traces.ts), whose top frame
// is the allocating function and whose parents are its callers.
//
// An object's allocation site is the function on top of its stack (as V8 records it: the JavaScript
// function running when the object was made; a constructor called with `new` from f is allocated
// in f, and inlined callees show as their caller). Grouping by that function, not by the whole
// stack, keeps one row per site when the same code is reached along several paths; the row shows
// the stack most of its objects share.
// Cost: O(objects × log trace nodes) to group (a binary search per object), O(depth) per stack.

import type { HeapGraph } from '../snapshot/heap-graph.ts';
import { allocationTracesOf, traceIndexOf, type AllocationTraces } from '../snapshot/allocation-traces.ts';
import { originalLocationOf } from './original-locations.ts';
import { selfSizesFor } from './histogram.ts';
import { V8_INTERNAL_CLASSES } from './growth-gate.ts';
import { isBuiltInClassName } from '../snapshot/class-names.ts';

/** Frames shown per allocation stack: the allocating function and two callers say where, briefly. */
export const DEFAULT_ALLOCATION_FRAMES = 3;

export interface AllocationFrame {
  functionName: string;
  /** The script's url or path as V8 names it; empty for V8's own frames. */
  scriptName: string;
  /** 1-based; 0 when unknown. The position of the function, not of the allocating statement. */
  line: number;
  column: number;
}

export interface AllocationSiteGroup {
  /** The allocating function's stack, most common among the group's objects, top frame first. */
  frames: AllocationFrame[];
  count: number;
  selfSize: number;
  /** Up to a few example ordinals. */
  examples: number[];
}

export interface AllocationSiteGroupsResult {
  /** Most objects first. */
  groups: AllocationSiteGroup[];
  /** Objects with no allocation stack: made before tracking started, or by V8 itself. */
  untracked: number;
}

const EXAMPLES_PER_SITE = 3;

/** Whether `graph` carries allocation traces that readAllocationTraces has read. */
export function hasAllocationTraces(graph: HeapGraph): boolean {
  return allocationTracesOf(graph) !== null;
}

/** The trace-tree index of a node's allocation stack, or -1. */
function traceIndexOfNode(graph: HeapGraph, traces: AllocationTraces, node: number): number {
  const id = graph.traceNodeId?.[node] ?? 0;
  return id === 0 ? -1 : traceIndexOf(traces, id);
}

function stackOfTrace(graph: HeapGraph, traces: AllocationTraces, trace: number, maxFrames: number): AllocationFrame[] {
  const frames: AllocationFrame[] = [];
  // The tree's root is V8's "(root)" frame, on every stack: not a place in the program.
  for (let t = trace; t >= 0 && traces.traceParent[t] >= 0 && frames.length < maxFrames; t = traces.traceParent[t]) {
    const f = traces.traceFunction[t];
    const script = graph.strings.get(traces.functionScript[f]);
    const line = traces.functionLine[f];
    const column = traces.functionColumn[f];
    // Compiled or bundled code: the place in the original source, when a source map knows it.
    const original = line > 0 ? originalLocationOf(graph, script, line, column) : null;
    frames.push({
      functionName: graph.strings.get(traces.functionName[f]),
      scriptName: original?.url ?? script,
      line: original?.line ?? line,
      column: original?.column ?? column,
    });
  }
  return frames;
}

/**
 * The top frames of the stack `node` was allocated on, allocating function first; null when the
 * snapshot has no traces (or they were not read) or the object has no stack.
 */
export function allocationSiteOf(graph: HeapGraph, node: number, maxFrames = DEFAULT_ALLOCATION_FRAMES): AllocationFrame[] | null {
  const traces = allocationTracesOf(graph);
  if (traces === null) return null;
  const trace = traceIndexOfNode(graph, traces, node);
  if (trace < 0) return null;
  const frames = stackOfTrace(graph, traces, trace, maxFrames);
  return frames.length === 0 ? null : frames;
}

/**
 * Groups `nodes` by allocating function, with their DevTools self sizes (V8's with `rawSizes`, as
 * --raw-sizes asks); null when the snapshot has no traces.
 */
export function groupByAllocationSite(graph: HeapGraph, nodes: ArrayLike<number>, rawSizes = false, maxFrames = DEFAULT_ALLOCATION_FRAMES): AllocationSiteGroupsResult | null {
  const traces = allocationTracesOf(graph);
  if (traces === null) return null;
  const sizes = selfSizesFor(graph, rawSizes);
  // Per allocating function: objects, bytes, examples, and objects per stack (to pick the common one).
  const byFunction = new Map<number, { count: number; selfSize: number; examples: number[]; stacks: Map<number, number> }>();
  let untracked = 0;
  for (let k = 0; k < nodes.length; k++) {
    const node = nodes[k];
    const trace = traceIndexOfNode(graph, traces, node);
    if (trace < 0 || traces.traceParent[trace] < 0) {
      untracked++;
      continue;
    }
    const f = traces.traceFunction[trace];
    let group = byFunction.get(f);
    if (group === undefined) {
      group = { count: 0, selfSize: 0, examples: [], stacks: new Map() };
      byFunction.set(f, group);
    }
    group.count++;
    group.selfSize += sizes[node];
    if (group.examples.length < EXAMPLES_PER_SITE) group.examples.push(node);
    group.stacks.set(trace, (group.stacks.get(trace) ?? 0) + 1);
  }
  const groups: AllocationSiteGroup[] = [];
  for (const group of byFunction.values()) {
    let common = -1;
    let most = 0;
    for (const [trace, count] of group.stacks) if (count > most || (count === most && trace < common)) [common, most] = [trace, count];
    groups.push({ frames: stackOfTrace(graph, traces, common, maxFrames), count: group.count, selfSize: group.selfSize, examples: group.examples });
  }
  groups.sort((a, b) => b.count - a.count || b.selfSize - a.selfSize);
  return { groups, untracked };
}

/** Classes whose new objects growth groups by site: as many as a report shows. */
export interface ClassAllocationSites {
  name: string;
  /** The class's growth key (two classes may share a name): how reports find a violation's sites. */
  key: string;
  sites: AllocationSiteGroupsResult;
}

/**
 * For growth: the new objects that are still alive, per growing class (named classes first, as they
 * name a leak; then those that grew at every step; then by growth; the first `limit`, 0 for all),
 * grouped by allocation site. V8's internals
 * are left out: their stacks say where V8 compiled code, not what the program allocated. Null when
 * the last snapshot has no traces.
 */
export function groupNewObjectsByAllocationSite(graph: HeapGraph, classes: readonly { name: string; key: string; delta: number; monotonic: boolean; newOrdinals: Uint32Array }[], limit: number, rawSizes = false): ClassAllocationSites[] | null {
  if (!hasAllocationTraces(graph)) return null;
  const growing = classes.filter((c) => c.delta > 0 && c.newOrdinals.length > 0 && !V8_INTERNAL_CLASSES.includes(c.name))
    .sort((a, b) => Number(isBuiltInClassName(a.name)) - Number(isBuiltInClassName(b.name)) || Number(b.monotonic) - Number(a.monotonic) || b.delta - a.delta);
  const shown = limit === 0 ? growing : growing.slice(0, limit);
  return shown.map((c) => ({ name: c.name, key: c.key, sites: groupByAllocationSite(graph, c.newOrdinals, rawSizes)! }));
}

/** Allocation stacks of some objects (list, chain); null when the snapshot has no traces. */
export function allocationSitesOf(graph: HeapGraph, nodes: readonly number[], maxFrames = DEFAULT_ALLOCATION_FRAMES): (AllocationFrame[] | null)[] | null {
  if (!hasAllocationTraces(graph)) return null;
  return nodes.map((node) => allocationSiteOf(graph, node, maxFrames));
}
