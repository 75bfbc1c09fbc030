// How every output names nodes and edges: one notation for text, DOT and JSON. Edges are written the
// way DevTools writes them (docs/FORMAT.md §3.3): `.prop` (or `["odd name"]`), `[i]`, `->ctxvar`,
// `{internal}`, `[[weak]]`; nodes by what they are (`RequestContext`, `Function onData`,
// `(string) "abc"`) and `@id`. Text is safe for a terminal; JSON carries V8's own names and types.

import type { HeapGraph } from '../snapshot/heap-graph.ts';
import type { NodeMeasures } from '../analysis/node-measures.ts';
import { ephemeronNamesOf } from '../analysis/distances.ts';
import { sourceLocationOf } from '../analysis/source-locations.ts';
import { formatSourceLocation } from './allocation-sites.ts';
import { formatBytes } from './format.ts';
import { quoteHeapString, sanitizeForTerminal } from './sanitize.ts';

/** Longest edge or node name shown in text; heap strings can be 1024 characters. */
export const NAME_MAX = 60;
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

/** `RequestContext @123` */
export function describeNodeWithId(graph: HeapGraph, ordinal: number): string {
  return `${describeNode(graph, ordinal)} @${graph.nodeId[ordinal]}`;
}

/** Source location text for closures (where the function is defined), else ''. */
export function closureLocation(graph: HeapGraph, ordinal: number): string {
  if (graph.nodeType[ordinal] !== graph.types.closure) return '';
  const location = sourceLocationOf(graph, ordinal);
  // The script as the heap names it (file URLs stay URLs here), unlike profile and allocation frames.
  return location ? sanitizeForTerminal(formatSourceLocation(location.file, location.line, location.column), 200) : '';
}

/** `Class @id  self 64 B  retained 1.2 kB  file.js:3:10` */
export function describeNodeWithSizes(graph: HeapGraph, ordinal: number, measures: NodeMeasures): string {
  const location = closureLocation(graph, ordinal);
  return `${describeNodeWithId(graph, ordinal)}  self ${formatBytes(measures.selfSize[ordinal])}  retained ${formatBytes(measures.retainedSize[ordinal])}${location ? `  ${location}` : ''}`;
}

export interface NodeJson { id: number; name: string; type: string }
export interface EdgeJson { type: string; name: string | number }

/** A node in JSON: V8's id, name and node type, unescaped (the JSON writer escapes). */
export function nodeToJson(graph: HeapGraph, ordinal: number): NodeJson {
  return { id: graph.nodeId[ordinal], name: graph.nodeNameOf(ordinal), type: graph.nodeTypeOf(ordinal) };
}

/** An edge in JSON: V8's edge type and its name, a number for element and hidden edges. */
export function edgeToJson(graph: HeapGraph, edge: number): EdgeJson {
  return { type: graph.edgeTypeOf(edge), name: graph.isIndexEdge(edge) ? graph.edgeNameOrIndex[edge] : graph.edgeNameOf(edge) };
}
