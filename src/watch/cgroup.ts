// The memory limit and use of the container a process runs in, from its cgroup on Linux:
//   v2 (unified):  memory.max ("max" = none) and memory.current, in /sys/fs/cgroup/<path from "0::">
//   v1 (legacy):   memory.limit_in_bytes (a huge number = none) and memory.usage_in_bytes, in
//                  /sys/fs/cgroup/memory/<path from the "memory" line>
// The path comes from /proc/PID/cgroup. Inside a container the cgroup namespace usually makes the
// container's own cgroup the mount's root, while /proc may still show the host path: a path that does
// not exist under the mount falls back to the mount root. Limits nest, so the effective limit is the
// smallest set on the cgroup or any ancestor up to the mount root.
//
// Use is reported as the kernel counts it and as the "working set" (use minus inactive file cache),
// which is what the OOM killer cannot reclaim and what Kubernetes compares with the limit.
//
// LEAKSCOPE_CGROUP_DIR names one cgroup directory to read instead (a container that mounts cgroupfs
// elsewhere; tests that simulate a small limit with plain files).

import fs from 'node:fs';
import path from 'node:path';

export const CGROUP_ROOT = '/sys/fs/cgroup';
export const CGROUP_DIR_VARIABLE = 'LEAKSCOPE_CGROUP_DIR';

/** cgroup v1 writes "no limit" as the largest page-aligned 63-bit number; anything this large is no limit. */
const V1_NO_LIMIT = 2 ** 62;

export interface CgroupMemory {
  version: 1 | 2;
  /** The cgroup directory read. */
  dir: string;
  /** Bytes the kernel charges to the cgroup (page cache included). */
  usage: number;
  /** usage minus inactive file cache: what cannot be reclaimed. */
  workingSet: number;
  /** The effective limit in bytes; undefined when no limit is set. */
  limit: number | undefined;
}

/**
 * The memory cgroup of process `pid` (or the directory LEAKSCOPE_CGROUP_DIR names); undefined where
 * there is none to read (not Linux, no memory controller, no permission).
 */
export function readContainerMemory(pid: number, env: NodeJS.ProcessEnv = process.env): CgroupMemory | undefined {
  const dir = env[CGROUP_DIR_VARIABLE];
  if (dir) return readCgroupDir(dir, dir);
  let text: string;
  try {
    text = fs.readFileSync(`/proc/${pid}/cgroup`, 'utf8');
  } catch {
    return undefined;
  }
  return readCgroupOf(text, CGROUP_ROOT);
}

/** The memory cgroup that /proc/PID/cgroup's `text` names, under the cgroupfs mounted at `root`. */
export function readCgroupOf(text: string, root: string): CgroupMemory | undefined {
  const lines = text.split('\n').map((line) => line.split(':'));
  const v1 = lines.find((fields) => fields.length >= 3 && fields[1].split(',').includes('memory'));
  if (v1 !== undefined) {
    const mount = path.join(root, 'memory');
    const found = readCgroupDir(existingOr(path.join(mount, v1.slice(2).join(':')), mount), mount);
    if (found !== undefined) return found;
  }
  const v2 = lines.find((fields) => fields[0] === '0' && fields[1] === '');
  if (v2 !== undefined) return readCgroupDir(existingOr(path.join(root, v2.slice(2).join(':')), root), root);
  return undefined;
}

/** The cgroup in `dir` (v2 when memory.current is there, else v1), limits taken up to `top`. */
export function readCgroupDir(dir: string, top: string): CgroupMemory | undefined {
  const v2Usage = readNumber(path.join(dir, 'memory.current'));
  if (v2Usage !== undefined) {
    return { version: 2, dir, usage: v2Usage, workingSet: workingSet(dir, v2Usage, 'inactive_file'), limit: smallestLimit(dir, top, 'memory.max') };
  }
  const v1Usage = readNumber(path.join(dir, 'memory.usage_in_bytes'));
  if (v1Usage !== undefined) {
    return { version: 1, dir, usage: v1Usage, workingSet: workingSet(dir, v1Usage, 'total_inactive_file'), limit: smallestLimit(dir, top, 'memory.limit_in_bytes') };
  }
  return undefined;
}

function existingOr(dir: string, fallback: string): string {
  return fs.existsSync(dir) ? dir : fallback;
}

/** The smallest limit set in `file` from `dir` up to `top` (inclusive). */
function smallestLimit(dir: string, top: string, file: string): number | undefined {
  let smallest: number | undefined;
  const stop = path.resolve(top);
  for (let current = path.resolve(dir); ; current = path.dirname(current)) {
    const limit = readNumber(path.join(current, file));
    if (limit !== undefined && limit < V1_NO_LIMIT && (smallest === undefined || limit < smallest)) smallest = limit;
    if (current === stop || current === path.dirname(current) || !current.startsWith(stop)) return smallest;
  }
}

function workingSet(dir: string, usage: number, inactiveKey: string): number {
  let text: string;
  try {
    text = fs.readFileSync(path.join(dir, 'memory.stat'), 'utf8');
  } catch {
    return usage;
  }
  const match = new RegExp(`^${inactiveKey} (\\d+)$`, 'm').exec(text);
  return match ? Math.max(0, usage - Number(match[1])) : usage;
}

/** A file holding one number; undefined when absent, unreadable or "max" (v2's no limit). */
function readNumber(file: string): number | undefined {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8').trim();
  } catch {
    return undefined;
  }
  return /^\d+$/.test(text) ? Number(text) : undefined;
}
