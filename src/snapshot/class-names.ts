// Class names: how objects are grouped into classes for top, count, list and growth.
//
// `devtools` mode reproduces Chrome DevTools' Summary view (docs/FORMAT.md §2.2, 2024–2025 rules):
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
// Algorithm: one pass over the nodes, reading each node's class from per-type, per-name and
// per-shape tables; plain objects' shapes and their interfaces come from plain-object-shapes.ts.
// Cost: O(N + E) with one hash probe per plain object; no string is built and no Map is touched
// per node on the common paths.
// Memory: classOf (2 B/node, 4 B past 65,536 classes), which holds each plain object's shape id
// until its class id replaces it; transient: the distinct shapes, 1 B per string for name flags,
// hash tables sized to the distinct names.

import type { HeapGraph } from './heap-graph.ts';
import { SYSTEM_NAME_PREFIX } from './v8-names.ts';
import {
  forgetPlainObjectShapes, inferInterfaceDefinitions, IntTable, IS_OBJECT_NAME, matchInterfaces, plainObjectShapes, stringFlags,
  type InterfaceDefinition,
} from './plain-object-shapes.ts';

export { inferInterfaceDefinitions, type InterfaceDefinition };

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

/**
 * Built-in value and closure classes (`(string)`, `(number)`, `Function`, `system / Context`, `Object`,
 * `Array`, `{a, b}`, any `(…)` group): what a leak is usually made of, but never what names it. A
 * *named* class is anything else: a user's constructor, a Node or DOM type.
 */
export function isBuiltInClassName(name: string): boolean {
  return /^[({]/.test(name) || name.startsWith(SYSTEM_NAME_PREFIX) || name === 'Function' || name === 'Object' || name === 'Array';
}

export function computeClassIndex(graph: HeapGraph, mode: NameMode = 'devtools', interfaces?: InterfaceDefinition[]): ClassIndexResult {
  const cacheKey = `classIndex:${mode}`;
  if (interfaces === undefined) {
    return graph.cached(cacheKey, () => {
      const index = buildClassIndex(graph, mode, mode === 'devtools' ? inferInterfaceDefinitions(graph) : []);
      // Shapes the index did not take (no interface to match) are not needed again; a foreign set
      // of interfaces (growth) interns them anew.
      if (mode === 'devtools') forgetPlainObjectShapes(graph);
      return index;
    });
  }
  return buildClassIndex(graph, mode, interfaces);
}

/**
 * A class index (and, in devtools mode, the interface definitions) computed elsewhere over this same
 * graph (a worker reading it in shared memory: summary-parallel.ts) becomes its cached one, as if
 * computeClassIndex had run here.
 */
export function adoptClassIndex(graph: HeapGraph, index: ClassIndexResult, interfaces: InterfaceDefinition[] | null): void {
  graph.cached(`classIndex:${index.mode}`, () => index);
  if (interfaces !== null) graph.cached('interfaceDefinitions', () => interfaces);
}

function buildClassIndex(graph: HeapGraph, mode: NameMode, interfaces: InterfaceDefinition[]): ClassIndexResult {
  const n = graph.nodeCount;
  const isDevtools = mode === 'devtools';
  const names: string[] = [];
  const keys: string[] = [];
  const locations: string[] = [];
  const idByKey = new Map<string, number>();
  const { types, nodeType, nodeName, locObject, locScriptId, locLine, locColumn } = graph;
  const detached = isDevtools ? computeDetachedNatives(graph) : null;
  const flags = stringFlags(graph);
  // Interface per plain object, through its shape: only when there are interfaces to match.
  const shapes = isDevtools && interfaces.length > 0 ? plainObjectShapes(graph, flags) : null;
  const interfaceOfShape = shapes !== null ? matchInterfaces(graph, shapes, interfaces) : new Int32Array(0);
  // The shapes' per-node column becomes classOf: each plain object's shape id is read just before
  // its class id overwrites it, so the two never need two N-sized arrays (nor two sets of fresh
  // pages). Taken, it is no longer the shapes'.
  if (shapes !== null) forgetPlainObjectShapes(graph);

  const classFor = (name: string, location: string): number => {
    const key = `${location},${name}`;
    let id = idByKey.get(key);
    if (id === undefined) {
      id = names.length;
      idByKey.set(key, id);
      names.push(name);
      keys.push(key);
      locations.push(location);
    }
    return id;
  };
  const nameOf = (i: number) => (isDevtools ? devtoolsClassName(graph, i) : rawClassName(graph, i));

  // Node types whose class does not depend on the node's name (every type but object and native in
  // devtools mode; closures are named in raw mode): one class per type. String nodes carry their
  // contents as names, so keying them by name would make one entry per distinct string.
  const typeCount = graph.nodeTypeNames.length;
  const isNameFree = new Uint8Array(256).fill(1);
  for (let t = 0; t < typeCount; t++) {
    const isNameDependent = t === types.object || t === types.native || (!isDevtools && t === types.closure);
    isNameFree[t] = isNameDependent ? 0 : 1;
  }
  const classOfType = new Int32Array(256).fill(-1);
  // Name-dependent types: class per name's string index. Objects and natives of one name share a
  // class (the same name in both modes); raw mode names closures apart. Hash tables sized to the
  // distinct names, not arrays of every string (6.1 M strings: 24 MB each).
  const classByObjectName = new IntTable();
  const classByClosureName = new IntTable();
  const closureType = types.closure;
  const detachedClassByName = new Map<number, number>();
  const locationLabel = (loc: number) => (loc < 0 ? '' : `${locScriptId[loc]},${locLine[loc]},${locColumn[loc]}`);
  // Unlocated plain objects of one interface share a class: resolve each interface once.
  const interfaceClass = new Int32Array(interfaces.length).fill(-1);
  // Located classes through numeric (script → line/column → name) maps, no string per node;
  // consecutive nodes often share one (arrays of one class's instances).
  const byLocation = new Map<number, Map<number, Map<number, number>>>();
  let lastScript = -1;
  let lastLineColumn = -1;
  let lastName = -1;
  let lastLocatedId = -1;
  // Location records are sorted by ordinal: a cursor walks them alongside i.
  let nextLocation = 0;
  const locationCount = locObject.length;
  const objectType = types.object;
  const nativeType = types.native;

  let classOf: Uint16Array | Uint32Array = shapes?.shapeOfNode ?? new Uint16Array(n);
  let isNarrow = classOf instanceof Uint16Array;
  for (let i = 0; i < n; i++) {
    const type = nodeType[i];
    let id: number;
    if (isNameFree[type] === 1) {
      // Strings, code, closures…: one class per node type, whatever the (often unique) name.
      id = classOfType[type];
      if (id < 0) id = classOfType[type] = classFor(nameOf(i), '');
    } else {
      const name = nodeName[i];
      let interfaceIndex = -1;
      let loc = -1;
      if (isDevtools && type === objectType) {
        if (shapes !== null && (flags[name] & IS_OBJECT_NAME) !== 0) interfaceIndex = interfaceOfShape[classOf[i]];
        while (nextLocation < locationCount && locObject[nextLocation] < i) nextLocation++;
        if (nextLocation < locationCount && locObject[nextLocation] === i) loc = nextLocation;
      }
      if (loc < 0) {
        if (interfaceIndex >= 0) {
          id = interfaceClass[interfaceIndex];
          if (id < 0) id = interfaceClass[interfaceIndex] = classFor(interfaces[interfaceIndex].name, '');
        } else if (detached !== null && type === nativeType && (detached[i >>> 3] & (1 << (i & 7))) !== 0) {
          id = detachedClassByName.get(name) ?? -1;
          if (id < 0) {
            id = classFor(devtoolsObjectName(`Detached ${graph.nodeNameOf(i)}`), '');
            detachedClassByName.set(name, id);
          }
        } else {
          const table = type === closureType ? classByClosureName : classByObjectName;
          id = table.get(name);
          if (id < 0) table.set(name, (id = classFor(nameOf(i), '')));
        }
      } else if (interfaceIndex >= 0) {
        id = classFor(interfaces[interfaceIndex].name, locationLabel(loc));
      } else {
        const script = locScriptId[loc];
        const lineColumn = locLine[loc] * 2097152 + locColumn[loc];
        if (script === lastScript && lineColumn === lastLineColumn && name === lastName) {
          id = lastLocatedId;
        } else {
          let byLine = byLocation.get(script);
          if (byLine === undefined) byLocation.set(script, (byLine = new Map()));
          let byName = byLine.get(lineColumn);
          if (byName === undefined) byLine.set(lineColumn, (byName = new Map()));
          id = byName.get(name) ?? -1;
          if (id < 0) {
            id = classFor(nameOf(i), locationLabel(loc));
            byName.set(name, id);
          }
          lastScript = script;
          lastLineColumn = lineColumn;
          lastName = name;
          lastLocatedId = id;
        }
      }
    }
    // Class 65,536 swaps classOf for a 32-bit copy before this node's id is stored.
    if (id > 0xffff && isNarrow) {
      classOf = Uint32Array.from(classOf);
      isNarrow = false;
    }
    classOf[i] = id;
  }
  // Shape ids past 16 bits made the column 32-bit: back to 16 when the class ids fit.
  if (!isNarrow && names.length <= 0x10000) classOf = Uint16Array.from(classOf);
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

/**
 * DevTools' detachedness propagation over native nodes (docs/FORMAT.md §6.1): natives reachable from an
 * attached native (not through hidden or weak edges) are attached; the rest reachable from a
 * detached one are detached. Returns a bit per node (bit i & 7 of byte i >>> 3) set for detached
 * natives; null when no native is detached (every Node.js heap), so those pay for nothing. Bits,
 * not a byte per node: natives are few, and the column stays cached with the class index.
 */
export function computeDetachedNatives(graph: HeapGraph): Uint8Array | null {
  return graph.cached('detachedNatives', () => {
    const n = graph.nodeCount;
    const { nodeType, firstEdge, edgeTarget, edgeType, types } = graph;
    const natives = (ordinals: Uint32Array) => Array.from(ordinals).filter((o) => nodeType[o] === types.native);
    const attached = natives(graph.attachedNodes);
    const detachedQueue = natives(graph.detachedNodes);
    if (detachedQueue.length === 0) return null;
    const isAttached = new Uint8Array((n + 7) >>> 3);
    const isDetached = new Uint8Array((n + 7) >>> 3);
    const isMarked = (o: number) => ((isAttached[o >>> 3] | isDetached[o >>> 3]) & (1 << (o & 7))) !== 0;
    for (const o of attached) isAttached[o >>> 3] |= 1 << (o & 7);
    for (const o of detachedQueue) isDetached[o >>> 3] |= 1 << (o & 7);
    const propagate = (work: number[], bits: Uint8Array) => {
      while (work.length > 0) {
        const v = work.pop()!;
        for (let e = firstEdge[v]; e < firstEdge[v + 1]; e++) {
          const t = edgeType[e];
          if (t === types.hiddenEdge || t === types.weak) continue;
          const w = edgeTarget[e];
          if (isMarked(w) || nodeType[w] !== types.native) continue;
          bits[w >>> 3] |= 1 << (w & 7);
          work.push(w);
        }
      }
    };
    propagate(attached, isAttached);
    propagate(detachedQueue, isDetached);
    return isDetached;
  });
}
