// Memory by npm package or workspace folder (issue 16 item 4, `leakscope top --by package`): which
// package's code owns the bytes. V8 records where closures and constructed objects were defined
// (script id, line, column); a script's path names its package (`node_modules/express/…`, or the
// workspace folder whose package.json is nearest). Every other object belongs to the package of its
// nearest dominator that has one: what a package's objects keep alive alone is that package's.
// Objects with no located dominator (V8's and Node's own, or reachable only from the runtime) are
// "(unattributed)". Each byte is counted once, so the rows sum to the heap.
//
// Which package a script belongs to needs the file system (package.json files), so the caller passes
// `packageOf` (sources/packages.ts reads them); this file stays a pure function over the graph.
// Algorithm: one preorder walk of the dominator tree with an explicit stack, carrying the package
// down; located nodes start their own. Cost: O(N) after the dominator tree (cached), 4 B per node
// for the package column, one `packageOf` call per script.

import type { HeapGraph } from '../snapshot/heap-graph.ts';
import { computeDominatorTree } from './dominators.ts';
import { computeOwnedSelfSizes } from './owned-sizes.ts';
import { computeScriptUrls } from './source-locations.ts';

/** Rows for objects no package owns. */
export const UNATTRIBUTED = '(unattributed)';

export interface PackageRow {
  /** npm package name (`express`, `@scope/name`), workspace folder name, `node:` for Node's own modules, or UNATTRIBUTED. */
  name: string;
  /** Objects attributed to it. */
  count: number;
  /** Σ DevTools self size of those objects: what the package's objects keep alive alone. */
  size: number;
}

export interface PackagesResult {
  /** Largest size first. */
  rows: PackageRow[];
  totalSize: number;
}

const NO_PACKAGE = 0xffffffff;

/** Bytes by owning package (see the file comment); `packageOf(script)` names the package of a script URL or path, null when none. */
export function computePackageSizes(graph: HeapGraph, packageOf: (script: string) => string | null): PackagesResult {
  const { firstDominated, dominated } = computeDominatorTree(graph);
  const self = computeOwnedSelfSizes(graph);
  const names: string[] = [];
  const idByName = new Map<string, number>();
  const packageOfScriptId = new Map<number, number>();
  for (const [scriptId, url] of computeScriptUrls(graph)) {
    const name = packageOf(url);
    if (name === null) continue;
    let id = idByName.get(name);
    if (id === undefined) idByName.set(name, id = names.push(name) - 1);
    packageOfScriptId.set(scriptId, id);
  }
  // Per node, the package its own location names (NO_PACKAGE when none): located nodes are sparse.
  const own = new Uint32Array(graph.nodeCount).fill(NO_PACKAGE);
  for (let k = 0; k < graph.locObject.length; k++) {
    const id = packageOfScriptId.get(graph.locScriptId[k]);
    if (id !== undefined) own[graph.locObject[k]] = id;
  }
  const counts = new Float64Array(names.length + 1);
  const sizes = new Float64Array(names.length + 1);
  const unattributed = names.length;
  // Preorder walk: the stack holds nodes whose package is already final in `own`.
  const stack = new Uint32Array(graph.nodeCount);
  let top = 0;
  stack[top++] = graph.rootOrdinal;
  while (top > 0) {
    const node = stack[--top];
    const pkg = own[node] === NO_PACKAGE ? unattributed : own[node];
    counts[pkg]++;
    sizes[pkg] += self[node];
    for (let k = firstDominated[node]; k < firstDominated[node + 1]; k++) {
      const child = dominated[k];
      if (own[child] === NO_PACKAGE && pkg !== unattributed) own[child] = pkg;
      stack[top++] = child;
    }
  }
  const rows: PackageRow[] = [];
  for (let p = 0; p <= names.length; p++) if (counts[p] > 0) rows.push({ name: p === unattributed ? UNATTRIBUTED : names[p], count: counts[p], size: sizes[p] });
  rows.sort((a, b) => b.size - a.size || (a.name < b.name ? -1 : 1));
  let totalSize = 0;
  for (const row of rows) totalSize += row.size;
  return { rows, totalSize };
}
