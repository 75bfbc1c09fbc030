// Paths to the committed snapshot fixtures (fixtures/NAME.heapsnapshot.gz, see fixtures/README.md).
// fixturePath() gunzips a fixture once into a cache folder under os.tmpdir(), keyed by the .gz
// file's size and mtime, so regenerated fixtures get a fresh copy. Several vitest workers may ask
// for the same fixture at once: each writes to its own temporary name and renames it into place
// (rename is atomic on one file system), so readers never see a half-written file.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { fileURLToPath } from 'node:url';

const FIXTURES_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../fixtures');
const CACHE_DIR = path.join(os.tmpdir(), 'leakscope-fixture-cache');

/** Path of the committed gzipped fixture `fixtures/NAME.heapsnapshot.gz`. */
export function fixtureGzPath(name: string): string {
  const file = path.join(FIXTURES_DIR, `${name}.heapsnapshot.gz`);
  if (!fs.existsSync(file)) throw new Error(`no fixture named ${name} (${file}); run npm run fixtures`);
  return file;
}

/** Names of all committed fixtures, sorted. */
export function fixtureNames(): string[] {
  return fs.readdirSync(FIXTURES_DIR)
    .filter((f) => f.endsWith('.heapsnapshot.gz'))
    .map((f) => f.slice(0, -'.heapsnapshot.gz'.length))
    .sort();
}

/** Path of an uncompressed copy of fixture NAME, made once per version of the .gz file. */
export function fixturePath(name: string): string {
  const gz = fixtureGzPath(name);
  const stat = fs.statSync(gz);
  const target = path.join(CACHE_DIR, `${name}-${stat.size}-${Math.trunc(stat.mtimeMs)}.heapsnapshot`);
  if (fs.existsSync(target)) return target;
  fs.mkdirSync(CACHE_DIR, { recursive: true });
  const temp = `${target}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  try {
    fs.writeFileSync(temp, zlib.gunzipSync(fs.readFileSync(gz)));
    try {
      fs.renameSync(temp, target);
    } catch (error) {
      // Another worker won the race (Windows refuses to rename over an existing file).
      if (!fs.existsSync(target)) throw error;
    }
  } finally {
    fs.rmSync(temp, { force: true });
  }
  return target;
}
