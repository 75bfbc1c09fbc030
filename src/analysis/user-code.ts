// User code: which scripts are the program's own (not Node's `node:…` modules), and which objects
// and closures come from them. V8 records a location for closures and for objects built by a
// constructor with one; the script's URL comes from source-locations.ts.
// Cost: one pass over the scripts once per graph; each question after that is O(log locations).

import type { HeapGraph } from '../snapshot/heap-graph.ts';
import { GENERATOR_CLASS_NAMES, NODE_SCRIPT_PREFIX } from '../snapshot/v8-names.ts';
import type { ClassIndexResult } from '../snapshot/class-names.ts';
import { computeScriptUrls } from './source-locations.ts';

/** Whether each script id (that a located closure names) holds user code. */
export function computeUserScripts(graph: HeapGraph): Map<number, boolean> {
  return graph.cached('userScripts', () => {
    const result = new Map<number, boolean>();
    for (const [scriptId, url] of computeScriptUrls(graph)) result.set(scriptId, isUserScriptName(url));
    return result;
  });
}

/** Node's own modules are `node:…`; everything else (file:, relative paths, eval code) is the user's. */
export function isUserScriptName(name: string): boolean {
  return name !== '' && !name.startsWith(NODE_SCRIPT_PREFIX);
}

/** An object whose constructor, or a closure whose body, lives in a user script. */
export function isUserCodeNode(graph: HeapGraph, userScripts: Map<number, boolean>, ordinal: number): boolean {
  const type = graph.nodeType[ordinal];
  if (type !== graph.types.object && type !== graph.types.closure) return false;
  const loc = graph.locationOf(ordinal);
  return loc >= 0 && userScripts.get(graph.locScriptId[loc]) === true;
}

/** String indexes of the class names of suspended async functions and generators. */
export function generatorNamesOf(graph: HeapGraph): Set<number> {
  return new Set(GENERATOR_CLASS_NAMES.flatMap((name) => graph.strings.indexesOf(name)));
}

/**
 * An object built by a user constructor. A suspended async function or generator is an object
 * (`Generator`) located in user code, but its register file always points back at it: VM
 * machinery, so it does not make a component a user cycle on its own.
 */
export function isUserClassInstance(graph: HeapGraph, userScripts: Map<number, boolean>, generatorNames: Set<number>, ordinal: number): boolean {
  return graph.nodeType[ordinal] === graph.types.object && !generatorNames.has(graph.nodeName[ordinal])
    && isUserCodeNode(graph, userScripts, ordinal);
}

/**
 * Classes of Node's module records: the registries holding them (BuiltinModule.map, Module._cache,
 * the ESM load cache) are as big as the code loaded. A user class of the same name is defined in the
 * user's own script, so only the ones Node defines (`node:` scripts) or creates natively (no location)
 * match.
 */
const MODULE_RECORD_CLASSES = new Set(['BuiltinModule', 'Module', 'ModuleJob', 'ModuleWrap', 'SourceTextModule']);

/** Whether class `cls` of `classes` is one of Node's module records (not a user class of that name). */
export function isNodeModuleRecordClass(graph: HeapGraph, classes: ClassIndexResult, cls: number): boolean {
  if (!MODULE_RECORD_CLASSES.has(classes.names[cls])) return false;
  const location = classes.locations[cls];
  if (location === '') return true;
  const url = computeScriptUrls(graph).get(Number(location.split(',')[0]));
  return url !== undefined && url.startsWith(NODE_SCRIPT_PREFIX);
}
