// Finding where a script declares a module-level variable (src/sources/declarations.ts), which
// growth prints as "held from" when a module's own scope holds a growing collection. The real
// programs are in test/cli/held-from-lines.test.ts; these are the text rules, worked by hand.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { createDeclarationFinder, findDeclaration } from '../../src/sources/declarations.ts';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'leakscope-declarations-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const SCRIPT = [
  "import { x } from './x.js';", //                     1
  'function handle() {', //                              2
  '  const cache = new Map();', //                       3: a local of the same name, indented
  '}', //                                                4
  'export const cache = new Map();', //                  5: the module-level one
  'let $pending = [], other = 1;', //                    6
  'export default async function* feed() {}', //        7
  'class Registry {}', //                                8
  'var cacheSize = 0;', //                               9: not `cache`
].join('\n');

describe('findDeclaration', () => {
  it('takes the least indented declaration of the name, at the name itself', () => {
    expect(findDeclaration(SCRIPT, 'cache')).toEqual({ line: 5, column: 14 });
    expect(findDeclaration(SCRIPT, '$pending')).toEqual({ line: 6, column: 5 });
    expect(findDeclaration(SCRIPT, 'feed')).toEqual({ line: 7, column: 32 });
    expect(findDeclaration(SCRIPT, 'Registry')).toEqual({ line: 8, column: 7 });
  });

  it('finds no declaration for a name only used, declared second in a list, or a longer name\'s prefix', () => {
    expect(findDeclaration(SCRIPT, 'x')).toBeNull();
    expect(findDeclaration(SCRIPT, 'other')).toBeNull();
    expect(findDeclaration(SCRIPT, 'cacheS')).toBeNull();
  });
});

describe('createDeclarationFinder', () => {
  it('reads a script named by path or file URL, and gives null for anything else', () => {
    const file = path.join(tmp, 'app.mjs');
    fs.writeFileSync(file, SCRIPT);
    const find = createDeclarationFinder(() => null);
    expect(find(file, 'cache')).toEqual({ url: file, line: 5, column: 14 });
    expect(find(pathToFileURL(file).href, 'Registry')).toEqual({ url: file, line: 8, column: 7 });
    expect(find('node:internal/timers', 'timerListMap')).toBeNull();
    expect(find(path.join(tmp, 'missing.mjs'), 'cache')).toBeNull();
    expect(find(file, 'not a name')).toBeNull();
  });

  it('maps what it finds through the source map mapper when that knows the place', () => {
    const file = path.join(tmp, 'compiled.js');
    fs.writeFileSync(file, SCRIPT);
    const find = createDeclarationFinder((script, line, column) => ({ url: '/src/app.ts', line: line + 10, column }));
    expect(find(file, 'cache')).toEqual({ url: '/src/app.ts', line: 15, column: 14 });
  });
});
