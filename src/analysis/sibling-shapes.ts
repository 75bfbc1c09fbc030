// Light siblings grouped by shape, for the suspects walk (suspects.ts): class, hidden class (V8
// map), and a detail (a closure's function, a context's scope) for the kinds whose hidden class many
// unrelated objects share. 1,000 closures of one function under one node are one group, however
// light each is. Keys are ordinals in nested maps: no key strings.

import type { HeapGraph } from '../snapshot/heap-graph.ts';
import { SHARED_EDGE } from '../snapshot/v8-names.ts';
import { internalEdgeTarget } from './source-locations.ts';

export type ShapeKey = [cls: number, map: number, detail: number];

/** Reads the shape of nodes. */
export class SiblingShapes {
  readonly #graph: HeapGraph;
  readonly #classOf: ArrayLike<number>;
  readonly #mapNames: Set<number>;
  readonly #sharedNames: Set<number>;
  readonly #scopeInfoNames: Set<number>;
  readonly #shapeKey: ShapeKey = [0, 0, 0];

  constructor(graph: HeapGraph, classOf: ArrayLike<number>) {
    this.#graph = graph;
    this.#classOf = classOf;
    this.#mapNames = new Set(graph.strings.indexesOf('map'));
    this.#sharedNames = new Set(graph.strings.indexesOf(SHARED_EDGE));
    this.#scopeInfoNames = new Set(graph.strings.indexesOf('scope_info'));
  }

  /** The shape of a groupable node: [class, hidden class (-1: none), detail]. Reuses one array. */
  shapeOf(node: number): ShapeKey {
    const key = this.#shapeKey;
    key[0] = this.#classOf[node];
    key[1] = internalEdgeTarget(this.#graph, node, this.#mapNames);
    key[2] = this.#shapeDetail(node);
    return key;
  }

  /** For closures the function (SharedFunctionInfo), for contexts the scope (ScopeInfo); -1 otherwise. */
  #shapeDetail(node: number): number {
    const graph = this.#graph;
    if (graph.nodeType[node] === graph.types.closure) return internalEdgeTarget(graph, node, this.#sharedNames);
    return internalEdgeTarget(graph, node, this.#scopeInfoNames);
  }
}

export interface ShapeGroup {
  count: number;
  retainedSize: number;
  largest: number;
  largestSize: number;
  typical: number;
}

/** Siblings by shape, with their count, total retained size, largest and typical member. */
export class ShapeGroups {
  readonly #byClass = new Map<number, Map<number, Map<number, ShapeGroup>>>();

  add([cls, map, detail]: ShapeKey, member: number, retainedSize: number): void {
    let byMap = this.#byClass.get(cls);
    if (byMap === undefined) this.#byClass.set(cls, byMap = new Map());
    let byDetail = byMap.get(map);
    if (byDetail === undefined) byMap.set(map, byDetail = new Map());
    const group = byDetail.get(detail);
    if (group === undefined) {
      byDetail.set(detail, { count: 1, retainedSize, largest: member, largestSize: retainedSize, typical: member });
      return;
    }
    group.count++;
    group.retainedSize += retainedSize;
    if (retainedSize > group.largestSize) {
      group.largest = member;
      group.largestSize = retainedSize;
    }
  }

  get([cls, map, detail]: ShapeKey): ShapeGroup | undefined {
    return this.#byClass.get(cls)?.get(map)?.get(detail);
  }

  /** Groups of two or more members retaining at least `threshold` together. */
  heavierThan(threshold: number): ShapeGroup[] {
    const heavy: ShapeGroup[] = [];
    for (const byMap of this.#byClass.values()) {
      for (const byDetail of byMap.values()) {
        for (const group of byDetail.values()) if (group.count >= 2 && group.retainedSize >= threshold) heavy.push(group);
      }
    }
    return heavy;
  }
}
