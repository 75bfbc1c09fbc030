// Memory by npm package or workspace folder (issue 16 item 4, `leakscope top --by package`): which
// package's code owns the bytes. V8 records where closures and constructed objects were defined
// (script id, line, column); a script's path names its package (`node_modules/express/…`, or the
// workspace folder whose package.json is nearest). Every other object belongs to the package of its
// nearest dominator that has one: what a package's objects keep alive alone is that package's.
// Objects with no located dominator (V8's and Node's own, or reachable only from the runtime) are
// "(unattributed)". Each byte is counted once, so the rows sum to the heap. `growth --by package`
// sums, the same way, only the new objects of the last snapshot that the program holds: what each
// package grew by.
//
// Which package a script belongs to needs the file system (package.json files), so the caller passes
// `packageOf` (sources/packages.ts reads them); this file stays a pure function over the graph.
// Algorithm: one preorder walk of the dominator tree with an explicit stack, carrying the package
// down; located nodes start their own. Cost: O(N) after the dominator tree (cached), 8 B per node
// for the package column and the walk's stack, one `packageOf` call per script.

import type { HeapGraph } from '../snapshot/heap-graph.ts';
import { computeDominatorTree } from './dominators.ts';
import { computeOwnedSelfSizes, type SizeColumn } from './owned-sizes.ts';
import { computeHolders, HELD_BY_PROGRAM } from './holders.ts';
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

/** Per node, the index in `names` of the package that owns it (NO_PACKAGE: unattributed). */
interface PackageColumn {
  names: string[];
  owner: Uint32Array;
}

/** Bytes by owning package (see the file comment); `packageOf(script)` names the package of a script URL or path, null when none. */
export function computePackageSizes(graph: HeapGraph, packageOf: (script: string) => string | null): PackagesResult {
  const { names, owner } = attributeToPackages(graph, packageOf);
  const self = computeOwnedSelfSizes(graph);
  const counts = new Float64Array(names.length + 1);
  const sizes = new Float64Array(names.length + 1);
  for (let node = 0; node < graph.nodeCount; node++) {
    const pkg = owner[node] === NO_PACKAGE ? names.length : owner[node];
    counts[pkg]++;
    sizes[pkg] += self[node];
  }
  return sumRows(names, counts, sizes);
}

/**
 * Growth by package (`leakscope growth --by package`): the objects of `newOrdinals` (growth's new
 * objects that are still alive in `graph`, the last snapshot) that the program holds (holders.ts: what
 * the gate counts, so a healthy process that only compiles code or holds a request on the stack
 * grows no package), by owning package, with their self sizes from `sizes`.
 */
export function computeGrownPackages(
  graph: HeapGraph, packageOf: (script: string) => string | null, newOrdinals: Iterable<Uint32Array>, sizes: SizeColumn,
): PackagesResult {
  const { names, owner } = attributeToPackages(graph, packageOf);
  const held = computeHolders(graph).kind;
  const counts = new Float64Array(names.length + 1);
  const grown = new Float64Array(names.length + 1);
  for (const ordinals of newOrdinals) {
    for (let k = 0; k < ordinals.length; k++) {
      const node = ordinals[k];
      if (held[node] !== HELD_BY_PROGRAM) continue;
      const pkg = owner[node] === NO_PACKAGE ? names.length : owner[node];
      counts[pkg]++;
      grown[pkg] += sizes[node];
    }
  }
  return sumRows(names, counts, grown);
}

/** The owner of every node (see the file comment), in one preorder walk of the dominator tree. */
function attributeToPackages(graph: HeapGraph, packageOf: (script: string) => string | null): PackageColumn {
  const { firstDominated, dominated } = computeDominatorTree(graph);
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
  const owner = new Uint32Array(graph.nodeCount).fill(NO_PACKAGE);
  for (let k = 0; k < graph.locObject.length; k++) {
    const id = packageOfScriptId.get(graph.locScriptId[k]);
    if (id !== undefined) owner[graph.locObject[k]] = id;
  }
  // Preorder walk: the stack holds nodes whose package is already final in `owner`.
  const stack = new Uint32Array(graph.nodeCount);
  let top = 0;
  stack[top++] = graph.rootOrdinal;
  while (top > 0) {
    const node = stack[--top];
    const pkg = owner[node];
    for (let k = firstDominated[node]; k < firstDominated[node + 1]; k++) {
      const child = dominated[k];
      if (owner[child] === NO_PACKAGE) owner[child] = pkg;
      stack[top++] = child;
    }
  }
  return { names, owner };
}

/** Rows with a count, largest size first; the last slot of `counts` and `sizes` is UNATTRIBUTED. */
function sumRows(names: string[], counts: Float64Array, sizes: Float64Array): PackagesResult {
  const rows: PackageRow[] = [];
  for (let p = 0; p <= names.length; p++) if (counts[p] > 0) rows.push({ name: p === names.length ? UNATTRIBUTED : names[p], count: counts[p], size: sizes[p] });
  rows.sort((a, b) => b.size - a.size || (a.name < b.name ? -1 : 1));
  let totalSize = 0;
  for (const row of rows) totalSize += row.size;
  return { rows, totalSize };
}
