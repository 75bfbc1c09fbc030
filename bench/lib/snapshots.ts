// The benchmark's snapshots: made by the project's own programs (bench/programs/), cached under the
// OS temp folder keyed by program, parameters, the program's source and the Node version, so a second
// `npm run bench` starts measuring at once and a changed program makes fresh files.

import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import zlib from 'node:zlib';

export type SizeName = 'medium' | 'big' | 'huge';

export interface BenchSnapshot {
  /** Short name used in tables and JSON: `synthetic`, `synthetic-b`, `realistic`, or a file name. */
  label: string;
  file: string;
  bytes: number;
  /** How it was made (absent for files given on the command line). */
  origin?: string;
}

export interface SnapshotSet {
  /** Snapshots that get the single-snapshot tasks (top, full, cycles). */
  singles: BenchSnapshot[];
  /** Two snapshots of one process, oldest first, for growth; absent when there is no such pair. */
  growthPair?: [BenchSnapshot, BenchSnapshot];
  /** Two snapshots of one process around a linked list's growth, for the `lists` task (issue 12). */
  listPair?: [BenchSnapshot, BenchSnapshot];
}

/**
 * Sizes. Synthetic: ~360 B of snapshot per item (N=250k ≈ 90 MB). Realistic: ~56 MB per copy of
 * the browser-compat-data cache, plus ~8 MB of Node itself (1 copy ≈ 64 MB, 6 ≈ 335 MB). List:
 * ~90 B per Link (1M ≈ 90 MB). Huge needs ~8 GB of RAM to write and minutes per file.
 */
export const SIZES: Record<SizeName, { syntheticItems: number; realisticCopies: number; listLinks: number }> = {
  medium: { syntheticItems: 250_000, realisticCopies: 1, listLinks: 1_000_000 },
  big: { syntheticItems: 1_100_000, realisticCopies: 7, listLinks: 4_000_000 },
  huge: { syntheticItems: 2_900_000, realisticCopies: 18, listLinks: 10_000_000 },
};

const PROGRAMS = fileURLToPath(new URL('../programs/', import.meta.url));

export function defaultCacheDir(): string {
  return path.join(os.tmpdir(), 'leakscope-bench');
}

export interface PrepareOptions {
  size: SizeName;
  cacheDir: string;
  fresh: boolean;
  which: Set<'synthetic' | 'realistic' | 'list'>;
  log: (line: string) => void;
}

export function prepareSnapshots(options: PrepareOptions): SnapshotSet {
  const { syntheticItems, realisticCopies, listLinks } = SIZES[options.size];
  const set: SnapshotSet = { singles: [] };
  fs.mkdirSync(options.cacheDir, { recursive: true });
  if (options.which.has('synthetic')) {
    const origin = `bench/programs/synthetic.cjs ${syntheticItems}`;
    const [a, b] = cached(options, 'synthetic.cjs', `n${syntheticItems}`, ['a', 'b'], (files) => ({
      args: [path.join(PROGRAMS, 'synthetic.cjs'), String(syntheticItems), ...files],
      env: {},
    }));
    const first = { label: 'synthetic', file: a, bytes: fs.statSync(a).size, origin: `${origin} (first snapshot)` };
    const second = { label: 'synthetic-b', file: b, bytes: fs.statSync(b).size, origin: `${origin} (second snapshot, same process)` };
    set.singles.push(first);
    set.growthPair = [first, second];
  }
  if (options.which.has('realistic')) {
    const [file] = cached(options, 'bcd-cache.mjs', `copies${realisticCopies}`, ['snap'], (files) => ({
      args: ['--expose-gc', path.join(PROGRAMS, 'bcd-cache.mjs'), ...files],
      env: { COPIES: String(realisticCopies) },
    }));
    set.singles.push({ label: 'realistic', file, bytes: fs.statSync(file).size, origin: `COPIES=${realisticCopies} bench/programs/bcd-cache.mjs` });
  }
  if (options.which.has('list')) {
    const origin = `bench/programs/linked-list.cjs ${listLinks}`;
    const [a, b] = cached(options, 'linked-list.cjs', `n${listLinks}`, ['a', 'b'], (files) => ({
      args: [path.join(PROGRAMS, 'linked-list.cjs'), String(listLinks), ...files],
      env: {},
    }));
    set.listPair = [
      { label: 'list', file: a, bytes: fs.statSync(a).size, origin: `${origin} (1,000 Links)` },
      { label: 'list-b', file: b, bytes: fs.statSync(b).size, origin: `${origin} (+${listLinks.toLocaleString('en-US')} Links, same process)` },
    ];
  }
  return set;
}

/**
 * Files given on the command line: each gets the single tasks; the first two also get growth.
 * Gzipped files are unpacked into the cache first: the peers read only plain JSON, and every tool
 * must read the same bytes.
 */
export async function givenSnapshots(files: string[], cacheDir: string, log: (line: string) => void): Promise<SnapshotSet> {
  const singles: BenchSnapshot[] = [];
  for (const given of files) {
    const stat = fs.statSync(given); // a missing file fails here, before anything is measured
    const label = path.basename(given).replace(/\.gz$/, '').replace(/\.heapsnapshot$/, '');
    let file = path.resolve(given);
    if (isGzip(file)) file = await gunzipToCache(file, stat, cacheDir, log);
    singles.push({ label, file, bytes: fs.statSync(file).size, origin: file === path.resolve(given) ? undefined : `unpacked from ${given}` });
  }
  return { singles, growthPair: singles.length >= 2 ? [singles[0], singles[1]] : undefined };
}

function isGzip(file: string): boolean {
  const fd = fs.openSync(file, 'r');
  try {
    const magic = Buffer.alloc(2);
    fs.readSync(fd, magic, 0, 2, 0);
    return magic[0] === 0x1f && magic[1] === 0x8b;
  } finally {
    fs.closeSync(fd);
  }
}

async function gunzipToCache(file: string, stat: fs.Stats, cacheDir: string, log: (line: string) => void): Promise<string> {
  const key = createHash('sha256').update(`${file}\0${stat.size}\0${stat.mtimeMs}`).digest('hex').slice(0, 10);
  const target = path.join(cacheDir, `${path.basename(file).replace(/\.gz$/, '').replace(/\.heapsnapshot$/, '')}-${key}.heapsnapshot`);
  if (fs.existsSync(target)) return target;
  fs.mkdirSync(cacheDir, { recursive: true });
  log(`unpacking ${file} to ${target}`);
  const temporary = `${target}.${process.pid}.tmp`;
  await pipeline(fs.createReadStream(file), zlib.createGunzip(), fs.createWriteStream(temporary));
  fs.renameSync(temporary, target);
  return target;
}

/**
 * Returns the cached files for (program, params), running the program to make them when any is
 * missing. The program writes to temporary names that are renamed only after it succeeds, so an
 * interrupted run never leaves a truncated snapshot in the cache.
 */
function cached(
  options: PrepareOptions,
  program: string,
  params: string,
  parts: string[],
  command: (files: string[]) => { args: string[]; env: Record<string, string> },
): string[] {
  const source = fs.readFileSync(path.join(PROGRAMS, program));
  const hash = createHash('sha256').update(source).update(process.version).digest('hex').slice(0, 10);
  const stem = `${program.replace(/\.[cm]?js$/, '')}-${params}-${hash}`;
  const files = parts.map((p) => path.join(options.cacheDir, `${stem}-${p}.heapsnapshot`));
  if (!options.fresh && files.every((f) => fs.existsSync(f))) {
    options.log(`using cached ${files.map((f) => path.basename(f)).join(', ')}`);
    return files;
  }
  const temporary = files.map((f) => `${f}.${process.pid}.tmp`);
  const { args, env } = command(temporary);
  options.log(`making ${stem} (${program} ${params}) in ${options.cacheDir} …`);
  const started = performance.now();
  // Writing a 1 GB snapshot needs several GB of V8 heap in the writing process.
  const result = spawnSync(process.execPath, ['--max-old-space-size=16000', ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
    timeout: 3_600_000,
  });
  if (result.status !== 0) {
    for (const t of temporary) fs.rmSync(t, { force: true });
    throw new Error(`${program} ${params} failed (${result.error?.message ?? `exit ${result.status ?? result.signal}`})`);
  }
  temporary.forEach((t, i) => fs.renameSync(t, files[i]));
  options.log(`made ${stem} in ${((performance.now() - started) / 1000).toFixed(0)} s: ${result.stdout.toString().trim()}`);
  return files;
}
