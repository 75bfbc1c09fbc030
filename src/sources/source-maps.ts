// Original source locations through source maps (issue 16 item 4): a TypeScript or bundled program's
// closures are located in compiled output (`dist/server.js:41:18`); its source map says where that
// code came from (`src/server.ts:37:5`). The map of a script is found, in this order:
//   1. in `--source-maps DIR` (searched once, recursively): `NAME.map` for a script named NAME, or a
//      map whose `file` field is NAME;
//   2. through the script's own `//# sourceMappingURL=` comment, when the script is a file on this
//      machine: an inline `data:` URL, or a path relative to the script.
// Maps are decoded with @jridgewell/trace-mapping (the decoder Babel, Vite, Jest and V8's own tools
// use; see the commit that added it).
//
// This is leakscope's file I/O for locations, so it lives outside analysis/ and report/: a command
// builds a resolver here and registers it on the graph (analysis/original-locations.ts), whose
// location functions call it. Maps are read lazily, once per script, the first time a location in
// that script is printed: a snapshot names hundreds of scripts, a report a few.

import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { TraceMap, originalPositionFor, GREATEST_LOWER_BOUND, LEAST_UPPER_BOUND } from '@jridgewell/trace-mapping';
import type { OriginalLocation, LocationMapper } from '../analysis/original-locations.ts';
import { pathOfFileUrl, scriptPath } from '../analysis/source-locations.ts';
import { readOptionalFile } from '../input-file.ts';

/** Bytes read from the end of a script to find its sourceMappingURL comment (it is the last line). */
const TAIL_BYTES = 64 * 1024;
/** Largest map file read (a bundle's map can be tens of MB; beyond this it is skipped). */
const MAX_MAP_BYTES = 256 * 1024 * 1024;
/** Directory levels searched under --source-maps. */
const MAX_SEARCH_DEPTH = 8;
/** Compilers write `file` among the first fields, before the mappings. */
const MAP_HEAD_BYTES = 4096;
const SOURCE_MAPPING_URL = /\/[/*][#@]\s*sourceMappingURL=([^\s'"*]+)\s*(?:\*\/\s*)?$/;

export interface SourceMapOptions {
  /** Folders holding .map files (`--source-maps DIR`). */
  dirs?: string[];
}

/**
 * A location mapper for scripts named by path or file URL: null for a location no map covers, so
 * the compiled location is shown. Never throws: a missing or broken map just maps nothing.
 */
export function createSourceMapMapper(options: SourceMapOptions = {}): LocationMapper {
  // Indexed on the first location printed, not before: a command that prints none reads no folder.
  let byName: Map<string, string> | undefined;
  const maps = new Map<string, LoadedMap | null>();
  return (script, line, column) => {
    let map = maps.get(script);
    if (map === undefined) {
      byName ??= indexMapFiles(options.dirs ?? []);
      map = loadMapFor(script, byName);
      maps.set(script, map);
    }
    return map === null ? null : originalOf(map, line, column);
  };
}

interface LoadedMap {
  trace: TraceMap;
  /** Where relative `sources` are resolved from: the map's folder. */
  baseDir: string | null;
}

function originalOf(map: LoadedMap, line: number, column: number): OriginalLocation | null {
  // V8 columns point at the function's first token; a map segment may start a little before it.
  let position = originalPositionFor(map.trace, { line, column: column - 1, bias: GREATEST_LOWER_BOUND });
  if (position.source === null) position = originalPositionFor(map.trace, { line, column: column - 1, bias: LEAST_UPPER_BOUND });
  if (position.source === null || position.line === null || position.column === null) return null;
  return { url: displaySource(position.source, map.baseDir), line: position.line, column: position.column + 1 };
}

/** A map's source as a path to open: file URLs and paths resolved against the map's folder. */
function displaySource(source: string, baseDir: string | null): string {
  if (source.startsWith('file://')) return pathOfFileUrl(source) ?? source;
  if (/^[a-z][a-z0-9+.-]*:/i.test(source)) return source;
  return baseDir === null ? source : path.resolve(baseDir, source);
}

function loadMapFor(script: string, byName: Map<string, string>): LoadedMap | null {
  const file = scriptPath(script);
  const name = path.basename(file ?? script);
  const fromDir = byName.get(name);
  if (fromDir !== undefined) return readMapFile(fromDir);
  if (file === null) return null;
  const url = sourceMappingUrlOf(file);
  if (url === null) return null;
  if (url.startsWith('data:')) return parseMap(decodeDataUrl(url), path.dirname(file));
  let mapFile: string | null;
  try {
    mapFile = url.startsWith('file://') ? pathOfFileUrl(url) : path.resolve(path.dirname(file), decodeURIComponent(url));
  } catch {
    return null; // a malformed %-escape
  }
  return mapFile === null ? null : readMapFile(mapFile);
}


/** The last sourceMappingURL comment of a script file, or null. */
function sourceMappingUrlOf(file: string): string | null {
  const tail = readOptionalFile(file, TAIL_BYTES, 'tail');
  if (tail === null) return null;
  const lines = tail.toString('utf8').trimEnd().split('\n');
  for (let i = lines.length - 1; i >= 0 && i >= lines.length - 3; i--) {
    const match = SOURCE_MAPPING_URL.exec(lines[i].trim());
    if (match) return match[1];
  }
  return null;
}

function decodeDataUrl(url: string): string | null {
  const comma = url.indexOf(',');
  if (comma < 0) return null;
  const header = url.slice(5, comma);
  const data = url.slice(comma + 1);
  try {
    return header.split(';').includes('base64') ? Buffer.from(data, 'base64').toString('utf8') : decodeURIComponent(data);
  } catch {
    return null;
  }
}

function readMapFile(file: string): LoadedMap | null {
  const bytes = readOptionalFile(file, MAX_MAP_BYTES);
  return bytes === null ? null : parseMap(bytes.toString('utf8'), path.dirname(file));
}

function parseMap(text: string | null, baseDir: string): LoadedMap | null {
  if (text === null) return null;
  try {
    const raw = JSON.parse(text) as { sourceRoot?: string };
    // Sources resolve against sourceRoot, itself relative to the map (trace-mapping joins them given the map's URL).
    const trace = new TraceMap(raw as never, pathToFileURL(path.join(baseDir, 'x.map')).href);
    return { trace, baseDir };
  } catch {
    return null;
  }
}

/**
 * Map files under `dirs` by the script name they belong to: `NAME.map` → NAME, and the `file` field
 * of each map. Unreadable folders are skipped.
 */
function indexMapFiles(dirs: string[]): Map<string, string> {
  const byName = new Map<string, string>();
  const visit = (dir: string, depth: number) => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        if (depth < MAX_SEARCH_DEPTH && entry.name !== 'node_modules' && !entry.name.startsWith('.')) visit(full, depth + 1);
        continue;
      }
      // A FIFO or device named x.map is not a map (and readOptionalFile refuses one a symlink points to).
      if (!entry.name.endsWith('.map') || !(entry.isFile() || entry.isSymbolicLink())) continue;
      if (!byName.has(entry.name.slice(0, -4))) byName.set(entry.name.slice(0, -4), full);
      const file = mapFileField(full);
      if (file !== null && !byName.has(path.basename(file))) byName.set(path.basename(file), full);
    }
  };
  for (const dir of dirs) visit(path.resolve(dir), 0);
  return byName;
}

/** The `file` field of a map (the generated script's name), from its first bytes: no decoding of the mappings. */
function mapFileField(file: string): string | null {
  const head = readOptionalFile(file, MAP_HEAD_BYTES, 'head');
  const match = head === null ? null : /"file"\s*:\s*"([^"]+)"/.exec(head.toString('utf8'));
  return match ? match[1] : null;
}
