// Growth's accumulation points (analysis/accumulation.ts) in words: the collections that grew at
// every step, led by the one to fix. Named once from the last graph (like the chains of new objects),
// so the growth report stays pure data. Text, JSON and the violations' pointers share the names.

import type { HeapGraph } from '../snapshot/heap-graph.ts';
import type { ClassIndexResult } from '../snapshot/class-names.ts';
import type { AccumulationPoint, AccumulationResult } from '../analysis/accumulation.ts';
import { computeScriptNames, fileLocationOf } from '../analysis/script-names.ts';
import { displayPath } from '../analysis/source-locations.ts';
import { declarationOf } from '../analysis/original-locations.ts';
import { describeNode, formatEdgeName } from './names.ts';
import { formatBytes, formatCount, formatDelta } from './format.ts';
import { sanitizeForTerminal } from './sanitize.ts';

/** A point with its holder named: the figures as the analysis gives them, nodes and edges as text. */
export interface AccumulationPointView extends Pick<AccumulationPoint, 'id' | 'counts' | 'unit' | 'retainedSizes' | 'retainedSizeDelta'> {
  /** The collection's class as chains name nodes: `Array`, `Map`, `Object`. */
  name: string;
  /** The variable or property that holds it, as chains write edges (`->requestLog`, `.cache`); null when unknown. */
  heldAs: string | null;
  /**
   * Where the function whose scope holds it is defined, or for a module-level variable the line that
   * declares it (original source when mapped); null when unknown.
   */
  heldFrom: HolderLocation | null;
  /** The class of most of its new members (growth's class name and key), and how many. */
  mainClass: { name: string; key: string; count: number } | null;
}

/** The points of `result` named from `graph`, the last snapshot; `classes` is its class index. */
export function nameAccumulationPoints(graph: HeapGraph, result: AccumulationResult, classes: ClassIndexResult): AccumulationPointView[] {
  return result.points.map((p) => ({
    id: p.id,
    name: describeNode(graph, p.node),
    heldAs: p.heldAs < 0 ? null : formatEdgeName(graph, p.heldAs),
    heldFrom: p.heldFrom < 0 ? null : holderLocationOf(graph, p.heldFrom, p.moduleVariable),
    counts: p.counts,
    unit: p.unit,
    retainedSizes: p.retainedSizes,
    retainedSizeDelta: p.retainedSizeDelta,
    mainClass: p.mainClass < 0 ? null : { name: classes.names[p.mainClass], key: classes.keys[p.mainClass], count: p.mainClassCount },
  }));
}

/** A place in a file; line and column are null when only the file is known. */
export interface HolderLocation {
  file: string;
  line: number | null;
  column: number | null;
}

/**
 * Where `closure`'s scope, which holds a collection, is: the function's own location; for a module's
 * own scope (`moduleVariable` ≥ 0, the variable that holds it), the line that declares the variable.
 * V8 snapshots carry no source position for context variables, and the located function found for a
 * module's scope is whichever function of the module uses it (the module function itself, at 1:1, for
 * an ES module): so the script is searched for the declaration (declarationOf), else only the file
 * is given, as it is for the module function at 1:1 (V8's 0:0), a position that names no line.
 */
function holderLocationOf(graph: HeapGraph, closure: number, moduleVariable: number): HolderLocation | null {
  const location = fileLocationOf(graph, closure);
  if (location === null) return null;
  const loc = graph.locationOf(closure);
  const isModuleFunction = graph.locLine[loc] === 0 && graph.locColumn[loc] === 0;
  if (moduleVariable < 0 && !isModuleFunction) return location;
  const script = computeScriptNames(graph).get(graph.locScriptId[loc])!;
  const declared = moduleVariable < 0 ? null : declarationOf(graph, script, graph.edgeNameOf(moduleVariable));
  if (declared === null) return { file: location.file, line: null, column: null };
  return { file: displayPath(declared.url), line: declared.line, column: declared.column };
}

/** `->requestLog (Array @54845, held from server.mjs:12:7)`: which collection, safe for a terminal. */
export function describeAccumulationPoint(view: AccumulationPointView): string {
  const at = view.heldFrom;
  const where = at === null ? '' : `, held from ${at.file}${at.line === null ? '' : `:${at.line}:${at.column}`}`;
  return sanitizeForTerminal(`${view.heldAs === null ? '' : `${view.heldAs} `}(${view.name} @${view.id}${where})`, 300);
}

/**
 * `->requestLog (Array @54845, held from server.mjs:12:7) grew 30 → 50 → 70 → 90 elements, +13.0 kB
 * retained; 60 new RequestLog`
 */
export function formatAccumulationPoint(view: AccumulationPointView, formatSeries: (counts: number[]) => string): string {
  const retained = view.retainedSizeDelta === null ? '' : `, ${formatDelta(view.retainedSizeDelta, formatBytes)} retained`;
  const main = view.mainClass === null ? '' : `; ${formatCount(view.mainClass.count)} new ${sanitizeForTerminal(view.mainClass.name, 60)}`;
  return `${describeAccumulationPoint(view)} grew ${formatSeries(view.counts)} ${view.unit}${retained}${main}`;
}

/** The point whose new members are mostly of the class with this key: where that class accumulates. */
export function accumulationOfClass(views: AccumulationPointView[], key: string): AccumulationPointView | undefined {
  return views.find((view) => view.mainClass?.key === key);
}

/** A point in JSON (README: growth's `accumulation`). */
export function accumulationPointToJson(view: AccumulationPointView): unknown {
  return {
    id: view.id, name: view.name, heldAs: view.heldAs, heldFrom: view.heldFrom, counts: view.counts, unit: view.unit,
    retainedSizes: view.retainedSizes, retainedSizeDelta: view.retainedSizeDelta, mainClass: view.mainClass,
  };
}
