// Project settings for CI: `leakscope.config.json`, or the `"leakscope"` key of `package.json`.
//
// Found from the working directory upwards: the first directory holding a leakscope.config.json,
// or a package.json, ends the search (a package.json marks the project root, so a config of an
// enclosing project never leaks in); a package.json without a "leakscope" key means no config.
// `--config FILE` names the file instead (a package.json there is read for its "leakscope" key).
// Command-line flags override the file: scalars replace, `thresholds` merge by name (the flag wins),
// `ignore` lists are joined.
//
//   { "failOnGrowth": true, "minDelta": 10, "thresholds": { "RequestContext": 0, "*": 100 },
//     "thresholdBytes": 5000000, "ignore": ["(string)", "/^Detached /"], "includeInternals": false,
//     "allHolders": false, "names": "devtools" }

import fs from 'node:fs';
import path from 'node:path';
import { LeakscopeError } from '../errors.ts';

export const CONFIG_FILE_NAME = 'leakscope.config.json';
export const PACKAGE_JSON_KEY = 'leakscope';

export interface LeakscopeConfig {
  failOnGrowth?: boolean;
  minDelta?: number;
  thresholds?: Record<string, number>;
  thresholdBytes?: number;
  ignore?: string[];
  includeInternals?: boolean;
  allHolders?: boolean;
  names?: 'devtools' | 'raw';
  limit?: number;
  format?: 'text' | 'json' | 'markdown' | 'github' | 'junit';
  countsOnly?: boolean;
}

export interface LoadedConfig {
  config: LeakscopeConfig;
  /** The file the settings came from. */
  file: string;
  /** Keys this version does not know (not errors: a newer config may be shared with older tools). */
  warnings: string[];
}

type Check = (value: unknown) => string | null;

const isCount: Check = (v) => (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 ? null : 'a whole number ≥ 0');
const isBoolean: Check = (v) => (typeof v === 'boolean' ? null : 'true or false');
const oneOf = (...values: string[]): Check => (v) => (typeof v === 'string' && values.includes(v) ? null : values.map((s) => JSON.stringify(s)).join(' or '));

const CHECKS: Record<keyof LeakscopeConfig, Check> = {
  failOnGrowth: isBoolean,
  minDelta: isCount,
  thresholds: (v) => {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return 'an object of class name → whole number ≥ 0';
    for (const [name, n] of Object.entries(v)) if (isCount(n) !== null) return `an object of class name → whole number ≥ 0 (${JSON.stringify(name)} is not)`;
    return null;
  },
  thresholdBytes: isCount,
  ignore: (v) => (Array.isArray(v) && v.every((s) => typeof s === 'string') ? null : 'an array of class names or "/regex/" strings'),
  includeInternals: isBoolean,
  allHolders: isBoolean,
  names: oneOf('devtools', 'raw'),
  limit: isCount,
  format: oneOf('text', 'json', 'markdown', 'github', 'junit'),
  countsOnly: isBoolean,
};

/** The config file that applies in `cwd`, or null. */
export function findConfigFile(cwd = process.cwd()): string | null {
  let dir = path.resolve(cwd);
  for (;;) {
    const own = path.join(dir, CONFIG_FILE_NAME);
    if (fs.existsSync(own)) return own;
    const pkg = path.join(dir, 'package.json');
    if (fs.existsSync(pkg)) return pkg;
    const parent = path.dirname(dir);
    if (parent === dir) return null;
    dir = parent;
  }
}

/** Reads the explicit `file`, or the one found from `cwd`; null when there is none. */
export function loadConfig(options: { file?: string; cwd?: string } = {}): LoadedConfig | null {
  const file = options.file ?? findConfigFile(options.cwd);
  if (file === null) return null;
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    throw new LeakscopeError(`config ${file}: cannot read (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new LeakscopeError(`config ${file}: not valid JSON (${(error as Error).message})`);
  }
  if (path.basename(file) === 'package.json') {
    const section = (data as Record<string, unknown> | null)?.[PACKAGE_JSON_KEY];
    if (section === undefined) {
      if (options.file !== undefined) throw new LeakscopeError(`config ${file}: no "${PACKAGE_JSON_KEY}" key`);
      return null;
    }
    data = section;
  }
  return { file, ...validateConfig(data, file) };
}

export function validateConfig(data: unknown, file: string): { config: LeakscopeConfig; warnings: string[] } {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) throw new LeakscopeError(`config ${file}: expected a JSON object`);
  const config: Record<string, unknown> = {};
  const warnings: string[] = [];
  for (const [key, value] of Object.entries(data)) {
    const check = CHECKS[key as keyof LeakscopeConfig];
    if (check === undefined) {
      warnings.push(`config ${file}: unknown key ${JSON.stringify(key)} ignored (known: ${Object.keys(CHECKS).join(', ')})`);
      continue;
    }
    const expected = check(value);
    if (expected !== null) throw new LeakscopeError(`config ${file}: "${key}" must be ${expected}, got ${JSON.stringify(value)}`);
    config[key] = value;
  }
  for (const pattern of (config.ignore as string[] | undefined) ?? []) {
    const m = /^\/(.*)\/([a-z]*)$/s.exec(pattern);
    if (!m) continue;
    try {
      new RegExp(m[1], m[2]);
    } catch (error) {
      throw new LeakscopeError(`config ${file}: "ignore" has a bad regular expression ${pattern} (${(error as Error).message})`);
    }
  }
  return { config: config as LeakscopeConfig, warnings };
}
