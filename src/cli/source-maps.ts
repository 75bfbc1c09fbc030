// The CLI's source maps: `--source-maps DIR` (a global option, repeatable) and the scripts' own
// sourceMappingURL comments. Every graph a command reads (loadForCli) and every heap profile gets
// the same mapper, so every printed location is the original one when a map covers it.

import fs from 'node:fs';
import type { HeapGraph } from '../snapshot/heap-graph.ts';
import { EXIT_USAGE, LeakscopeError } from '../errors.ts';
import { useDeclarationFinder, useLocationMapper, type DeclarationFinder, type LocationMapper } from '../analysis/original-locations.ts';
import { createSourceMapMapper } from '../sources/source-maps.ts';
import { createDeclarationFinder } from '../sources/declarations.ts';

let dirs: string[] = [];
let mapper: LocationMapper | undefined;
let declarations: DeclarationFinder | undefined;

/** Sets the folders of `--source-maps`; each must be a folder. */
export function configureSourceMaps(folders: string[]): void {
  for (const dir of folders) {
    if (!fs.statSync(dir, { throwIfNoEntry: false })?.isDirectory()) throw new LeakscopeError(`--source-maps ${dir}: no such folder`, EXIT_USAGE);
  }
  dirs = folders;
  mapper = undefined;
  declarations = undefined;
}

/** The command's one mapper (maps read lazily, shared by every graph and profile of the command). */
export function cliLocationMapper(): LocationMapper {
  mapper ??= createSourceMapMapper({ dirs });
  return mapper;
}

/** Makes `graph`'s locations go through the source maps, and lets it find declarations in its scripts. */
export function registerSourceMaps(graph: HeapGraph): void {
  useLocationMapper(graph, cliLocationMapper());
  declarations ??= createDeclarationFinder(cliLocationMapper());
  useDeclarationFinder(graph, declarations);
}
