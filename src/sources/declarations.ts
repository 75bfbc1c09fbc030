// Where a script declares a variable, for the "held from" of a collection that a module-level
// variable holds (report/accumulation.ts). V8 snapshots carry no source position for context
// variables: a closure variable is an edge `->requestLog` out of a Context, and the only located
// function sharing a module's own scope is the module function itself, at 1:1. So the declaration is
// looked up in the script's text: the first `let`, `const`, `var`, `function` or `class NAME` at the
// smallest indentation (a module-level declaration is usually not indented; a local of the same name
// deeper in would be), then mapped through the script's source map like any other location.
// Scripts are read once each, through the bounded reader (input-file.ts: no FIFO, no device, no
// file over MAX_SCRIPT_BYTES), only for the few locations a report prints.

import type { DeclarationFinder, LocationMapper, OriginalLocation } from '../analysis/original-locations.ts';
import { scriptPath } from '../analysis/source-locations.ts';
import { readOptionalFile } from '../input-file.ts';

/** Larger scripts (a bundle of several MB is common; beyond this, rare) are not searched. */
const MAX_SCRIPT_BYTES = 32 * 1024 * 1024;
const IDENTIFIER = /^[\p{ID_Start}$_][\p{ID_Continue}$\u200c\u200d]*$/u;

/** A finder over scripts on this machine (paths or file URLs); `mapper` maps what it finds to original sources. */
export function createDeclarationFinder(mapper: LocationMapper): DeclarationFinder {
  const texts = new Map<string, string | null>();
  return (script, name) => {
    if (!IDENTIFIER.test(name)) return null;
    const file = scriptPath(script);
    if (file === null) return null;
    let text = texts.get(file);
    if (text === undefined) {
      text = readOptionalFile(file, MAX_SCRIPT_BYTES)?.toString('utf8') ?? null;
      texts.set(file, text);
    }
    const found = text === null ? null : findDeclaration(text, name);
    if (found === null) return null;
    return mapper(script, found.line, found.column) ?? { url: file, line: found.line, column: found.column };
  };
}

/** 1-based line and column of NAME in the least indented declaration of it in `text`; null if none. */
export function findDeclaration(text: string, name: string): { line: number; column: number } | null {
  const escaped = name.replace(/\$/g, '\\$');
  const declaration = new RegExp(`^([ \\t]*)(?:(?:export\\s+)?(?:default\\s+)?(?:async\\s+)?(?:let|const|var|class|function\\s*\\*?)\\s+)(${escaped})(?![\\p{ID_Continue}$])`, 'gmu');
  let best: { line: number; column: number; indent: number } | null = null;
  for (const match of text.matchAll(declaration)) {
    const indent = match[1].length;
    if (best !== null && indent >= best.indent) continue;
    const offset = match.index + match[0].length - name.length;
    const before = text.slice(0, offset);
    const lineStart = before.lastIndexOf('\n') + 1;
    best = { line: countLines(before), column: offset - lineStart + 1, indent };
    if (indent === 0) break;
  }
  return best === null ? null : { line: best.line, column: best.column };
}

function countLines(text: string): number {
  let lines = 1;
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) lines++;
  return lines;
}
