// Which npm package or workspace folder a script belongs to, for `top --by package`
// (analysis/packages.ts). From the path alone when it shows (`…/node_modules/@scope/name/…`: the
// last node_modules segment wins, as Node resolves); otherwise the `name` of the nearest package.json
// above the script (a workspace package), or its folder's name. `node:` modules are Node's own.
// Reads package.json files, so it lives here, not in analysis/: once per folder, cached.

import fs from 'node:fs';
import path from 'node:path';
import { readOptionalFile } from '../input-file.ts';
import { scriptPath } from '../analysis/source-locations.ts';

/** Node's own modules, as one row. */
export const NODE_BUILTINS = 'node: (built-in modules)';

/** A package.json is a few KB; one larger than this (or not a regular file) names no package. */
const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;

const NODE_MODULES_PACKAGE = /[\\/]node_modules[\\/]((?:@[^\\/]+[\\/])?[^\\/]+)[\\/](?!.*node_modules[\\/])/;

/** A `packageOf` for computePackageSizes: cached per folder. */
export function createPackageResolver(): (script: string) => string | null {
  const byFolder = new Map<string, string | null>();
  const nearestPackage = (dir: string): string | null => {
    const cached = byFolder.get(dir);
    if (cached !== undefined) return cached;
    let name: string | null = null;
    const manifest = path.join(dir, 'package.json');
    if (fs.existsSync(manifest)) {
      try {
        const parsed = JSON.parse(readOptionalFile(manifest, MAX_MANIFEST_BYTES)?.toString('utf8') ?? '') as { name?: unknown };
        name = typeof parsed.name === 'string' && parsed.name !== '' ? parsed.name : path.basename(dir);
      } catch {
        name = path.basename(dir);
      }
    } else {
      const parent = path.dirname(dir);
      name = parent === dir ? null : nearestPackage(parent);
    }
    byFolder.set(dir, name);
    return name;
  };
  return (script) => {
    if (script.startsWith('node:')) return NODE_BUILTINS;
    const file = scriptPath(script);
    if (file === null) return null;
    const fromPath = NODE_MODULES_PACKAGE.exec(file);
    if (fromPath) return fromPath[1].replace(/\\/g, '/');
    return nearestPackage(path.dirname(file));
  };
}
