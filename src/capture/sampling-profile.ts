// A sampling heap profile: where memory is being allocated, at a small fraction of a snapshot's cost.
// V8 samples one allocation every ~`samplingInterval` bytes (a Poisson process, so each sample stands
// for that many bytes on average) and records its JavaScript stack; HeapProfiler.stopSampling answers
// with the call tree of the samples still alive, which is written as DevTools' `.heapprofile` JSON
// ({head: {callFrame, selfSize, id, children}, samples: [{size, nodeId, ordinal}]}), the format
// Chrome DevTools saves and `node --heap-prof` writes.
//
// Why it is the fallback when a process has no room for a snapshot: a snapshot copies the whole object
// graph (native memory of the order of the heap) and serialises it to disk while the process stands
// still; a sampling profile holds a few thousand stacks, and stopping returns a message of kilobytes
// to a few megabytes. bench/watch.ts measures both on one process.
//
// The file is written by output/write-output.ts's rules: a temporary sibling renamed into place once
// complete, so a process killed mid-write never leaves a file that looks complete.

import fs from 'node:fs';
import { LeakscopeError } from '../errors.ts';
import { openOutputFile, SNAPSHOT_FILE_MODE } from '../output/write-output.ts';
import { defaultSnapshotPath, sharedClient, type ProtocolClient } from './inspector.ts';
import { setTimeout as sleep } from 'node:timers/promises';

/** V8's own default: one sample per 32 KiB allocated on average. */
export const DEFAULT_SAMPLING_INTERVAL_BYTES = 32 * 1024;
export const HEAP_PROFILE_EXTENSION = '.heapprofile';

export interface SamplingProfileOptions {
  /** How long to sample. */
  durationMs: number;
  /** Mean bytes between samples (default 32 KiB): smaller is more detail and more cost. */
  samplingIntervalBytes?: number;
  /** Keep samples of objects a GC has freed since (default false: the profile shows what is live). */
  includeCollected?: boolean;
}

export interface SamplingProfileResult {
  file: string;
  bytes: number;
  /** Samples alive at the end. */
  sampleCount: number;
  /** The time spent sampling plus writing. */
  durationMs: number;
}

/**
 * Samples allocations over `client` (an in-process Session or a remote inspector) for
 * `options.durationMs`, then writes the profile to `file`. Sampling is stopped on every way out.
 */
export async function recordSamplingProfile(client: ProtocolClient, file: string, options: SamplingProfileOptions): Promise<SamplingProfileResult> {
  const started = performance.now();
  const includeCollected = options.includeCollected ?? false;
  await client.post('HeapProfiler.startSampling', {
    samplingInterval: options.samplingIntervalBytes ?? DEFAULT_SAMPLING_INTERVAL_BYTES,
    includeObjectsCollectedByMajorGC: includeCollected,
    includeObjectsCollectedByMinorGC: includeCollected,
  });
  let reply: { profile?: { head?: unknown; samples?: unknown[] } };
  try {
    await sleep(options.durationMs);
  } finally {
    reply = await client.post('HeapProfiler.stopSampling') as typeof reply;
  }
  if (reply.profile?.head === undefined) throw new LeakscopeError('the inspector sent an empty sampling heap profile');
  const bytes = writeProfile(file, JSON.stringify(reply.profile));
  return { file, bytes, sampleCount: reply.profile.samples?.length ?? 0, durationMs: performance.now() - started };
}

/** A sampling profile of the current process (through its in-process inspector session). */
export function recordOwnSamplingProfile(options: SamplingProfileOptions & { file?: string }): Promise<SamplingProfileResult> {
  return recordSamplingProfile(sharedClient(), options.file ?? defaultSnapshotPath(process.pid, undefined, HEAP_PROFILE_EXTENSION), options);
}

function writeProfile(file: string, text: string): number {
  const output = openOutputFile(file, SNAPSHOT_FILE_MODE);
  try {
    fs.writeSync(output.fd, text, null, 'utf8');
    output.commit();
  } catch (error) {
    output.discard();
    throw error instanceof LeakscopeError ? error : new LeakscopeError(`cannot write ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  return Buffer.byteLength(text, 'utf8');
}
