// Leak suspects from one snapshot (Eclipse MAT's "Leak Suspects" report, for V8): the few objects
// that hold most of the heap, and below each the *accumulation point*, the collection where the
// memory fans out into many objects of one class.
//
// Algorithm: a walk down the dominator tree (docs/FORMAT.md §4.5) from the root, over *heavy* nodes only
// (retained size ≥ the threshold share of the heap):
//   - the root, synthetic nodes ((GC roots) and its categories) and the global objects hold
//     everything and name nothing: the walk passes through them (`isPassThrough`);
//   - the first heavy node below them is a suspect's *top object*. From it the walk descends to the
//     heaviest child while that child still holds ≥ ACCUMULATION_SHARE of the top object's retained
//     size; where it stops is the accumulation point. If some child there is itself heavy, the
//     memory splits into big parts: each part is a suspect of its own (the node is passed through);
//   - below any node passed through, children too light on their own are grouped by shape (class,
//     hidden class, and for closures their function, for contexts their scope): a group whose
//     members together reach the threshold is a suspect too (1,000 closures of 0.1% each).
// "Children" are the dominated children with V8's internal stores seen through (dominated-members.ts):
// an array's elements, an object's property dictionary, a Map's hash table belong to the object that
// owns them, so the Map is the collection and its entries are its children.
//
// Stores are never suspects themselves: under a root they are seen through too, so V8's own caches
// (the number-to-string cache under (Strong roots), 8% of a bare Node process) name nothing.
// Node's module registries are not suspects either, and are listed apart (`isModuleRegistryClass`):
// they grow with the code a program loads, not with its work, and in a small heap they pass 10%
// (Node 20's builtin-module map holds 14% of a bare 3 MB process).
//
// Suspects are disjoint subtrees of the dominator tree, so at most 100 / threshold of them exist.
// Cost: the dominator tree and the class index (both cached), then O(N) for the walk (each node is
// looked at as a child at most once, its out-edges once for its shape) plus one retainer chain per
// suspect (distances and chain parents, O(N + E), cached). No per-node objects: per-walk scratch is
// typed arrays; shapes are keyed by small integers.
//
// Invariants: every suspect's retained size is at least the threshold; no suspect dominates another;
// the breakdown of a suspect sums the retained sizes of disjoint subtrees (children of one node).

import type { HeapGraph } from '../snapshot/heap-graph.ts';
import { computeClassIndex, type ClassIndexResult, type NameMode } from '../snapshot/class-names.ts';
import { computeDominatorTree } from './dominators.ts';
import { isNodeModuleRecordClass } from './user-code.ts';
import { ShapeGroups, SiblingShapes, type ShapeGroup } from './sibling-shapes.ts';
import { userRoots } from './roots.ts';
import { RetainerChainFinder, type ChainViewLimits, type ChainViewResult } from './paths.ts';
import { computeHolders, HELD_WEAKLY } from './holders.ts';
import { edgeBetween, findLastingChain } from './lasting-chain.ts';
import { DominatedMembers } from './dominated-members.ts';

/** MAT's default: an object or group holding a tenth of the heap is worth a look. */
export const DEFAULT_THRESHOLD_PERCENT = 10;
/**
 * The accumulation point still holds this share of its top object's retained size: "most" of it,
 * as in MAT, whose default is the same 80%.
 */
export const ACCUMULATION_SHARE = 0.8;
/**
 * Eight objects of one class in a row, each the heaviest child of the one before, are a list (a
 * linked list, a tree, a chain of closures): it accumulates at its first node. Shorter runs are
 * nesting (a context in a context, a wrapper), which the descent goes through.
 */
const MIN_LIST_RUN = 8;
/** A member's example path follows children that hold at least this share of the member. */
const EXAMPLE_STEP_SHARE = 0.5;
/**
 * A suspect's chain shows where it starts and, in full, its last hops: where the variable or
 * property that holds the collection is. `chain --id` shows more.
 */
export const SUSPECT_CHAIN_LIMITS: ChainViewLimits = { head: 3, tail: 10 };
/** Longest example path: enough for closure → context → variable → its contents. */
const EXAMPLE_MAX_STEPS = 6;

export interface FindSuspectsOptions {
  /** Share of the heap, in percent (0 < p ≤ 100), an object or group must retain. Default 10. */
  thresholdPercent?: number;
  /** Class names for the breakdown (default devtools). */
  names?: NameMode;
}

/** One class among what accumulates at a suspect: its objects that are children of the accumulation point. */
export interface SuspectClassRow {
  /** Class id in `SuspectsResult.classes`. */
  classId: number;
  count: number;
  /** Sum of their retained sizes (disjoint: children of one node). */
  retainedSize: number;
  /** The member with the largest retained size. */
  largest: number;
  /**
   * The member whose retained size is nearest the class's mean: what one of them usually holds (the
   * largest can be the one that also keeps a shared thing, such as the function's compiled code).
   */
  typical: number;
}

/** One hop of an example path: `edge` (-1 when no direct reference exists) leads from the previous node to `node`. */
export interface SuspectPathStep {
  edge: number;
  node: number;
}

export interface LeakSuspect {
  /**
   * `object`: one object retains the share; `group`: objects of one shape, children of one node,
   * retain it together.
   */
  kind: 'object' | 'group';
  /** object: the top object (first node below the pass-through ones); group: the node they hang under. */
  top: number;
  /** object: the accumulation point (the collection); group: a typical member (see SuspectClassRow.typical). */
  accumulation: number;
  /** object: retained size of `top`; group: the members' retained sizes summed. */
  retainedSize: number;
  /** What accumulates: children of the accumulation point by class (group: the members), largest first. */
  breakdown: SuspectClassRow[];
  /** Children of the accumulation point (group: members) in all. */
  memberCount: number;
  /**
   * What one object of the largest class holds: from its typical instance down, each step a child
   * holding ≥ half of it (closure → {context} → ->largeUnused → Array). Empty when it holds little.
   */
  example: SuspectPathStep[];
  /**
   * Shortest strong chain from a root to `accumulation`, with variable and property names, cut to
   * SUSPECT_CHAIN_LIMITS; null when none.
   */
  chain: ChainViewResult | null;
  /**
   * When `chain` is transient (it starts at the stack of the code that wrote the snapshot, as in a
   * snapshot written near the heap limit), a chain from a lasting root (a global, a module, a
   * handle), which names the variable that keeps the collection; else null.
   */
  lastingChain: ChainViewResult | null;
}

/** A heavy node left out, and why: it belongs to the runtime, not the program. */
export interface SkippedHolder {
  reason: 'module-registry';
  node: number;
  retainedSize: number;
}

export interface SuspectsResult {
  /** The heap: the root's retained size. */
  totalSize: number;
  thresholdPercent: number;
  /** In bytes. */
  threshold: number;
  /** Largest retained size first. */
  suspects: LeakSuspect[];
  skipped: SkippedHolder[];
  /** The heaviest object below the pass-through nodes that is no suspect (-1 if none): the context of "no suspect". */
  largestOther: number;
  /** What the report names and sizes nodes by: the class index and the retained sizes (both cached per graph). */
  classes: ClassIndexResult;
  retainedSizes: Float64Array;
}

/**
 * Leak suspects of one snapshot (see the file comment). Not cached: it depends on the threshold;
 * everything it reads is.
 */
export function findLeakSuspects(graph: HeapGraph, options: FindSuspectsOptions = {}): SuspectsResult {
  const thresholdPercent = options.thresholdPercent ?? DEFAULT_THRESHOLD_PERCENT;
  if (!(thresholdPercent > 0 && thresholdPercent <= 100)) throw new RangeError(`threshold must be a percentage in (0, 100], got ${thresholdPercent}`);
  const walk = new SuspectWalk(graph, thresholdPercent, options.names ?? 'devtools');
  walk.run();
  if (walk.suspects.length > 0) {
    const finder = new RetainerChainFinder(graph);
    for (const suspect of walk.suspects) {
      suspect.chain = finder.view(suspect.accumulation, SUSPECT_CHAIN_LIMITS);
      if (suspect.chain !== null && suspect.chain.transientRoot !== null) suspect.lastingChain = findLastingChain(graph, suspect.accumulation, SUSPECT_CHAIN_LIMITS);
    }
  }
  walk.suspects.sort((a, b) => b.retainedSize - a.retainedSize || a.top - b.top);
  walk.skipped.sort((a, b) => b.retainedSize - a.retainedSize || a.node - b.node);
  return {
    totalSize: walk.total, thresholdPercent, threshold: walk.threshold, suspects: walk.suspects,
    skipped: walk.skipped, largestOther: walk.largestOther, classes: walk.classes, retainedSizes: walk.retainedSizes,
  };
}

class SuspectWalk {
  readonly graph: HeapGraph;
  readonly classes: ClassIndexResult;
  readonly total: number;
  readonly threshold: number;
  readonly suspects: LeakSuspect[] = [];
  readonly skipped: SkippedHolder[] = [];
  largestOther = -1;
  readonly retainedSizes: Float64Array;
  readonly #retained: Float64Array;
  readonly #idom: Uint32Array;
  readonly #passThrough: Uint8Array;
  /** Node types never grouped by shape: V8's values and internals, shared by the runtime. */
  readonly #isGroupable: Uint8Array;
  readonly #shapes: SiblingShapes;
  /** The children (members) of the node last collected. */
  readonly #children: DominatedMembers;
  #isModuleRegistry: Int8Array;

  constructor(graph: HeapGraph, thresholdPercent: number, names: NameMode) {
    this.graph = graph;
    const tree = computeDominatorTree(graph);
    this.#retained = this.retainedSizes = tree.retained;
    this.#idom = tree.idom;
    this.#children = new DominatedMembers(graph, tree);
    this.classes = computeClassIndex(graph, names);
    this.total = this.#retained[graph.rootOrdinal];
    this.threshold = (this.total * thresholdPercent) / 100;
    const { types } = graph;
    this.#passThrough = new Uint8Array(graph.nodeTypeNames.length);
    this.#isGroupable = new Uint8Array(graph.nodeTypeNames.length);
    for (const t of [types.object, types.closure, types.regexp, types.native]) if (t >= 0) this.#isGroupable[t] = 1;
    this.#shapes = new SiblingShapes(graph, this.classes.classOf);
    this.#isModuleRegistry = new Int8Array(this.classes.names.length).fill(-1);
  }

  /** The root, synthetic nodes and the global objects: they hold everything and name nothing. */
  isPassThrough(node: number): boolean {
    const graph = this.graph;
    return node === graph.rootOrdinal || graph.nodeType[node] === graph.types.synthetic || this.#isUserRoot(node);
  }

  #userRootSet: Set<number> | undefined;
  #isUserRoot(node: number): boolean {
    return (this.#userRootSet ??= new Set(userRoots(this.graph))).has(node);
  }

  run(): void {
    // Work list of nodes, each tagged: pass through (look at its children) or a top object (descend).
    const work: number[] = [this.graph.rootOrdinal];
    const isTop: boolean[] = [false];
    while (work.length > 0) {
      const node = work.pop()!;
      if (isTop.pop()!) this.#descend(node, work, isTop);
      else this.#passThroughNode(node, work, isTop);
    }
  }

  /** Heavy children become top objects (or are passed through); light ones are grouped by shape. */
  #passThroughNode(node: number, work: number[], isTop: boolean[]): void {
    this.#children.collect(node);
    const retained = this.#retained;
    const groups = new ShapeGroups();
    const holders = computeHolders(this.graph).kind;
    for (let i = 0; i < this.#children.count; i++) {
      const m = this.#children.members[i];
      // Differs from the dominator tree's view, as Eclipse MAT does: objects no strong reference
      // reaches (garbage awaiting collection, weak-only) hang off the root there but hold nothing.
      if (holders[m] === HELD_WEAKLY) continue;
      if (retained[m] >= this.threshold) {
        work.push(m);
        isTop.push(!this.isPassThrough(m));
        continue;
      }
      if (this.isPassThrough(m)) continue;
      if (this.largestOther < 0 || retained[m] > retained[this.largestOther]) this.largestOther = m;
      if (this.#isGroupable[this.graph.nodeType[m]] === 1) groups.add(this.#shapes.shapeOf(m), m, retained[m]);
    }
    const heavy = groups.heavierThan(this.threshold);
    if (heavy.length === 0) return;
    // Second pass, for the heavy groups only: their typical members.
    for (let i = 0; i < this.#children.count; i++) {
      const m = this.#children.members[i];
      if (holders[m] === HELD_WEAKLY || retained[m] >= this.threshold || this.isPassThrough(m) || this.#isGroupable[this.graph.nodeType[m]] !== 1) continue;
      const group = groups.get(this.#shapes.shapeOf(m));
      if (group !== undefined && group.retainedSize >= this.threshold && isNearerMean(retained, m, group.typical, group.retainedSize / group.count)) group.typical = m;
    }
    for (const group of heavy) this.#addGroup(node, group);
  }

  /** From a top object down to its accumulation point (see the file comment). */
  #descend(top: number, work: number[], isTop: boolean[]): void {
    const retained = this.#retained;
    const classOf = this.classes.classOf;
    const floor = retained[top] * ACCUMULATION_SHARE;
    let at = top;
    let listNext = -1;
    for (;;) {
      this.#children.collect(at);
      const heaviest = this.#heaviestMember(-1);
      if (heaviest < 0 || retained[heaviest] < floor || this.isPassThrough(heaviest)) break;
      if (classOf[heaviest] === classOf[at] && this.#runLength(at, MIN_LIST_RUN) >= MIN_LIST_RUN) {
        // A list (or a tree) of one class: it accumulates from its first node on.
        this.#children.collect(at);
        listNext = heaviest;
        break;
      }
      at = heaviest;
    }
    for (let i = 0; i < this.#children.count; i++) {
      const m = this.#children.members[i];
      if (m !== listNext && retained[m] >= this.threshold) {
        // The memory splits into parts that are each big enough to be suspects of their own.
        work.push(at);
        isTop.push(false);
        return;
      }
    }
    const breakdown = this.#breakdown(listNext);
    let memberCount = this.#children.count;
    if (listNext >= 0) {
      const length = this.#runLength(listNext, Infinity);
      breakdown.push({ classId: classOf[listNext], count: length, retainedSize: retained[listNext], largest: listNext, typical: listNext });
      breakdown.sort(byRetainedSize);
      memberCount += length - 1;
    }
    if (breakdown.length > 0 && this.#isModuleRegistryClass(breakdown[0].classId)) {
      this.skipped.push({ reason: 'module-registry', node: at, retainedSize: retained[top] });
      return;
    }
    // A list's example shows what one of its nodes holds besides the next node.
    const exampleOf = breakdown.length === 0 ? -1 : breakdown[0].typical;
    const example = exampleOf < 0 ? [] : this.#examplePath(exampleOf, exampleOf === listNext ? classOf[listNext] : -1);
    this.suspects.push({ kind: 'object', top, accumulation: at, retainedSize: retained[top], breakdown, memberCount, example, chain: null, lastingChain: null });
  }

  /** The member in #children with the largest retained size, skipping class `skipClass`; -1 if none. */
  #heaviestMember(skipClass: number): number {
    const retained = this.#retained;
    const classOf = this.classes.classOf;
    let heaviest = -1;
    for (let i = 0; i < this.#children.count; i++) {
      const m = this.#children.members[i];
      if (classOf[m] === skipClass) continue;
      if (heaviest < 0 || retained[m] > retained[heaviest]) heaviest = m;
    }
    return heaviest;
  }

  /** How many nodes of `start`'s class follow each other as heaviest children from `start` (itself included), up to `limit`. */
  #runLength(start: number, limit: number): number {
    const classOf = this.classes.classOf;
    let length = 1;
    let at = start;
    while (length < limit) {
      this.#children.collect(at);
      const next = this.#heaviestMember(-1);
      if (next < 0 || classOf[next] !== classOf[start]) break;
      at = next;
      length++;
    }
    return length;
  }

  #addGroup(parent: number, group: ShapeGroup): void {
    const cls = this.classes.classOf[group.largest];
    if (this.#isModuleRegistryClass(cls)) {
      this.skipped.push({ reason: 'module-registry', node: group.largest, retainedSize: group.retainedSize });
      return;
    }
    this.suspects.push({
      kind: 'group', top: parent, accumulation: group.typical, retainedSize: group.retainedSize,
      breakdown: [{ classId: cls, count: group.count, retainedSize: group.retainedSize, largest: group.largest, typical: group.typical }],
      memberCount: group.count, example: this.#examplePath(group.typical, -1), chain: null, lastingChain: null,
    });
  }

  /** #children but `except` by class, largest retained size first. */
  #breakdown(except: number): SuspectClassRow[] {
    const retained = this.#retained;
    const classOf = this.classes.classOf;
    const rows = new Map<number, SuspectClassRow>();
    for (let i = 0; i < this.#children.count; i++) {
      const m = this.#children.members[i];
      if (m === except) continue;
      const cls = classOf[m];
      const row = rows.get(cls);
      if (row === undefined) rows.set(cls, { classId: cls, count: 1, retainedSize: retained[m], largest: m, typical: m });
      else {
        row.count++;
        row.retainedSize += retained[m];
        if (retained[m] > retained[row.largest]) row.largest = m;
      }
    }
    for (let i = 0; i < this.#children.count; i++) {
      const m = this.#children.members[i];
      if (m === except) continue;
      const row = rows.get(classOf[m])!;
      if (isNearerMean(retained, m, row.typical, row.retainedSize / row.count)) row.typical = m;
    }
    return [...rows.values()].sort(byRetainedSize);
  }

  /**
   * From `member` down its heaviest children (not of class `skipClass`) while each holds ≥
   * EXAMPLE_STEP_SHARE of it. For a list node (`skipClass` its class), "it" is the node without the
   * rest of the list.
   */
  #examplePath(member: number, skipClass: number): SuspectPathStep[] {
    const retained = this.#retained;
    let own = retained[member];
    if (skipClass >= 0) {
      this.#children.collect(member);
      for (let i = 0; i < this.#children.count; i++) if (this.classes.classOf[this.#children.members[i]] === skipClass) own -= retained[this.#children.members[i]];
    }
    const floor = own * EXAMPLE_STEP_SHARE;
    const steps: SuspectPathStep[] = [];
    let at = member;
    while (steps.length < EXAMPLE_MAX_STEPS) {
      this.#children.collect(at);
      const heaviest = this.#heaviestMember(skipClass);
      if (heaviest < 0 || retained[heaviest] < floor) break;
      // Through a store, the edge that names the hop leaves the store (an element index, a key).
      steps.push({ edge: edgeBetween(this.graph, this.#idom[heaviest], heaviest), node: heaviest });
      at = heaviest;
    }
    return steps;
  }

  #isModuleRegistryClass(cls: number): boolean {
    if (this.#isModuleRegistry[cls] < 0) this.#isModuleRegistry[cls] = isNodeModuleRecordClass(this.graph, this.classes, cls) ? 1 : 0;
    return this.#isModuleRegistry[cls] === 1;
  }
}

function byRetainedSize(a: SuspectClassRow, b: SuspectClassRow): number {
  return b.retainedSize - a.retainedSize || b.count - a.count || a.classId - b.classId;
}

/** Whether `candidate`'s retained size is nearer `mean` than `current`'s (ties keep `current`). */
function isNearerMean(retained: Float64Array, candidate: number, current: number, mean: number): boolean {
  return Math.abs(retained[candidate] - mean) < Math.abs(retained[current] - mean);
}
