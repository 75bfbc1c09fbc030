// One episode's capture, over any inspector connection (a remote session for `watch --pid` and
// `watch -- CMD`, the in-process session for the preload): check the room (headroom.ts), then either
// a series of snapshots in ONE session — so their object ids agree and `growth` can tell new objects
// from old — or a sampling heap profile. Files go to their own folder per episode:
//
//   DIR/<time>-pid<PID>-episode<N>/snapshot-1.heapsnapshot … snapshot-N.heapsnapshot
//                                  allocations.heapprofile     (when snapshots did not fit)
//                                  report.md, report.json      (series-report.ts)
//
// Each file is streamed to a temporary name and renamed when complete (inspector.ts,
// sampling-profile.ts): a process killed mid-write leaves no file that looks complete. A lock file
// in DIR keeps two watchers (the preload in each worker of a cluster, say) from capturing at once.

import fs from 'node:fs';
import path from 'node:path';
import { streamHeapSnapshot, type ProtocolClient } from '../capture/inspector.ts';
import { isAlive } from '../capture/target-process.ts';
import { recordSamplingProfile, HEAP_PROFILE_EXTENSION } from '../capture/sampling-profile.ts';
import { setTimeout as sleep } from 'node:timers/promises';
import { decideCapture, type CaptureKind } from './headroom.ts';
import { readAvailableMemory, type MemorySample } from './memory-sample.ts';
import type { CaptureSettings } from './settings.ts';

const LOCK_FILE = '.leakscope-capture.lock';

export interface EpisodePaths {
  dir: string;
  reportMarkdown: string;
  reportJson: string;
}

export interface CapturedFile {
  file: string;
  bytes: number;
  durationMs: number;
}

export interface CaptureOutcome {
  kind: CaptureKind;
  reason: string;
  files: CapturedFile[];
}

/** The folder and report names of episode `episode` of process `pid`. */
export function episodePaths(settings: CaptureSettings, pid: number, episode: number, time = Date.now()): EpisodePaths {
  const stamp = new Date(time).toISOString().replace(/[:.]/g, '-');
  const dir = path.join(settings.dir, `${stamp}-pid${pid}-episode${episode}`);
  return { dir, reportMarkdown: path.join(dir, 'report.md'), reportJson: path.join(dir, 'report.json') };
}

/**
 * Captures episode `paths` through `client`. `sample` is the latest reading, with heapUsed filled in
 * (a remote session reads it just before). Never throws for a full disk or a missing room: the
 * outcome says what was done and why.
 */
export async function captureEpisode(
  client: ProtocolClient,
  sample: MemorySample,
  settings: CaptureSettings,
  paths: EpisodePaths,
  status: (message: string) => void,
): Promise<CaptureOutcome> {
  const release = acquireLock(settings.dir);
  if (typeof release === 'number') return { kind: 'none', reason: `another capture is in progress in ${settings.dir} (pid ${release})`, files: [] };
  try {
    const existing = filesIn(settings.dir);
    const decision = decideCapture({
      heapUsed: sample.heapUsed ?? sample.rss ?? 0,
      containerUsage: sample.containerUsage,
      containerLimit: sample.containerLimit,
      availableMemory: readAvailableMemory(),
      diskFree: diskFree(settings.dir),
      dirFiles: existing.count,
      dirBytes: existing.bytes,
    }, settings);
    if (decision.kind === 'none') return { ...decision, files: [] };
    fs.mkdirSync(paths.dir, { recursive: true });
    const files: CapturedFile[] = [];
    if (decision.kind === 'sampling-profile') {
      status(`${decision.reason}`);
      const profile = await recordSamplingProfile(client, path.join(paths.dir, `allocations${HEAP_PROFILE_EXTENSION}`), { durationMs: settings.samplingMs });
      files.push({ file: profile.file, bytes: profile.bytes, durationMs: Math.round(profile.durationMs) });
      return { ...decision, files };
    }
    for (let i = 1; i <= settings.count; i++) {
      if (i > 1) await sleep(settings.intervalMs);
      status(`taking heap snapshot ${i}/${settings.count} into ${paths.dir}`);
      const snapshot = await streamHeapSnapshot(client, path.join(paths.dir, `snapshot-${i}.heapsnapshot`));
      files.push({ ...snapshot, durationMs: Math.round(snapshot.durationMs) });
    }
    return { ...decision, files };
  } finally {
    if (typeof release === 'function') release();
  }
}

/** Creates DIR's lock file; returns its release, or the pid of the live process that holds it. */
function acquireLock(dir: string): (() => void) | number {
  fs.mkdirSync(dir, { recursive: true });
  const lock = path.join(dir, LOCK_FILE);
  for (;;) {
    try {
      fs.writeFileSync(lock, String(process.pid), { flag: 'wx' });
      return () => fs.rmSync(lock, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const holder = Number(fs.readFileSync(lock, 'utf8'));
    if (holder > 0 && (holder === process.pid || isAlive(holder))) return holder;
    // A holder that died (killed mid-capture) leaves its lock behind: take it over.
    fs.rmSync(lock, { force: true });
  }
}

/** Snapshots and profiles already in `dir` and its episode folders. */
function filesIn(dir: string): { count: number; bytes: number } {
  let count = 0;
  let bytes = 0;
  const visit = (folder: string, depth: number) => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(folder, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      const full = path.join(folder, entry.name);
      if (entry.isDirectory() && depth === 0) visit(full, 1);
      else if (entry.isFile() && /\.(heapsnapshot|heapprofile)$/.test(entry.name)) {
        count++;
        bytes += fs.statSync(full).size;
      }
    }
  };
  visit(dir, 0);
  return { count, bytes };
}

function diskFree(dir: string): number | undefined {
  try {
    const stats = fs.statfsSync(dir);
    return stats.bavail * stats.bsize;
  } catch {
    return undefined;
  }
}
