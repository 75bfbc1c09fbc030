// Source locations with script URLs (docs/FORMAT.md §1.7). The snapshot records `script_id, line, column`
// per closure and per constructed object, but no table from script id to URL; the URL is recovered
// from the heap itself: closure -internal shared-> SharedFunctionInfo -internal script (V8 ≥ 12;
// script_or_debug_info before)-> Script, a `code` node whose name is the script's URL or path.
// Cost: one pass over closures with a location (a few edges each), once per snapshot.

import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { HeapGraph } from '../snapshot/heap-graph.ts';
import { SCRIPT_EDGE_NAMES, SHARED_EDGE, SYSTEM_NAME_PREFIX } from '../snapshot/v8-names.ts';
import { originalLocationOf } from './original-locations.ts';

/** Where a function is defined: its script and 1-based position. */
export interface SourceLocation {
  /** The script: a path, a URL, or "script <id>" when the heap does not say. */
  file: string;
  /** 1-based, as editors and DevTools show them (the snapshot stores them 0-based). */
  line: number;
  column: number;
}

/**
 * Map from V8 script id to script URL, for every script some located closure points at. The one walk
 * from closures to their scripts: script-names.ts and user-code.ts read its answer.
 */
export function computeScriptUrls(graph: HeapGraph): Map<number, string> {
  return graph.cached('scriptUrls', () => {
    const urls = new Map<number, string>();
    const { types, locObject, locScriptId } = graph;
    const sharedNames = new Set(graph.strings.indexesOf(SHARED_EDGE));
    const scriptNames = new Set(SCRIPT_EDGE_NAMES.flatMap((name) => graph.strings.indexesOf(name)));
    for (let k = 0; k < locObject.length; k++) {
      const i = locObject[k];
      if (graph.nodeType[i] !== types.closure) continue;
      const scriptId = locScriptId[k];
      if (urls.has(scriptId)) continue;
      const shared = internalEdgeTarget(graph, i, sharedNames);
      if (shared < 0) continue;
      const script = internalEdgeTarget(graph, shared, scriptNames);
      if (script < 0 || graph.nodeType[script] !== types.code) continue;
      const url = graph.nodeNameOf(script);
      // A DebugInfo sits there while a debugger is attached; it names no script, so try later closures.
      if (url !== '' && !url.startsWith(SYSTEM_NAME_PREFIX)) urls.set(scriptId, url);
    }
    return urls;
  });
}

/** Target of the first internal edge of `ordinal` named by one of the string indexes `names`, or -1. */
export function internalEdgeTarget(graph: HeapGraph, ordinal: number, names: Set<number>): number {
  for (let e = graph.firstEdge[ordinal]; e < graph.firstEdge[ordinal + 1]; e++) {
    if (graph.edgeType[e] === graph.types.internal && names.has(graph.edgeNameOrIndex[e])) return graph.edgeTarget[e];
  }
  return -1;
}

/**
 * Where a closure (or a constructed object's constructor) is defined, or null when not recorded; the
 * script as the heap names it ("script <id>" when it does not). fileLocationOf gives it as a path.
 */
export function sourceLocationOf(graph: HeapGraph, ordinal: number): SourceLocation | null {
  const loc = graph.locationOf(ordinal);
  if (loc < 0) return null;
  const scriptId = graph.locScriptId[loc];
  const url = computeScriptUrls(graph).get(scriptId) ?? `script ${scriptId}`;
  const line = graph.locLine[loc] + 1;
  const column = graph.locColumn[loc] + 1;
  // Compiled code is shown where it came from, when the command registered source maps.
  const original = originalLocationOf(graph, url, line, column);
  return original === null ? { file: url, line, column } : { file: original.url, line: original.line, column: original.column };
}

/** The path a `file://` URL names; null for any other text, or a file URL that names no path here. */
export function pathOfFileUrl(url: string): string | null {
  if (!url.startsWith('file://')) return null;
  try {
    return fileURLToPath(url);
  } catch {
    return null;
  }
}

/** A script as a path on this machine (a file URL or an absolute path), or null (a `node:` module, an http URL, eval code). */
export function scriptPath(script: string): string | null {
  if (script.startsWith('file://')) return pathOfFileUrl(script);
  return path.isAbsolute(script) ? script : null;
}

/** A script name as a user opens it: `file:///app/src/server.js` as `/app/src/server.js`; other names as they are. */
export function displayPath(script: string): string {
  return pathOfFileUrl(script) ?? script;
}
