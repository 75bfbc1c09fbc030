// Reports for retainer chains and reference graphs: text, JSON and DOT, from chains and graphs
// already found and the sizes and distances the caller computed (NodeMeasures). Nodes and edges are
// named by names.ts; nodes carry self and retained size and, for closures, the source location.

import type { HeapGraph } from '../snapshot/heap-graph.ts';
import type { ChainStep, ChainViewLimits, ChainViewResult, WholeChainResult } from '../analysis/paths.ts';
import type { ChainGroupsResult } from '../analysis/chain-groups.ts';
import type { RefGraphResult } from '../analysis/ref-graph.ts';
import type { NodeMeasures } from '../analysis/node-measures.ts';
import { createMoreNode, type DotEdge, type DotGraph, type DotNode } from './dot.ts';
import { formatBytes, formatCount } from './format.ts';
import { lazyJsonArray, type LazyJsonArray } from './json-stream.ts';
import {
  NAME_MAX, closureLocation, describeNode, describeNodeWithId, describeNodeWithSizes, edgeToJson, formatEdgeName, nodeToJson, type EdgeJson, type NodeJson,
} from './names.ts';
import { sanitizeForTerminal } from './sanitize.ts';
import { upToLimit } from './limit.ts';

/** `… 4,999,990 more hops …`: what stands for the middle of a long chain. */
export function formatElidedHops(hops: number): string {
  return `… ${formatCount(hops)} more ${hops === 1 ? 'hop' : 'hops'} …`;
}

/** `×199,999, each held by the previous one`: a run of repeated hops. */
function formatRun(step: ChainStep): string {
  return `×${formatCount(step.hops)}, each held by the previous one`;
}

/** A chain, root first, one hop per line; a long one keeps its first and last hops (ChainViewResult). */
export function renderChainText(graph: HeapGraph, chain: ChainViewResult, measures: NodeMeasures): string {
  const lines = [chainHeadline(graph, chain, measures)];
  chain.steps.forEach((step, i) => {
    if (i === chain.elidedAt && chain.elidedHops > 0) lines.push(`  ${formatElidedHops(chain.elidedHops)}`);
    pushStepLines(graph, step, lines, measures);
  });
  return lines.join('\n');
}

/** renderChainText for every hop of a chain however long (`--all-hops`), line by line. */
export function* wholeChainLines(graph: HeapGraph, chain: WholeChainResult, measures: NodeMeasures): Generator<string> {
  yield chainHeadline(graph, { ...chain, hopCount: chain.nodes.length - 1 }, measures);
  const lines: string[] = [];
  for (let i = 0; i < chain.nodes.length; i++) {
    const edge = i > 0 ? chain.edges[i - 1] : -1;
    pushStepLines(graph, { node: chain.nodes[i], firstNode: chain.nodes[i], edge, edgeOut: chain.edges[i], hops: edge < 0 ? 0 : 1, partnerEdge: i > 0 ? chain.partnerEdges[i - 1] : -1 }, lines, measures);
    yield* lines;
    lines.length = 0;
  }
}

function chainHeadline(graph: HeapGraph, chain: Pick<ChainViewResult, 'target' | 'hopCount' | 'isFromUserRoot'>, measures: NodeMeasures): string {
  const distance = measures.distance[chain.target];
  const hops = chain.hopCount;
  return `${describeNodeWithId(graph, chain.target)}: ${formatCount(hops)} ${hops === 1 ? 'hop' : 'hops'} from ${chain.isFromUserRoot ? 'a global object' : 'a GC root'} (distance ${distance})`;
}

/** The line of one step (the edge into it, the node with its sizes) and, for a WeakMap hop, what else it needs. */
function pushStepLines(graph: HeapGraph, step: ChainStep, lines: string[], measures: NodeMeasures): void {
  if (step.edge < 0) {
    lines.push(`  ${describeNodeWithSizes(graph, step.node, measures)}`);
    return;
  }
  const run = step.hops > 1 ? ` … ${formatRun(step)} (to @${graph.nodeId[step.node]})` : '';
  lines.push(`  ${formatEdgeName(graph, step.edge)} → ${describeNodeWithSizes(graph, step.firstNode, measures)}${run}`);
  if (step.partnerEdge >= 0) {
    const other = graph.edgeSource(step.partnerEdge);
    lines.push(`      (a WeakMap value: also needs ${describeNodeWithId(graph, other)}; drop the key or the table to free it)`);
  }
}

/** Plain-language warning for chains that exist only during the snapshot call. */
export function transientRootWarning(chain: Pick<ChainViewResult, 'transientRoot'>): string | null {
  if (chain.transientRoot === null) return null;
  return `the chain starts at ${chain.transientRoot}: it is held by the code that was running when the snapshot was taken (a local variable or handle), which is not a leak by itself`;
}

type ChainHopJson = { node: NodeJson; edge: EdgeJson | null };

export interface ChainJson {
  target: { id: number; name: string; selfSize: number; retainedSize: number; distance: number };
  /** Every hop with `--all-hops`; else a long chain's first and last hops around `{ "elidedHops": n }`. */
  chain: (ChainHopJson | { elidedHops: number })[] | LazyJsonArray;
}

function targetToJson(graph: HeapGraph, t: number, measures: NodeMeasures): ChainJson['target'] {
  return {
    id: graph.nodeId[t],
    name: graph.nodeNameOf(t),
    selfSize: measures.selfSize[t],
    retainedSize: measures.retainedSize[t],
    distance: measures.distance[t],
  };
}

/** One entry of the `chain` array: a node and the edge leaving it toward the target (null on the target). */
function hopToJson(graph: HeapGraph, node: number, edge: number): ChainHopJson {
  return { node: nodeToJson(graph, node), edge: edge < 0 ? null : edgeToJson(graph, edge) };
}

/** The hops of a chain view in JSON: root first, `{"elidedHops": n}` where a long chain's middle would be. */
export function chainHopsToJson(graph: HeapGraph, chain: ChainViewResult): (ChainHopJson | { elidedHops: number })[] {
  const hops: (ChainHopJson | { elidedHops: number })[] = [];
  chain.steps.forEach((step, i) => {
    if (i === chain.elidedAt && chain.elidedHops > 0) hops.push({ elidedHops: chain.elidedHops });
    hops.push(hopToJson(graph, step.node, step.edgeOut));
  });
  return hops;
}

/**
 * The `chain --json` shape (issue 3): root first; `edge` leaves the node toward the target. A long
 * chain keeps its first and last hops, with `{"elidedHops": n}` where the rest would be.
 */
export function chainToJson(graph: HeapGraph, chain: ChainViewResult, measures: NodeMeasures): ChainJson {
  return { target: targetToJson(graph, chain.target, measures), chain: chainHopsToJson(graph, chain) };
}

/** The `chain --json --all-hops` shape: every hop, produced while the JSON is written (renderJsonChunks). */
export function wholeChainToJson(graph: HeapGraph, chain: WholeChainResult, measures: NodeMeasures): ChainJson {
  function* hops() {
    for (let i = 0; i < chain.nodes.length; i++) yield hopToJson(graph, chain.nodes[i], chain.edges[i]);
  }
  return { target: targetToJson(graph, chain.target, measures), chain: lazyJsonArray(hops()) };
}

export interface ChainGroupsTextOptions {
  /** Groups to show (0: all); the rest are counted in one line. */
  limit?: number;
  /** Steps of each chain to show (default CHAIN_VIEW_LIMITS). */
  steps?: ChainViewLimits;
}

/**
 * The `chain --all` view: one block per chain shape, largest total retained size first. Each shows
 * its deepest member's chain, runs of repeated hops (a linked list) as one line with a count.
 */
export function renderChainGroupsText(graph: HeapGraph, className: string, result: ChainGroupsResult, options: ChainGroupsTextOptions = {}): string {
  return Array.from(chainGroupsLines(graph, className, result, options)).join('\n');
}

/** The lines of renderChainGroupsText, one group at a time: `--limit 0` may show thousands of groups. */
export function* chainGroupsLines(graph: HeapGraph, className: string, result: ChainGroupsResult, options: ChainGroupsTextOptions = {}): Generator<string> {
  const total = result.groups.reduce((n, g) => n + g.count, 0) + result.unreachable.length;
  yield `${formatCount(total)} objects of class ${sanitizeForTerminal(className, NAME_MAX)} in ${formatCount(result.groups.length)} chain ${result.groups.length === 1 ? 'shape' : 'shapes'}`;
  const limit = options.limit ?? 0;
  const shown = upToLimit(result.groups, limit);
  const lines: string[] = [];
  for (const [index, group] of shown.entries()) {
    const chain = options.steps ? group.viewWith(options.steps) : group.view;
    lines.push('');
    lines.push(`#${index + 1}  ${formatCount(group.count)} ${group.count === 1 ? 'object' : 'objects'}, ${formatBytes(group.retainedSize)} retained in total${chain.transientRoot ? ` (transient root ${chain.transientRoot})` : ''}`);
    chain.steps.forEach((step, i) => {
      if (i === chain.elidedAt && chain.elidedHops > 0) lines.push(`  ${formatElidedHops(chain.elidedHops)}`);
      const id = graph.nodeId[step.firstNode];
      if (step.edge < 0) {
        lines.push(`  ${describeNodeWithId(graph, step.node)}`);
        return;
      }
      const isTarget = step.node === chain.target;
      const ids = step.hops > 1 ? ` ${formatRun(step)} (@${id} … ${isTarget ? 'e.g. ' : ''}@${graph.nodeId[step.node]})` : isTarget ? ` (e.g. @${id})` : ` @${id}`;
      lines.push(`  ${formatEdgeName(graph, step.edge)} → ${describeNode(graph, step.firstNode)}${ids}`);
    });
    yield* lines;
    lines.length = 0;
  }
  const hidden = result.groups.length - shown.length;
  if (hidden > 0) {
    const objects = result.groups.slice(shown.length).reduce((n, g) => n + g.count, 0);
    yield '';
    yield `${formatCount(hidden)} more chain ${hidden === 1 ? 'shape' : 'shapes'} with ${formatCount(objects)} ${objects === 1 ? 'object' : 'objects'} (--limit 0 shows all)`;
  }
  if (result.unreachable.length > 0) {
    yield '';
    yield `${formatCount(result.unreachable.length)} more ${result.unreachable.length === 1 ? 'object is' : 'objects are'} held by no strong reference (weak references only, or garbage)`;
  }
}

function dotNode(graph: HeapGraph, ordinal: number, highlight: boolean, measures: NodeMeasures): DotNode {
  const label = [describeNodeWithId(graph, ordinal), `self ${formatBytes(measures.selfSize[ordinal])}, retained ${formatBytes(measures.retainedSize[ordinal])}`];
  const location = closureLocation(graph, ordinal);
  if (location) label.push(location);
  return { id: `n${graph.nodeId[ordinal]}`, label, highlight, tooltip: graph.nodeNameOf(ordinal) };
}

/** Style by edge type (docs/FORMAT.md §3.4): weak dashed, internal/hidden gray, shortcut bold. */
function dotEdge(graph: HeapGraph, from: number, to: number, edge: number): DotEdge {
  const { types } = graph;
  const type = graph.edgeType[edge];
  const result: DotEdge = { from: `n${graph.nodeId[from]}`, to: `n${graph.nodeId[to]}`, label: formatEdgeName(graph, edge) };
  if (type === types.weak) result.weak = true;
  else if (type === types.internal || type === types.hiddenEdge) result.color = 'gray50';
  else if (type === types.shortcut) result.style = 'bold';
  return result;
}

/**
 * The chain as a picture, bounded like the text: a long chain's first and last hops around one
 * "… N more hops …" box, a run of repeated hops as one box with its count.
 */
export function chainToDot(graph: HeapGraph, view: ChainViewResult, measures: NodeMeasures): DotGraph {
  const nodes: DotNode[] = [];
  const edges: DotEdge[] = [];
  let previous: DotNode | null = null;
  let previousNode = -1;
  view.steps.forEach((step, i) => {
    if (i === view.elidedAt && view.elidedHops > 0 && previous !== null) {
      const gap = { id: `elided${graph.nodeId[step.firstNode]}`, label: formatElidedHops(view.elidedHops), style: 'dashed', shape: 'box' };
      nodes.push(gap);
      edges.push({ from: previous.id, to: gap.id, style: 'dotted' });
      previous = gap;
      previousNode = -1;
    }
    const node = step.hops > 1 ? runDotNode(graph, step, step.node === view.target) : dotNode(graph, step.node, step.node === view.target, measures);
    nodes.push(node);
    if (previous !== null) {
      const link = previousNode < 0 || step.edge < 0 ? { style: 'dotted' as const } : dotEdge(graph, previousNode, step.firstNode, step.edge);
      edges.push({ ...link, from: previous.id, to: node.id });
    }
    previous = node;
    previousNode = step.node;
  });
  return { name: 'retainer chain', rankdir: 'TB', nodes, edges };
}

/** One box for a run of repeated hops: its class, count and first and last ids. */
function runDotNode(graph: HeapGraph, step: ChainStep, highlight: boolean): DotNode {
  return {
    id: `n${graph.nodeId[step.node]}`,
    label: [`${describeNode(graph, step.firstNode)} ×${formatCount(step.hops)}`, 'each held by the previous one', `@${graph.nodeId[step.firstNode]} … @${graph.nodeId[step.node]}`],
    highlight,
    style: 'bold',
    tooltip: graph.nodeNameOf(step.node),
  };
}

export function refGraphToDot(graph: HeapGraph, result: RefGraphResult, measures: NodeMeasures): DotGraph {
  const targets = new Set(result.targets);
  const nodes = result.nodes.map((o) => dotNode(graph, o, targets.has(o), measures));
  const edges = result.edges.map((e) => dotEdge(graph, e.from, e.to, e.edge));
  for (const { node, hidden } of result.truncated) {
    const more = createMoreNode(`more${graph.nodeId[node]}`, hidden, result.direction === 'backrefs' ? 'more retainers' : 'more references');
    nodes.push(more);
    edges.push(result.direction === 'backrefs' ? { from: more.id, to: `n${graph.nodeId[node]}`, style: 'dotted' } : { from: `n${graph.nodeId[node]}`, to: more.id, style: 'dotted' });
  }
  return { name: result.direction, rankdir: result.direction === 'backrefs' ? 'BT' : 'TB', nodes, edges };
}

/**
 * The reference graph as an indented tree (the BFS tree: each node expanded once; later mentions say
 * "see above"). For backrefs the children of a node are its retainers.
 */
export function renderRefTree(graph: HeapGraph, result: RefGraphResult, measures: NodeMeasures): string {
  const isBack = result.direction === 'backrefs';
  const children = new Map<number, { other: number; edge: number }[]>();
  for (const e of result.edges) {
    const parent = isBack ? e.to : e.from;
    const other = isBack ? e.from : e.to;
    let list = children.get(parent);
    if (!list) children.set(parent, list = []);
    list.push({ other, edge: e.edge });
  }
  const hiddenOf = new Map(result.truncated.map((t) => [t.node, t.hidden]));
  const lines: string[] = [];
  const printed = new Set<number>();
  // Explicit stack of [node, edge into it or -1, indent]: no recursion on deep graphs.
  const stack: [number, number, number][] = [];
  for (let i = result.targets.length - 1; i >= 0; i--) stack.push([result.targets[i], -1, 0]);
  while (stack.length > 0) {
    const [node, edge, indent] = stack.pop()!;
    const pad = '  '.repeat(indent);
    if (node < 0) {
      lines.push(`${pad}… ${formatCount(-node - 1)} more`);
      continue;
    }
    const arrow = edge < 0 ? '' : isBack ? `${formatEdgeName(graph, edge)} ← ` : `${formatEdgeName(graph, edge)} → `;
    if (printed.has(node)) {
      lines.push(`${pad}${arrow}${describeNodeWithId(graph, node)} (see above)`);
      continue;
    }
    printed.add(node);
    lines.push(`${pad}${arrow}${describeNodeWithSizes(graph, node, measures)}`);
    const hidden = hiddenOf.get(node);
    if (hidden !== undefined) stack.push([-hidden - 1, -1, indent + 1]);
    const list = children.get(node) ?? [];
    for (let i = list.length - 1; i >= 0; i--) stack.push([list[i].other, list[i].edge, indent + 1]);
  }
  return lines.join('\n');
}

export interface RefGraphJson {
  direction: string;
  targets: number[];
  nodes: (NodeJson & { selfSize: number; retainedSize: number; distance: number })[];
  edges: ({ from: number; to: number } & EdgeJson)[];
  truncated: { id: number; more: number }[];
}

export function refGraphToJson(graph: HeapGraph, result: RefGraphResult, measures: NodeMeasures): RefGraphJson {
  const { selfSize, retainedSize, distance } = measures;
  return {
    direction: result.direction,
    targets: result.targets.map((o) => graph.nodeId[o]),
    nodes: result.nodes.map((o) => ({ ...nodeToJson(graph, o), selfSize: selfSize[o], retainedSize: retainedSize[o], distance: distance[o] })),
    edges: result.edges.map((e) => ({ from: graph.nodeId[e.from], to: graph.nodeId[e.to], ...edgeToJson(graph, e.edge) })),
    truncated: result.truncated.map((t) => ({ id: graph.nodeId[t.node], more: t.hidden })),
  };
}
