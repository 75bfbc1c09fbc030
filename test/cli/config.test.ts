// Config discovery and validation: leakscope.config.json or package.json "leakscope", from the working directory up.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { findConfigFile, loadConfig } from '../../src/cli/config.ts';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'leakscope-config-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function dir(name: string, files: Record<string, unknown>): string {
  const d = path.join(tmp, name);
  fs.mkdirSync(d, { recursive: true });
  for (const [file, content] of Object.entries(files)) fs.writeFileSync(path.join(d, file), typeof content === 'string' ? content : JSON.stringify(content));
  return d;
}

describe('config', () => {
  it('finds leakscope.config.json from a subdirectory', () => {
    const root = dir('own', { 'leakscope.config.json': { failOnGrowth: true, thresholds: { '*': 5 } } });
    const sub = path.join(root, 'a/b');
    fs.mkdirSync(sub, { recursive: true });
    expect(findConfigFile(sub)).toBe(path.join(root, 'leakscope.config.json'));
    expect(loadConfig({ cwd: sub })?.config).toEqual({ failOnGrowth: true, thresholds: { '*': 5 } });
  });

  it('reads the "leakscope" key of package.json, and a package.json without it ends the search', () => {
    const withKey = dir('pkg', { 'package.json': { name: 'x', leakscope: { minDelta: 3, ignore: ['/^Detached /'] } } });
    expect(loadConfig({ cwd: withKey })?.config).toEqual({ minDelta: 3, ignore: ['/^Detached /'] });
    const outer = dir('outer', { 'leakscope.config.json': { minDelta: 1 } });
    const inner = dir('outer/inner', { 'package.json': { name: 'inner' } });
    expect(loadConfig({ cwd: inner })).toBeNull();
    expect(loadConfig({ cwd: outer })?.config.minDelta).toBe(1);
  });

  it('rejects wrong types with the file and key, warns on unknown keys', () => {
    const bad = dir('bad', { 'leakscope.config.json': { minDelta: -1 } });
    expect(() => loadConfig({ cwd: bad })).toThrow(/"minDelta" must be a whole number/);
    const regex = dir('regex', { 'leakscope.config.json': { ignore: ['/(/'] } });
    expect(() => loadConfig({ cwd: regex })).toThrow(/bad regular expression/);
    const json = dir('json', { 'leakscope.config.json': '{ nope' });
    expect(() => loadConfig({ cwd: json })).toThrow(/not valid JSON/);
    const unknown = dir('unknown', { 'leakscope.config.json': { minDelta: 2, treshold: 1 } });
    const loaded = loadConfig({ cwd: unknown })!;
    expect(loaded.config).toEqual({ minDelta: 2 });
    expect(loaded.warnings[0]).toMatch(/unknown key "treshold"/);
  });

  it('--config FILE: a package.json without the key is an error', () => {
    const d = dir('explicit', { 'package.json': { name: 'x' } });
    expect(() => loadConfig({ file: path.join(d, 'package.json') })).toThrow(/no "leakscope" key/);
  });
});
