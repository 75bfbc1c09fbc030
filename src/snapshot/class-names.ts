// Class names: how objects are grouped into "types" for top, count, list and growth.
//
// `devtools` mode reproduces Chrome DevTools' Summary view (FORMAT.md §2.2, 2024–2025 rules):
//   - hidden → (system), code → (compiled code), closure → Function, regexp → RegExp, other
//     non-object types → "(<type name>)";
//   - object/native: the raw name, `<div id="a">` cut to `<div>`, detached natives prefixed
//     "Detached " after DevTools' detachedness propagation (§6.1);
//   - plain objects (type object named "Object") get structural names `{a, b, c}` from inferred
//     "interfaces": the property-name lists shared by enough objects, matched as subsets;
//   - the class *key* adds the source location for object nodes that have one, so two classes of
//     one name defined in different places stay separate rows (their display names are equal).
// `raw` mode gives V8's constructor names, objgraph style: no structural names, no locations,
// closures as `Function <name>`, all string kinds as (string).
//
// Cost: O(N + E) plus, for plain objects, a sort of each object's property names.

import type { HeapGraph } from './heap-graph.ts';

export type NameMode = 'devtools' | 'raw';

export interface ClassIndexResult {
  mode: NameMode;
  /** Class id per node ordinal: 16-bit while there are at most 65,536 classes (nearly always). */
  classOf: Uint16Array | Uint32Array;
  /** Display name per class id. */
  names: string[];
  /** Grouping key per class id (name, plus location in devtools mode). */
  keys: string[];
  /** Location label per class id ("script-id:line:col") or "" when the class has no location. */
  locations: string[];
}

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

/**
 * Built-in value and closure classes (`(string)`, `(number)`, `Function`, `system / Context`, `Object`,
 * `Array`, `{a, b}`, any `(…)` group): what a leak is usually made of, but never what names it. A
 * *named* class is anything else: a user's constructor, a Node or DOM type.
 */
export function isBuiltInClassName(name: string): boolean {
  return /^[({]/.test(name) || name.startsWith('system / ') || name === 'Function' || name === 'Object' || name === 'Array';
}

export function computeClassIndex(graph: HeapGraph, mode: NameMode = 'devtools', interfaces?: InterfaceDefinition[]): ClassIndexResult {
  const cacheKey = `classIndex:${mode}`;
  if (interfaces === undefined) {
    return graph.cached(cacheKey, () => buildClassIndex(graph, mode, mode === 'devtools' ? inferInterfaceDefinitions(graph) : []));
  }
  return buildClassIndex(graph, mode, interfaces);
}

function buildClassIndex(graph: HeapGraph, mode: NameMode, interfaces: InterfaceDefinition[]): ClassIndexResult {
  const n = graph.nodeCount;
  let classOf: Uint16Array | Uint32Array = new Uint16Array(n);
  const names: string[] = [];
  const keys: string[] = [];
  const locations: string[] = [];
  const idByKey = new Map<string, number>();
  const { types, nodeType, nodeName, locObject, locScriptId, locLine, locColumn } = graph;
  const detached = mode === 'devtools' ? computeDetachedNatives(graph) : null;
  const interfaceOf = mode === 'devtools' ? matchInterfaces(graph, interfaces) : null;
  const objectNames = new Set(graph.strings.indexesOf('Object'));

  // Class 65,536 swaps classOf for a 32-bit copy, so a caller must take the id before it indexes
  // classOf: in `classOf[i] = classFor(…)` the old array is read first and the write is lost.
  const classFor = (name: string, location: string): number => {
    const key = `${location},${name}`;
    let id = idByKey.get(key);
    if (id === undefined) {
      id = names.length;
      if (id === 0x10000) classOf = Uint32Array.from(classOf);
      idByKey.set(key, id);
      names.push(name);
      keys.push(key);
      locations.push(location);
    }
    return id;
  };
  // Millions of nodes share a few thousand (name, type) pairs: resolve each pair once, by number,
  // and located classes through numeric (script → line/column → name) maps, so the per-node cost
  // is a couple of integer map lookups and no string building.
  const byNameType = new Map<number, number>();
  const byLocation = new Map<number, Map<number, Map<number, number>>>();
  const nameOf = (i: number) => (mode === 'devtools' ? devtoolsClassName(graph, i) : rawClassName(graph, i));

  // Node types whose class does not depend on the node's name (every type but object and native in
  // devtools mode; closures are named in raw mode). String nodes carry their contents as names, so
  // keying them by name would make one cache entry per distinct string.
  const isNameFree = new Uint8Array(graph.nodeTypeNames.length);
  for (let t = 0; t < isNameFree.length; t++) {
    const nameDependent = t === types.object || t === types.native || (mode === 'raw' && t === types.closure);
    isNameFree[t] = nameDependent ? 0 : 1;
  }
  const classOfType = new Int32Array(graph.nodeTypeNames.length).fill(-1);
  const locationLabel = (loc: number) => (loc < 0 ? '' : `${locScriptId[loc]},${locLine[loc]},${locColumn[loc]}`);
  // Unlocated plain objects of one interface share a class: resolve each interface once.
  const interfaceClass = new Int32Array(interfaces.length).fill(-1);
  // Consecutive nodes often share a located class (arrays of one class's instances).
  let lastScript = -1;
  let lastLineColumn = -1;
  let lastNameType = -1;
  let lastLocatedId = -1;
  // Location records are sorted by ordinal: a cursor walks them alongside i.
  let nextLocation = 0;

  for (let i = 0; i < n; i++) {
    const type = nodeType[i];
    while (nextLocation < locObject.length && locObject[nextLocation] < i) nextLocation++;
    const located = nextLocation < locObject.length && locObject[nextLocation] === i ? nextLocation : -1;
    const nameType = nodeName[i] * 256 + type;
    const interfaceIndex = interfaceOf !== null && type === types.object && objectNames.has(nodeName[i]) ? interfaceOf.get(i) ?? -1 : -1;
    const isDetached = detached !== null && detached[i] === 1;
    const loc = mode === 'devtools' && type === types.object ? located : -1;
    if (interfaceIndex < 0 && !isDetached && loc < 0) {
      if (isNameFree[type] === 1) {
        // Strings, code, closures…: one class per node type, whatever the (often unique) name.
        if (classOfType[type] < 0) classOfType[type] = classFor(nameOf(i), '');
        classOf[i] = classOfType[type];
        continue;
      }
      let id = byNameType.get(nameType);
      if (id === undefined) {
        id = classFor(nameOf(i), '');
        byNameType.set(nameType, id);
      }
      classOf[i] = id;
      continue;
    }
    if (interfaceIndex >= 0 && loc < 0) {
      if (interfaceClass[interfaceIndex] < 0) interfaceClass[interfaceIndex] = classFor(interfaces[interfaceIndex].name, '');
      classOf[i] = interfaceClass[interfaceIndex];
      continue;
    }
    if (interfaceIndex >= 0 || isDetached) {
      const name = interfaceIndex >= 0 ? interfaces[interfaceIndex].name : devtoolsObjectName(`Detached ${graph.nodeNameOf(i)}`);
      const id = classFor(name, locationLabel(loc));
      classOf[i] = id;
      continue;
    }
    const script = locScriptId[loc];
    const lineColumn = locLine[loc] * 2097152 + locColumn[loc];
    if (script === lastScript && lineColumn === lastLineColumn && nameType === lastNameType) {
      classOf[i] = lastLocatedId;
      continue;
    }
    let byLine = byLocation.get(script);
    if (byLine === undefined) byLocation.set(script, (byLine = new Map()));
    let byName = byLine.get(lineColumn);
    if (byName === undefined) byLine.set(lineColumn, (byName = new Map()));
    let id = byName.get(nameType);
    if (id === undefined) {
      id = classFor(nameOf(i), locationLabel(loc));
      byName.set(nameType, id);
    }
    classOf[i] = id;
    lastScript = script;
    lastLineColumn = lineColumn;
    lastNameType = nameType;
    lastLocatedId = id;
  }
  return { mode, classOf, names, keys, locations };
}

/** DevTools' Summary class name of a node, before interface and detachedness rules. */
export function devtoolsClassName(graph: HeapGraph, ordinal: number): string {
  const { types } = graph;
  const type = graph.nodeType[ordinal];
  if (type === types.hidden) return '(system)';
  if (type === types.object || type === types.native) return devtoolsObjectName(graph.nodeNameOf(ordinal));
  if (type === types.code) return '(compiled code)';
  if (type === types.closure) return 'Function';
  if (type === types.regexp) return 'RegExp';
  return `(${graph.nodeTypeOf(ordinal)})`;
}

/** `<div id="a">` → `<div>`, `Detached <div class=x>` → `Detached <div>`: DOM names grouped by tag. */
function devtoolsObjectName(name: string): string {
  const tagStart = name.startsWith('<') ? 0 : name.startsWith('Detached <') ? 9 : -1;
  if (tagStart < 0) return name;
  const space = name.indexOf(' ', tagStart);
  return space === -1 ? name : `${name.slice(0, space)}>`;
}

/** objgraph-style names: what V8 recorded, with internals grouped by type. */
export function rawClassName(graph: HeapGraph, ordinal: number): string {
  const { types } = graph;
  const type = graph.nodeType[ordinal];
  if (type === types.object || type === types.native) return graph.nodeNameOf(ordinal) || '(anonymous)';
  if (type === types.closure) {
    const name = graph.nodeNameOf(ordinal);
    return name ? `Function ${name}` : 'Function (anonymous)';
  }
  if (type === types.string || type === types.consString || type === types.slicedString) return '(string)';
  if (type === types.hidden) return '(system)';
  if (type === types.code) return '(compiled code)';
  if (type === types.regexp) return 'RegExp';
  return `(${graph.nodeTypeOf(ordinal)})`;
}

function isPlainObject(graph: HeapGraph, ordinal: number, objectName: Set<number>): boolean {
  return graph.nodeType[ordinal] === graph.types.object && objectName.has(graph.nodeName[ordinal]);
}

/** Property names of a plain object in edge order, without __proto__ (DevTools' interface input). */
function plainObjectProperties(graph: HeapGraph, ordinal: number): string[] {
  const properties: string[] = [];
  const { firstEdge, edgeType, edgeNameOrIndex, strings } = graph;
  const property = graph.types.property;
  for (let e = firstEdge[ordinal]; e < firstEdge[ordinal + 1]; e++) {
    if (edgeType[e] !== property) continue;
    const name = strings.get(edgeNameOrIndex[e]);
    if (name !== '__proto__') properties.push(name);
  }
  return properties;
}

/** DevTools quotes property names that would make `{a, b}` ambiguous. */
function formatPropertyName(name: string): string {
  return /[,'"{}]/.test(name) ? JSON.stringify(name) : name;
}

/**
 * DevTools' interface inference: the property lists shared by at least max(2, plainObjects/1000)
 * plain objects, most popular first. Exported so growth can apply one snapshot's definitions to
 * another, as DevTools' comparison view does (FORMAT.md §5.1).
 */
export function inferInterfaceDefinitions(graph: HeapGraph): InterfaceDefinition[] {
  // Cached: growth asks for the last snapshot's definitions and its class index needs them too.
  return graph.cached('interfaceDefinitions', () => inferDefinitions(graph));
}

function inferDefinitions(graph: HeapGraph): InterfaceDefinition[] {
  const objectName = new Set(graph.strings.indexesOf('Object'));
  const candidates = new Map<string, InterfaceDefinition>();
  const formattedNames = new Map<string, string>();
  let plainObjects = 0;
  for (let i = 0; i < graph.nodeCount; i++) {
    if (!isPlainObject(graph, i, objectName)) continue;
    plainObjects++;
    let name = '{';
    const properties: string[] = [];
    for (const property of plainObjectProperties(graph, i)) {
      let formatted = formattedNames.get(property);
      if (formatted === undefined) formattedNames.set(property, (formatted = formatPropertyName(property)));
      if (name.length > MIN_INTERFACE_PROPERTY_COUNT && name.length + formatted.length > MAX_INTERFACE_NAME_LENGTH) break;
      if (name.length !== 1) name += ', ';
      name += formatted;
      properties.push(property);
    }
    if (properties.length === 0) continue;
    name += '}';
    const candidate = candidates.get(name);
    if (candidate) candidate.count++;
    else candidates.set(name, { name, properties, count: 1 });
  }
  const sorted = [...candidates.values()].sort((a, b) => b.count - a.count);
  const minCount = Math.max(MIN_OBJECT_COUNT_PER_INTERFACE, plainObjects / MIN_OBJECT_PROPORTION_PER_INTERFACE);
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
 * Assigns each plain object the interface with the most properties whose property set is a subset
 * of the object's (ties: the more popular one): ordinal → index into `definitions`, matched objects only.
 * A trie over sorted property ids finds all subsets present without trying every definition.
 * Property names are turned into small integers once, names that no definition uses are dropped
 * before matching, and objects with the same remaining property set share one trie walk.
 */
function matchInterfaces(graph: HeapGraph, definitions: InterfaceDefinition[]): Map<number, number> | null {
  if (definitions.length === 0) return null;
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
    if (!node.match) node.match = { propertyCount: ids.length, index };
  });
  // String index → property id (-1: used by no definition, -2: not looked up yet).
  const idOfString = new Int32Array(graph.strings.count).fill(-2);
  const { firstEdge, edgeType, edgeNameOrIndex } = graph;
  const property = graph.types.property;
  const matchBySet = new Map<string, number>();
  // Only plain objects get an entry: a map, not an N-sized array, keeps big heaps smaller.
  const result = new Map<number, number>();
  const objectName = new Set(graph.strings.indexesOf('Object'));
  const ids: number[] = [];
  for (let i = 0; i < graph.nodeCount; i++) {
    if (!isPlainObject(graph, i, objectName)) continue;
    ids.length = 0;
    for (let e = firstEdge[i]; e < firstEdge[i + 1]; e++) {
      if (edgeType[e] !== property) continue;
      const nameIndex = edgeNameOrIndex[e];
      let id = idOfString[nameIndex];
      if (id === -2) id = idOfString[nameIndex] = propertyIds.get(graph.strings.get(nameIndex)) ?? -1;
      if (id >= 0) ids.push(id);
    }
    if (ids.length === 0) continue;
    ids.sort((a, b) => a - b);
    const key = ids.join(',');
    let best = matchBySet.get(key);
    if (best === undefined) {
      best = bestInterfaceMatch(trie, ids);
      matchBySet.set(key, best);
    }
    if (best >= 0) result.set(i, best);
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

/**
 * DevTools' detachedness propagation over native nodes (FORMAT.md §6.1): natives reachable from an
 * attached native (not through hidden or weak edges) are attached; the rest reachable from a
 * detached one are detached. Returns 1 per detached native node, else 0; null when no native is
 * detached (every Node.js heap), so those pay for no column.
 */
export function computeDetachedNatives(graph: HeapGraph): Uint8Array | null {
  return graph.cached('detachedNatives', () => {
    const n = graph.nodeCount;
    const { nodeType, firstEdge, edgeTarget, edgeType, types } = graph;
    const natives = (ordinals: Uint32Array) => Array.from(ordinals).filter((o) => nodeType[o] === types.native);
    const attached = natives(graph.attachedNodes);
    const detachedQueue = natives(graph.detachedNodes);
    if (detachedQueue.length === 0) return null;
    const state = new Uint8Array(n); // 0 unvisited, 1 attached, 2 detached
    for (const o of attached) state[o] = 1;
    for (const o of detachedQueue) state[o] = 2;
    const propagate = (work: number[], mark: number) => {
      while (work.length > 0) {
        const v = work.pop()!;
        for (let e = firstEdge[v]; e < firstEdge[v + 1]; e++) {
          const t = edgeType[e];
          if (t === types.hiddenEdge || t === types.weak) continue;
          const w = edgeTarget[e];
          if (state[w] !== 0 || nodeType[w] !== types.native) continue;
          state[w] = mark;
          work.push(w);
        }
      }
    };
    propagate(attached, 1);
    propagate(detachedQueue, 2);
    // In place: detached → 1, everything else → 0.
    for (let i = 0; i < n; i++) state[i] = state[i] === 2 ? 1 : 0;
    return state;
  });
}
