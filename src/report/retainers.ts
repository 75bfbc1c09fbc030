// Reports for retainer chains and reference graphs: text, JSON and DOT. Edges are written the way
// DevTools writes them (FORMAT.md §3.3): `.prop` (or `["odd name"]`), `[i]`, `->ctxvar`, `{internal}`,
// `[[weak]]`; nodes as `Class @id` with self and retained size and, for closures, the source location.

import type { HeapGraph } from '../snapshot/heap-graph.ts';
import {
  viewOfChain, type ChainGroupsResult, type ChainStep, type ChainViewLimits, type ChainViewResult, type RetainerChainResult, type WholeChainResult,
} from '../analysis/paths.ts';
import type { RefGraphResult } from '../analysis/ref-graph.ts';
import { computeDistances } from '../analysis/distances.ts';
import { computeRetainedSizes } from '../analysis/dominators.ts';
import { computeOwnedSelfSizes } from '../analysis/owned-sizes.ts';
import { ephemeronNamesOf } from '../analysis/distances.ts';
import { formatSourceLocation, sourceLocationOf } from '../analysis/source-locations.ts';
import { createMoreNode, type DotEdge, type DotGraph, type DotNode } from './dot.ts';
import { formatBytes, formatCount } from './format.ts';
import { lazyJsonArray, type LazyJsonArray } from './json-stream.ts';
import { quoteHeapString, sanitizeForTerminal } from './sanitize.ts';

/** Longest edge or node name shown in text; heap strings can be 1024 characters. */
const NAME_MAX = 60;
const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** An edge in DevTools notation, safe for a terminal. */
export function formatEdgeName(graph: HeapGraph, edge: number): string {
  const { types } = graph;
  const type = graph.edgeType[edge];
  const name = graph.edgeNameOf(edge);
  if (type === types.element) return `[${name}]`;
  if (type === types.context) return `->${sanitizeForTerminal(name, NAME_MAX)}`;
  if (type === types.internal || type === types.hiddenEdge) {
    const ephemeron = type === types.internal ? ephemeronNamesOf(graph).get(graph.edgeNameOrIndex[edge]) : undefined;
    return ephemeron ? `{WeakMap entry of table @${ephemeron.tableId}}` : `{${sanitizeForTerminal(name, NAME_MAX)}}`;
  }
  if (type === types.weak) return `[[${sanitizeForTerminal(name, NAME_MAX)}]]`;
  // property and shortcut
  return IDENTIFIER.test(name) ? `.${name}` : `[${quoteHeapString(name, NAME_MAX)}]`;
}

/** What a node is, in a few words: `RequestContext`, `Function onConfigChanged`, `(string) "abc"`. */
export function describeNode(graph: HeapGraph, ordinal: number): string {
  const { types } = graph;
  const type = graph.nodeType[ordinal];
  const name = graph.nodeNameOf(ordinal);
  if (type === types.closure) return `Function ${name ? sanitizeForTerminal(name, NAME_MAX) : '(anonymous)'}`;
  if (type === types.string || type === types.consString || type === types.slicedString) {
    return type === types.string ? `(string) ${quoteHeapString(name, 40)}` : `(${graph.nodeTypeOf(ordinal)})`;
  }
  if (type === types.object || type === types.native) return sanitizeForTerminal(name || '(anonymous)', NAME_MAX);
  if (name === '') return `(${graph.nodeTypeOf(ordinal)})`;
  return sanitizeForTerminal(name, NAME_MAX);
}

/** Source location text for closures (where the function is defined), else ''. */
export function closureLocation(graph: HeapGraph, ordinal: number): string {
  if (graph.nodeType[ordinal] !== graph.types.closure) return '';
  const location = sourceLocationOf(graph, ordinal);
  return location ? sanitizeForTerminal(formatSourceLocation(location), 200) : '';
}

/** `Class @id  self 64 B  retained 1.2 kB  file.js:3:10` */
export function describeNodeWithSizes(graph: HeapGraph, ordinal: number): string {
  const self = computeOwnedSelfSizes(graph)[ordinal];
  const retained = computeRetainedSizes(graph)[ordinal];
  const location = closureLocation(graph, ordinal);
  return `${describeNode(graph, ordinal)} @${graph.nodeId[ordinal]}  self ${formatBytes(self)}  retained ${formatBytes(retained)}${location ? `  ${location}` : ''}`;
}

/** `… 4,999,990 more hops …`: what stands for the middle of a long chain. */
export function formatElidedHops(hops: number): string {
  return `… ${formatCount(hops)} more ${hops === 1 ? 'hop' : 'hops'} …`;
}

/** `×199,999, each held by the previous one`: a run of repeated hops. */
function formatRun(step: ChainStep): string {
  return `×${formatCount(step.hops)}, each held by the previous one`;
}

/** A chain, root first, one hop per line; a long one keeps its first and last hops (ChainViewResult). */
export function renderChainText(graph: HeapGraph, chain: ChainViewResult): string {
  const lines = [chainHeadline(graph, chain)];
  chain.steps.forEach((step, i) => {
    if (i === chain.elidedAt && chain.elidedHops > 0) lines.push(`  ${formatElidedHops(chain.elidedHops)}`);
    pushStepLines(graph, step, lines);
  });
  return lines.join('\n');
}

/** renderChainText for every hop of a chain however long (`--all-hops`), line by line. */
export function* wholeChainLines(graph: HeapGraph, chain: WholeChainResult): Generator<string> {
  yield chainHeadline(graph, { ...chain, hopCount: chain.nodes.length - 1 });
  const lines: string[] = [];
  for (let i = 0; i < chain.nodes.length; i++) {
    const edge = i > 0 ? chain.edges[i - 1] : -1;
    pushStepLines(graph, { node: chain.nodes[i], firstNode: chain.nodes[i], edge, edgeOut: chain.edges[i], hops: edge < 0 ? 0 : 1, partnerEdge: i > 0 ? chain.partnerEdges[i - 1] : -1 }, lines);
    yield* lines;
    lines.length = 0;
  }
}

function chainHeadline(graph: HeapGraph, chain: Pick<ChainViewResult, 'target' | 'hopCount' | 'isFromUserRoot'>): string {
  const distance = computeDistances(graph)[chain.target];
  const hops = chain.hopCount;
  return `${describeNode(graph, chain.target)} @${graph.nodeId[chain.target]}: ${formatCount(hops)} ${hops === 1 ? 'hop' : 'hops'} from ${chain.isFromUserRoot ? 'a global object' : 'a GC root'} (distance ${distance})`;
}

/** The line of one step (the edge into it, the node with its sizes) and, for a WeakMap hop, what else it needs. */
function pushStepLines(graph: HeapGraph, step: ChainStep, lines: string[]): void {
  if (step.edge < 0) {
    lines.push(`  ${describeNodeWithSizes(graph, step.node)}`);
    return;
  }
  const run = step.hops > 1 ? ` … ${formatRun(step)} (to @${graph.nodeId[step.node]})` : '';
  lines.push(`  ${formatEdgeName(graph, step.edge)} → ${describeNodeWithSizes(graph, step.firstNode)}${run}`);
  if (step.partnerEdge >= 0) {
    const other = graph.edgeSource(step.partnerEdge);
    lines.push(`      (a WeakMap value: also needs ${describeNode(graph, other)} @${graph.nodeId[other]}; drop the key or the table to free it)`);
  }
}

/** Plain-language warning for chains that exist only during the snapshot call. */
export function transientRootWarning(chain: Pick<RetainerChainResult, 'transientRoot'>): string | null {
  if (chain.transientRoot === null) return null;
  return `the chain starts at ${chain.transientRoot}: it is held by the code that was running when the snapshot was taken (a local variable or handle), which is not a leak by itself`;
}

type ChainHopJson = { node: { id: number; name: string; type: string }; edge: { type: string; name: string | number } | null };

export interface ChainJson {
  target: { id: number; name: string; selfSize: number; retainedSize: number; distance: number };
  /** Every hop with `--all-hops`; else a long chain's first and last hops around `{ "elidedHops": n }`. */
  chain: (ChainHopJson | { elidedHops: number })[] | LazyJsonArray;
}

function targetToJson(graph: HeapGraph, t: number): ChainJson['target'] {
  return {
    id: graph.nodeId[t],
    name: graph.nodeNameOf(t),
    selfSize: computeOwnedSelfSizes(graph)[t],
    retainedSize: computeRetainedSizes(graph)[t],
    distance: computeDistances(graph)[t],
  };
}

/** One entry of the `chain` array: a node and the edge leaving it toward the target (null on the target). */
function hopToJson(graph: HeapGraph, node: number, edge: number): ChainHopJson {
  return {
    node: { id: graph.nodeId[node], name: graph.nodeNameOf(node), type: graph.nodeTypeOf(node) },
    edge: edge < 0 ? null : { type: graph.edgeTypeOf(edge), name: graph.isIndexEdge(edge) ? graph.edgeNameOrIndex[edge] : graph.edgeNameOf(edge) },
  };
}

/**
 * The `chain --json` shape (issue 3): root first; `edge` leaves the node toward the target. A long
 * chain keeps its first and last hops, with `{"elidedHops": n}` where the rest would be.
 */
export function chainToJson(graph: HeapGraph, chain: ChainViewResult): ChainJson {
  const hops: (ChainHopJson | { elidedHops: number })[] = [];
  chain.steps.forEach((step, i) => {
    if (i === chain.elidedAt && chain.elidedHops > 0) hops.push({ elidedHops: chain.elidedHops });
    hops.push(hopToJson(graph, step.node, step.edgeOut));
  });
  return { target: targetToJson(graph, chain.target), chain: hops };
}

/** The `chain --json --all-hops` shape: every hop, produced while the JSON is written (renderJsonChunks). */
export function wholeChainToJson(graph: HeapGraph, chain: WholeChainResult): ChainJson {
  function* hops() {
    for (let i = 0; i < chain.nodes.length; i++) yield hopToJson(graph, chain.nodes[i], chain.edges[i]);
  }
  return { target: targetToJson(graph, chain.target), chain: lazyJsonArray(hops()) };
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
export function renderChainGroupsText(graph: HeapGraph, typeName: string, result: ChainGroupsResult, options: ChainGroupsTextOptions = {}): string {
  return Array.from(chainGroupsLines(graph, typeName, result, options)).join('\n');
}

/** The lines of renderChainGroupsText, one group at a time: `--limit 0` may show thousands of groups. */
export function* chainGroupsLines(graph: HeapGraph, typeName: string, result: ChainGroupsResult, options: ChainGroupsTextOptions = {}): Generator<string> {
  const total = result.groups.reduce((n, g) => n + g.count, 0) + result.unreachable.length;
  yield `${formatCount(total)} objects of type ${sanitizeForTerminal(typeName, NAME_MAX)} in ${formatCount(result.groups.length)} chain ${result.groups.length === 1 ? 'shape' : 'shapes'}`;
  const limit = options.limit ?? 0;
  const shown = limit === 0 ? result.groups : result.groups.slice(0, limit);
  const lines: string[] = [];
  for (const [index, group] of shown.entries()) {
    const chain = options.steps ? group.viewWith(options.steps) : group.view;
    lines.push('');
    lines.push(`#${index + 1}  ${formatCount(group.count)} ${group.count === 1 ? 'object' : 'objects'}, ${formatBytes(group.totalRetained)} retained in total${chain.transientRoot ? ` (transient root ${chain.transientRoot})` : ''}`);
    chain.steps.forEach((step, i) => {
      if (i === chain.elidedAt && chain.elidedHops > 0) lines.push(`  ${formatElidedHops(chain.elidedHops)}`);
      const id = graph.nodeId[step.firstNode];
      if (step.edge < 0) {
        lines.push(`  ${describeNode(graph, step.node)} @${id}`);
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

function dotNode(graph: HeapGraph, ordinal: number, highlight: boolean): DotNode {
  const self = computeOwnedSelfSizes(graph)[ordinal];
  const retained = computeRetainedSizes(graph)[ordinal];
  const label = [`${describeNode(graph, ordinal)} @${graph.nodeId[ordinal]}`, `self ${formatBytes(self)}, retained ${formatBytes(retained)}`];
  const location = closureLocation(graph, ordinal);
  if (location) label.push(location);
  return { id: `n${graph.nodeId[ordinal]}`, label, highlight, tooltip: graph.nodeNameOf(ordinal) };
}

/** Style by edge type (FORMAT.md §3.4): weak dashed, internal/hidden gray, shortcut bold. */
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
export function chainToDot(graph: HeapGraph, chain: ChainViewResult | RetainerChainResult): DotGraph {
  const view = 'steps' in chain ? chain : viewOfChain(chain);
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
    const node = step.hops > 1 ? runDotNode(graph, step, step.node === view.target) : dotNode(graph, step.node, step.node === view.target);
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

export function refGraphToDot(graph: HeapGraph, result: RefGraphResult): DotGraph {
  const targets = new Set(result.targets);
  const nodes = result.nodes.map((o) => dotNode(graph, o, targets.has(o)));
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
export function renderRefTree(graph: HeapGraph, result: RefGraphResult): string {
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
      lines.push(`${pad}${arrow}${describeNode(graph, node)} @${graph.nodeId[node]} (see above)`);
      continue;
    }
    printed.add(node);
    lines.push(`${pad}${arrow}${describeNodeWithSizes(graph, node)}`);
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
  nodes: { id: number; name: string; type: string; selfSize: number; retainedSize: number; distance: number }[];
  edges: { from: number; to: number; type: string; name: string | number }[];
  truncated: { id: number; more: number }[];
}

export function refGraphToJson(graph: HeapGraph, result: RefGraphResult): RefGraphJson {
  const self = computeOwnedSelfSizes(graph);
  const retained = computeRetainedSizes(graph);
  const dist = computeDistances(graph);
  return {
    direction: result.direction,
    targets: result.targets.map((o) => graph.nodeId[o]),
    nodes: result.nodes.map((o) => ({ id: graph.nodeId[o], name: graph.nodeNameOf(o), type: graph.nodeTypeOf(o), selfSize: self[o], retainedSize: retained[o], distance: dist[o] })),
    edges: result.edges.map((e) => ({
      from: graph.nodeId[e.from], to: graph.nodeId[e.to], type: graph.edgeTypeOf(e.edge),
      name: graph.isIndexEdge(e.edge) ? graph.edgeNameOrIndex[e.edge] : graph.edgeNameOf(e.edge),
    })),
    truncated: result.truncated.map((t) => ({ id: graph.nodeId[t.node], more: t.hidden })),
  };
}
