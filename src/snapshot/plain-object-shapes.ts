// Plain objects' structural names (DevTools' Summary view, docs/FORMAT.md §2.2): a plain object
// (type object named "Object") is named after the largest inferred "interface" whose properties it
// has, `{a, b, c}`. Its list of property-name string indexes (edge order, `__proto__` left out) is
// interned once as a *shape* in an open-addressing hash table; inference (count the truncated lists
// by name) and matching (the largest interface whose property set is a subset of the object's)
// depend only on the shape, so both run once per distinct shape (2,734 shapes for 6.9 M plain
// objects in 18 parsed copies of MDN's compat data). class-names.ts reads the result per node.
// Cost: O(N + E) with one hash probe per plain object, plus O(total length of the distinct shapes).

import type { HeapGraph } from './heap-graph.ts';
import { grownUint32 } from './typed-arrays.ts';

/** DevTools' constants for inferring plain-object interfaces (HeapSnapshot.ts). */
const MAX_INTERFACE_NAME_LENGTH = 120;
const MIN_INTERFACE_PROPERTY_COUNT = 1;
const MIN_OBJECT_COUNT_PER_INTERFACE = 2;
const MIN_OBJECT_PROPORTION_PER_INTERFACE = 1000;

export interface InterfaceDefinition {
  name: string;
  properties: string[];
  count: number;
}

/** Flags per string index: which strings name plain objects and which are `__proto__`. */
export const IS_OBJECT_NAME = 1;
const IS_PROTO = 2;

export function stringFlags(graph: HeapGraph): Uint8Array {
  const flags = new Uint8Array(graph.strings.count);
  for (const s of graph.strings.indexesOf('Object')) flags[s] |= IS_OBJECT_NAME;
  for (const s of graph.strings.indexesOf('__proto__')) flags[s] |= IS_PROTO;
  return flags;
}

/**
 * A map from non-negative integers (string indexes) to non-negative integers (class ids), -1 when
 * absent: open addressing with linear probing (load at most 1/2), sized to what it holds rather
 * than to the string table; the last key asked for is remembered (runs of one class are common).
 */
export class IntTable {
  #keys = new Int32Array(1024).fill(-1);
  #ids = new Int32Array(1024);
  #size = 0;
  #lastKey = -1;
  #lastId = -1;

  get(key: number): number {
    if (key === this.#lastKey) return this.#lastId;
    const keys = this.#keys;
    const mask = keys.length - 1;
    for (let slot = slotOf(key, mask); ; slot = (slot + 1) & mask) {
      const k = keys[slot];
      if (k === key) {
        this.#lastKey = key;
        return (this.#lastId = this.#ids[slot]);
      }
      if (k === -1) return -1;
    }
  }

  /** Adds a key get() just reported absent. */
  set(key: number, id: number): void {
    if ((this.#size + 1) * 2 > this.#keys.length) this.#grow();
    this.#insert(key, id);
    this.#size++;
  }

  #insert(key: number, id: number): void {
    const keys = this.#keys;
    const mask = keys.length - 1;
    let slot = slotOf(key, mask);
    while (keys[slot] !== -1) slot = (slot + 1) & mask;
    keys[slot] = key;
    this.#ids[slot] = id;
  }

  #grow(): void {
    const keys = this.#keys;
    const ids = this.#ids;
    this.#keys = new Int32Array(keys.length * 2).fill(-1);
    this.#ids = new Int32Array(keys.length * 2);
    for (let slot = 0; slot < keys.length; slot++) if (keys[slot] !== -1) this.#insert(keys[slot], ids[slot]);
  }
}

/** Fibonacci hashing, high bits folded down: neighbouring string indexes land far apart. */
function slotOf(key: number, mask: number): number {
  const h = Math.imul(key, 0x9e3779b1);
  return (h ^ (h >>> 15)) & mask;
}

/** DevTools quotes property names that would make `{a, b}` ambiguous. */
function formatPropertyName(name: string): string {
  return /[,'"{}]/.test(name) ? JSON.stringify(name) : name;
}

/**
 * The distinct property lists of a graph's plain objects (type object named "Object", docs/FORMAT.md
 * §2.2): property-edge names as string indexes in edge order, `__proto__` left out (DevTools skips
 * it when inferring and no interface contains it when matching).
 */
export interface PlainObjectShapes {
  /** Number of plain objects, including those without properties. */
  plainObjectCount: number;
  /**
   * Shape id per node ordinal, for plain objects (0 elsewhere); 16-bit while there are at most
   * 65,536 shapes (2,734 for 6.85 M plain objects of MDN's compat data). The class index takes it
   * over as its classOf column.
   */
  shapeOfNode: Uint16Array | Uint32Array;
  shapeCount: number;
  /** Shape s lists pool[shapeStart[s] .. shapeStart[s + 1]); ids number shapes by first occurrence. */
  shapeStart: Uint32Array;
  pool: Uint32Array;
  /** Plain objects per shape. */
  objectCount: Uint32Array;
}

// Shapes live until the graph's own class index has used them (inference and matching both need
// them, often minutes apart in growth); a WeakMap so a dropped graph takes them along.
const shapesByGraph = new WeakMap<HeapGraph, PlainObjectShapes>();

/** Drops the graph's shapes once its own class index has used them. */
export function forgetPlainObjectShapes(graph: HeapGraph): void {
  shapesByGraph.delete(graph);
}

export function plainObjectShapes(graph: HeapGraph, flags: Uint8Array): PlainObjectShapes {
  let shapes = shapesByGraph.get(graph);
  if (shapes === undefined) {
    shapes = internPlainObjectShapes(graph, flags);
    shapesByGraph.set(graph, shapes);
  }
  return shapes;
}

/** Empty slot of the shape hash table. */
const NO_SHAPE = -1;

/**
 * One pass over the plain objects' edges: each object's property list is hashed as it is read and
 * looked up in an open-addressing table (linear probing, load ≤ 1/2) of the shapes seen so far.
 */
function internPlainObjectShapes(graph: HeapGraph, flags: Uint8Array): PlainObjectShapes {
  const { nodeCount, nodeType, nodeName, firstEdge, edgeType, edgeNameOrIndex } = graph;
  const objectType = graph.types.object;
  const property = graph.types.property;
  let plainObjectCount = 0;
  let shapeOfNode: Uint16Array | Uint32Array = new Uint16Array(nodeCount);
  let shapeStart = new Uint32Array(1024);
  let shapeHash = new Int32Array(1024);
  let objectCount = new Uint32Array(1024);
  let pool = new Uint32Array(4096);
  let poolLength = 0;
  let shapeCount = 0;
  let table = new Int32Array(2048).fill(NO_SHAPE);
  let mask = table.length - 1;
  let list = new Uint32Array(256);

  for (let i = 0; i < nodeCount; i++) {
    if (nodeType[i] !== objectType || (flags[nodeName[i]] & IS_OBJECT_NAME) === 0) continue;
    plainObjectCount++;
    let length = 0;
    let hash = 0x811c9dc5;
    const end = firstEdge[i + 1];
    for (let e = firstEdge[i]; e < end; e++) {
      if (edgeType[e] !== property) continue;
      const s = edgeNameOrIndex[e];
      if ((flags[s] & IS_PROTO) !== 0) continue;
      if (length === list.length) list = grownUint32(list, length + 1);
      list[length++] = s;
      hash = Math.imul(hash ^ s, 0x01000193);
    }
    hash = mixHash(hash ^ length);
    let slot = hash & mask;
    let shape = table[slot];
    while (shape !== NO_SHAPE) {
      if (shapeHash[shape] === hash && isSameList(pool, shapeStart[shape], shapeStart[shape + 1], list, length)) break;
      slot = (slot + 1) & mask;
      shape = table[slot];
    }
    if (shape === NO_SHAPE) {
      shape = shapeCount++;
      if (shapeCount + 1 >= shapeStart.length) {
        shapeStart = grownUint32(shapeStart, shapeCount + 2);
        shapeHash = grownInt32(shapeHash, shapeCount + 1);
        objectCount = grownUint32(objectCount, shapeCount + 1);
      }
      if (poolLength + length > pool.length) pool = grownUint32(pool, poolLength + length);
      pool.set(list.subarray(0, length), poolLength);
      poolLength += length;
      shapeStart[shape + 1] = poolLength;
      shapeHash[shape] = hash;
      table[slot] = shape;
      if (shape === 0x10000) shapeOfNode = Uint32Array.from(shapeOfNode);
      if (shapeCount * 2 > table.length) {
        table = rehash(shapeHash, shapeCount, table.length * 2);
        mask = table.length - 1;
      }
    }
    objectCount[shape]++;
    shapeOfNode[i] = shape;
  }
  return {
    plainObjectCount,
    shapeOfNode,
    shapeCount,
    shapeStart: shapeStart.slice(0, shapeCount + 1),
    pool: pool.slice(0, poolLength),
    objectCount: objectCount.slice(0, shapeCount),
  };
}

/** A final avalanche (murmur3's) so that linear probing sees well-spread low bits. */
function mixHash(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}

function isSameList(pool: Uint32Array, start: number, end: number, list: Uint32Array, length: number): boolean {
  if (end - start !== length) return false;
  for (let k = 0; k < length; k++) if (pool[start + k] !== list[k]) return false;
  return true;
}

function rehash(shapeHash: Int32Array, shapeCount: number, capacity: number): Int32Array<ArrayBuffer> {
  const table = new Int32Array(capacity).fill(NO_SHAPE);
  const mask = capacity - 1;
  for (let shape = 0; shape < shapeCount; shape++) {
    let slot = shapeHash[shape] & mask;
    while (table[slot] !== NO_SHAPE) slot = (slot + 1) & mask;
    table[slot] = shape;
  }
  return table;
}

function grownInt32(array: Int32Array, minLength: number): Int32Array<ArrayBuffer> {
  const copy = new Int32Array(Math.max(minLength, array.length * 2));
  copy.set(array);
  return copy;
}

/**
 * The property names the shapes use, decoded once each: `nameOf[k]` is the index in `names` of
 * the name of shapes.pool[k]. Strings are compared by value from here on, as DevTools does, so two
 * string indexes with one text (hand-made snapshots) behave as one name.
 */
interface ShapeProperties {
  nameOf: Int32Array;
  names: string[];
}

function shapeProperties(graph: HeapGraph, shapes: PlainObjectShapes): ShapeProperties {
  const idOfString = new IntTable();
  const names: string[] = [];
  const { pool } = shapes;
  const nameOf = new Int32Array(pool.length);
  for (let k = 0; k < pool.length; k++) {
    const s = pool[k];
    let id = idOfString.get(s);
    if (id < 0) {
      idOfString.set(s, (id = names.length));
      names.push(graph.strings.get(s));
    }
    nameOf[k] = id;
  }
  return { nameOf, names };
}

/**
 * DevTools' interface inference: the property lists shared by at least max(2, plainObjects/1000)
 * plain objects, most popular first. Exported so growth can apply one snapshot's definitions to
 * another, as DevTools' comparison view does (docs/FORMAT.md §5.1).
 */
export function inferInterfaceDefinitions(graph: HeapGraph): InterfaceDefinition[] {
  // Cached: growth asks for the last snapshot's definitions and its class index needs them too.
  return graph.cached('interfaceDefinitions', () => inferDefinitions(graph));
}

/**
 * Per shape, DevTools' candidate name: `{` + formatted property names joined by `, ` + `}`, cut
 * before the property that would take it past 120 characters (but keeping at least the first one).
 * Candidates are keyed by that name, as in DevTools (two lists can print alike: an empty property
 * name adds nothing), and counted with every object of every shape that prints so; shapes are
 * numbered by first occurrence and sorting is stable, so equal counts keep DevTools' order.
 */
function inferDefinitions(graph: HeapGraph): InterfaceDefinition[] {
  const shapes = plainObjectShapes(graph, stringFlags(graph));
  const { nameOf, names } = shapeProperties(graph, shapes);
  const formatted = names.map(formatPropertyName);
  const { shapeCount, shapeStart, objectCount } = shapes;
  const candidates = new Map<string, InterfaceDefinition>();
  for (let s = 0; s < shapeCount; s++) {
    const start = shapeStart[s];
    const end = shapeStart[s + 1];
    if (start === end) continue; // no properties: DevTools makes no empty interface
    let name = '{';
    let taken = start;
    for (; taken < end; taken++) {
      const text = formatted[nameOf[taken]];
      if (name.length > MIN_INTERFACE_PROPERTY_COUNT && name.length + text.length > MAX_INTERFACE_NAME_LENGTH) break;
      if (name.length !== 1) name += ', ';
      name += text;
    }
    name += '}';
    const candidate = candidates.get(name);
    if (candidate) {
      candidate.count += objectCount[s];
    } else {
      const properties: string[] = [];
      for (let k = start; k < taken; k++) properties.push(names[nameOf[k]]);
      candidates.set(name, { name, properties, count: objectCount[s] });
    }
  }
  const sorted = [...candidates.values()].sort((a, b) => b.count - a.count);
  const minCount = Math.max(MIN_OBJECT_COUNT_PER_INTERFACE, shapes.plainObjectCount / MIN_OBJECT_PROPORTION_PER_INTERFACE);
  const result: InterfaceDefinition[] = [];
  for (const candidate of sorted) {
    if (candidate.count < minCount) break;
    result.push(candidate);
  }
  return result;
}

interface PropertyTrie {
  next: Map<number, PropertyTrie>;
  match: { propertyCount: number; index: number } | null;
}

/**
 * Per shape, the interface with the most properties whose property set is a subset of the shape's
 * (ties: the more popular one), as an index into `definitions`, or -1. A trie over the definitions'
 * sorted property ids finds every subset present without trying each definition; property names no
 * definition uses are dropped first. Duplicate names are kept, as DevTools keeps them.
 */
export function matchInterfaces(graph: HeapGraph, shapes: PlainObjectShapes, definitions: InterfaceDefinition[]): Int32Array {
  const propertyIds = new Map<string, number>();
  const trie: PropertyTrie = { next: new Map(), match: null };
  definitions.forEach((definition, index) => {
    const ids = definition.properties.map((name) => {
      let id = propertyIds.get(name);
      if (id === undefined) propertyIds.set(name, (id = propertyIds.size));
      return id;
    }).sort((a, b) => a - b);
    let node = trie;
    for (const id of ids) {
      let child = node.next.get(id);
      if (!child) node.next.set(id, (child = { next: new Map(), match: null }));
      node = child;
    }
    // A more popular definition with the same property set came first and keeps the node.
    if (!node.match) node.match = { propertyCount: ids.length, index };
  });
  const { nameOf, names } = shapeProperties(graph, shapes);
  const idOfName = Int32Array.from(names, (name) => propertyIds.get(name) ?? -1);
  const { shapeCount, shapeStart } = shapes;
  const result = new Int32Array(shapeCount);
  // Shapes that differ only in names no definition uses (or in order) share one trie walk.
  const matchBySet = new Map<string, number>();
  const ids: number[] = [];
  for (let s = 0; s < shapeCount; s++) {
    ids.length = 0;
    for (let k = shapeStart[s]; k < shapeStart[s + 1]; k++) {
      const id = idOfName[nameOf[k]];
      if (id >= 0) ids.push(id);
    }
    if (ids.length === 0) {
      result[s] = -1;
      continue;
    }
    ids.sort((a, b) => a - b);
    const key = ids.join(',');
    let best = matchBySet.get(key);
    if (best === undefined) {
      best = bestInterfaceMatch(trie, ids);
      matchBySet.set(key, best);
    }
    result[s] = best;
  }
  return result;
}

function bestInterfaceMatch(trie: PropertyTrie, sortedIds: number[]): number {
  const states: PropertyTrie[] = [trie];
  for (const id of sortedIds) {
    const count = states.length;
    for (let s = 0; s < count; s++) {
      const next = states[s].next.get(id);
      if (next) states.push(next);
    }
  }
  let best: PropertyTrie['match'] = null;
  for (const state of states) {
    const match = state.match;
    if (!match) continue;
    if (!best || match.propertyCount > best.propertyCount || (match.propertyCount === best.propertyCount && match.index < best.index)) best = match;
  }
  return best ? best.index : -1;
}
