// One-line previews of single objects for `list`, `chain` and graphs: a string's value, an object's
// first property names, a function's name, an array's length. Bounded work per node: previews are
// asked for a handful of objects, never for the whole heap.

import type { HeapGraph } from '../snapshot/heap-graph.ts';

const MAX_PROPERTIES = 5;
const MAX_STRING = 80;
/** Cons strings can nest deeply; stop flattening after this many parts. */
const MAX_STRING_PARTS = 64;

export function previewNode(graph: HeapGraph, ordinal: number): string {
  const { types } = graph;
  const type = graph.nodeType[ordinal];
  if (type === types.string || type === types.slicedString) return JSON.stringify(cut(graph.nodeNameOf(ordinal)));
  if (type === types.consString) return JSON.stringify(cut(flattenConsString(graph, ordinal)));
  if (type === types.closure) {
    const name = graph.nodeNameOf(ordinal);
    return `function ${name || '(anonymous)'}()`;
  }
  if (type === types.regexp) return `/${cut(graph.nodeNameOf(ordinal))}/`;
  if (type === types.object || type === types.native) {
    const name = graph.nodeNameOf(ordinal);
    if (name === 'Array') return `Array(${arrayLength(graph, ordinal)})`;
    const properties = propertyNames(graph, ordinal, MAX_PROPERTIES + 1);
    if (properties.length === 0) return '{}';
    const shown = properties.slice(0, MAX_PROPERTIES).join(', ');
    return `{${shown}${properties.length > MAX_PROPERTIES ? ', …' : ''}}`;
  }
  return '';
}

/** Names of property edges (not __proto__), in edge order, up to `limit`. */
export function propertyNames(graph: HeapGraph, ordinal: number, limit: number): string[] {
  const names: string[] = [];
  const property = graph.types.property;
  for (let e = graph.firstEdge[ordinal]; e < graph.firstEdge[ordinal + 1] && names.length < limit; e++) {
    if (graph.edgeType[e] !== property) continue;
    const name = graph.edgeNameOf(e);
    if (name !== '__proto__') names.push(name);
  }
  return names;
}

/** Element edges on the array's backing store (`internal "elements"`), as DevTools counts them. */
function arrayLength(graph: HeapGraph, ordinal: number): number {
  let count = 0;
  for (let e = graph.firstEdge[ordinal]; e < graph.firstEdge[ordinal + 1]; e++) {
    if (graph.edgeType[e] === graph.types.element) count++;
    if (graph.edgeType[e] === graph.types.internal && graph.edgeNameOf(e) === 'elements') {
      const store = graph.edgeTarget[e];
      for (let f = graph.firstEdge[store]; f < graph.firstEdge[store + 1]; f++) {
        if (graph.edgeType[f] !== graph.types.weak) count++;
      }
    }
  }
  return count;
}

function flattenConsString(graph: HeapGraph, ordinal: number): string {
  let text = '';
  const stack = [ordinal];
  let parts = 0;
  while (stack.length > 0 && text.length < MAX_STRING && parts++ < MAX_STRING_PARTS) {
    const v = stack.pop()!;
    if (graph.nodeType[v] !== graph.types.consString) {
      text += graph.nodeNameOf(v);
      continue;
    }
    let first = -1;
    let second = -1;
    for (let e = graph.firstEdge[v]; e < graph.firstEdge[v + 1]; e++) {
      const name = graph.edgeNameOf(e);
      if (name === 'first') first = graph.edgeTarget[e];
      else if (name === 'second') second = graph.edgeTarget[e];
    }
    if (second >= 0) stack.push(second);
    if (first >= 0) stack.push(first);
  }
  return text;
}

function cut(text: string): string {
  return text.length > MAX_STRING ? `${text.slice(0, MAX_STRING - 1)}…` : text;
}
