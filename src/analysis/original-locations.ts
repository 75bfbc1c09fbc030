// Original source locations (issue 16 item 4): where a located closure's code came from, when the
// script it runs is compiled or bundled. The mapping itself reads source maps from disk, which
// analysis and report code never do: a command creates a mapper (sources/source-maps.ts) and
// registers it for the graph here; the location functions (source-locations.ts, script-names.ts)
// ask it, so chains, refs, suspects, cycles' hints and growth all print the same original place.
// Likewise the search of a script for a variable's declaration (sources/declarations.ts), which
// names the line of a module-level variable that holds a leak.

import type { HeapGraph } from '../snapshot/heap-graph.ts';

/** A place in an original source file: 1-based line and column, as editors show them. */
export interface OriginalLocation {
  url: string;
  line: number;
  column: number;
}

/** From a script (URL or path as V8 names it) and a 1-based position in it, the original place; null when unknown. */
export type LocationMapper = (script: string, line: number, column: number) => OriginalLocation | null;

const mappers = new WeakMap<HeapGraph, LocationMapper>();

/** Registers the mapper every location of `graph` goes through. */
export function useLocationMapper(graph: HeapGraph, mapper: LocationMapper): void {
  mappers.set(graph, mapper);
}

/** The original place of a compiled one, or null when no mapper is registered or it knows none. */
export function originalLocationOf(graph: HeapGraph, script: string, line: number, column: number): OriginalLocation | null {
  const mapper = mappers.get(graph);
  return mapper === undefined ? null : mapper(script, line, column);
}

/**
 * Where a script declares a variable (`let`, `const`, `var`, `function` or `class NAME`), original
 * place when a source map covers it; null when unknown. Reads the script, so a command provides it.
 */
export type DeclarationFinder = (script: string, name: string) => OriginalLocation | null;

const declarationFinders = new WeakMap<HeapGraph, DeclarationFinder>();

/** Registers how `graph`'s scripts are searched for declarations (declarationOf). */
export function useDeclarationFinder(graph: HeapGraph, finder: DeclarationFinder): void {
  declarationFinders.set(graph, finder);
}

/** The declaration of `name` in `script`, or null when no finder is registered or it finds none. */
export function declarationOf(graph: HeapGraph, script: string, name: string): OriginalLocation | null {
  const finder = declarationFinders.get(graph);
  return finder === undefined ? null : finder(script, name);
}
