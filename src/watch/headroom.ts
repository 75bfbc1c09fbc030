// Is it safe to take heap snapshots now? A snapshot makes V8 build a copy of the object graph in
// native memory — of the order of the heap being written — and write a file larger than the heap;
// a process (or container) near its limit is killed mid-write, the failure issue 17 starts from. So
// before capturing, the memory the snapshot needs is compared with the room there is (the
// container's limit minus its working set, and the machine's available memory), and the files it
// would write with the caps and the free disk. Where a snapshot does not fit, a sampling heap profile
// (kilobytes, no graph copy) is recorded instead, and the reason is given in the event.
//
// Pure: the figures come in, a decision goes out.

import { formatBytes } from '../report/format.ts';
import type { CaptureSettings } from './settings.ts';

/**
 * Native memory a snapshot needs per byte of V8 heap used: V8 builds its own copy of the graph (an
 * entry per object, one per edge) before it serialises it, of the order of the heap itself. An
 * estimate, not a measurement: 1× errs towards the profile.
 */
export const SNAPSHOT_MEMORY_PER_HEAP_BYTE = 1;
/** File bytes per byte of V8 heap used: bench/watch.ts measured a 136 MB file for a 71 MB heap (1.9×; strings are written out as JSON). */
export const SNAPSHOT_FILE_PER_HEAP_BYTE = 2;
/** A sampling profile's file is small; this bounds it for the disk caps. */
export const PROFILE_FILE_BYTES = 5 * 1024 * 1024;

export interface Room {
  /** V8 heap used (or, when unknown, RSS). */
  heapUsed: number;
  containerUsage: number | null;
  containerLimit: number | null;
  /** The machine's available memory; undefined where it cannot be read. */
  availableMemory: number | undefined;
  /** Free bytes on the capture folder's file system. */
  diskFree: number | undefined;
  /** What earlier captures already put in the folder. */
  dirFiles: number;
  dirBytes: number;
}

export type CaptureKind = 'snapshots' | 'sampling-profile' | 'none';

export interface CaptureDecision {
  kind: CaptureKind;
  /** Why, in a sentence (also when snapshots are taken: the room that was found). */
  reason: string;
}

export function decideCapture(room: Room, settings: CaptureSettings): CaptureDecision {
  const memoryNeeded = room.heapUsed * SNAPSHOT_MEMORY_PER_HEAP_BYTE;
  const fileBytes = room.heapUsed * SNAPSHOT_FILE_PER_HEAP_BYTE * settings.count;
  const containerRoom = room.containerLimit === null || room.containerUsage === null ? undefined : room.containerLimit - room.containerUsage;
  const memoryRoom = minimum(containerRoom, room.availableMemory);
  const fallback = (reason: string): CaptureDecision => fitsProfile(room, settings)
    ? { kind: 'sampling-profile', reason: `${reason}; recording a sampling heap profile instead` }
    : { kind: 'none', reason: `${reason}; no room for a sampling heap profile either (caps: ${settings.maxFiles} files, ${formatBytes(settings.maxBytes)})` };

  if (memoryRoom !== undefined && memoryRoom < memoryNeeded) {
    const where = memoryRoom === containerRoom ? `the container has ${formatBytes(Math.max(0, memoryRoom))} free (limit ${formatBytes(room.containerLimit!)})` : `the machine has ${formatBytes(memoryRoom)} available`;
    return fallback(`${where}; a snapshot of a ${formatBytes(room.heapUsed)} heap needs about ${formatBytes(memoryNeeded)}`);
  }
  if (room.dirFiles + settings.count > settings.maxFiles) {
    return fallback(`${settings.count} more snapshots would pass the cap of ${settings.maxFiles} files in the capture folder (${room.dirFiles} there)`);
  }
  if (room.dirBytes + fileBytes > settings.maxBytes) {
    return fallback(`${settings.count} snapshots of about ${formatBytes(fileBytes / settings.count)} each would pass the cap of ${formatBytes(settings.maxBytes)} in the capture folder (${formatBytes(room.dirBytes)} there)`);
  }
  if (room.diskFree !== undefined && room.diskFree < fileBytes) {
    return fallback(`the disk has ${formatBytes(room.diskFree)} free; ${settings.count} snapshots need about ${formatBytes(fileBytes)}`);
  }
  const found = memoryRoom === undefined ? 'no memory limit could be read' : `${formatBytes(memoryRoom)} of memory free`;
  return { kind: 'snapshots', reason: `${found}; a snapshot of a ${formatBytes(room.heapUsed)} heap needs about ${formatBytes(memoryNeeded)}` };
}

function fitsProfile(room: Room, settings: CaptureSettings): boolean {
  return room.dirFiles + 1 <= settings.maxFiles && room.dirBytes + PROFILE_FILE_BYTES <= settings.maxBytes
    && (room.diskFree === undefined || room.diskFree >= PROFILE_FILE_BYTES);
}

function minimum(a: number | undefined, b: number | undefined): number | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return Math.min(a, b);
}
