// Paths to the committed snapshot fixtures (fixtures/NAME.heapsnapshot.gz, see fixtures/README.md).
// fixturePath() gunzips a fixture once into a cache folder under os.tmpdir(), keyed by the .gz
// file's size and mtime, so regenerated fixtures get a fresh copy. Several vitest workers may ask
// for the same fixture at once: each writes to its own temporary name and renames it into place
// (rename is atomic on one file system), so readers never see a half-written file.
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
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

/**
 * The snapshots a test program writes when run as `node PROGRAM ...args FILE_1 … FILE_count`, made
 * once and kept in the cache folder. The heap a program builds depends only on its source, its
 * arguments and the Node version, so those are the key (a program that requires other files of
 * its own must not use this). Made in a temporary folder that is renamed into place whole, so a
 * worker never sees another's half-written set.
 */
export function programSnapshots(program: string, args: string[], count: number): string[] {
  const key = crypto.createHash('sha256').update(fs.readFileSync(program)).update(JSON.stringify([args, count, process.version])).digest('hex').slice(0, 16);
  const folder = path.join(CACHE_DIR, `${path.basename(program)}-${key}`);
  const files = (dir: string) => Array.from({ length: count }, (_, i) => path.join(dir, `${i + 1}.heapsnapshot`));
  if (fs.existsSync(folder)) return files(folder);
  fs.mkdirSync(CACHE_DIR, { recursive: true });
  const temp = fs.mkdtempSync(`${folder}.tmp-`);
  try {
    const r = spawnSync(process.execPath, [program, ...args, ...files(temp)], { encoding: 'utf8', timeout: 120_000 });
    if (r.status !== 0) throw new Error(`${path.basename(program)} ${args.join(' ')} failed (status ${r.status}): ${r.stderr}`);
    try {
      fs.renameSync(temp, folder);
    } catch (error) {
      // Another worker made the same set first (renaming onto a non-empty folder fails).
      if (!fs.existsSync(folder)) throw error;
    }
  } finally {
    fs.rmSync(temp, { recursive: true, force: true });
  }
  return files(folder);
}
