// `node --import leakscope/watch app.js`: the watcher inside the process, for containers where
// nothing runs beside the application. Configured by environment variables that name the flags of
// `leakscope watch` and go through the same parsers (settings.ts):
//
//   LEAKSCOPE_WATCH_RSS_ABOVE=300MB  LEAKSCOPE_WATCH_HEAP_ABOVE=85  LEAKSCOPE_WATCH_CONTAINER_ABOVE=80
//   LEAKSCOPE_WATCH_GROWTH_ABOVE=20MB/min  LEAKSCOPE_WATCH_WINDOW=60  LEAKSCOPE_WATCH_EVERY=1
//   LEAKSCOPE_WATCH_COOLDOWN=300  LEAKSCOPE_WATCH_DIR=leakscope-watch  LEAKSCOPE_WATCH_CAPTURE=0 (alarm only)
//   LEAKSCOPE_WATCH_COUNT=3  LEAKSCOPE_WATCH_INTERVAL=10  LEAKSCOPE_WATCH_SAMPLING=10
//   LEAKSCOPE_WATCH_MAX_FILES=30  LEAKSCOPE_WATCH_MAX_DISK=2GiB  LEAKSCOPE_WATCH_EXEC='cmd'
//   LEAKSCOPE_WATCH_EVENTS=FILE (NDJSON, appended; - for stdout)
//
// Samples come from inside (process.memoryUsage, v8.getHeapStatistics, the cgroup); captures go
// through the process's own inspector session (no port is opened); the series is analysed in a
// separate Node process, since reading snapshots takes memory the application is short of. Alarms
// and captures get one line on stderr. The watch never keeps the application alive, runs in the
// main thread only, and a bad setting is one line on stderr: the application starts anyway.

import { isMainThread } from 'node:worker_threads';
import path from 'node:path';
import { sharedClient } from '../capture/inspector.ts';
import { captureEpisode } from './capture.ts';
import { EventWriter } from './events.ts';
import { sampleOwnProcess } from './memory-sample.ts';
import { writeSeriesReportInChild } from './report-in-child.ts';
import { DEFAULTS, hasTrigger, parseCount, parsePercent, parseRate, parseSeconds, parseSize, type WatchSettings } from './settings.ts';
import { runWatch, type StopReason } from './watcher.ts';

const PREFIX = 'LEAKSCOPE_WATCH_';

/** The settings the environment gives; throws LeakscopeError naming the variable for a bad value. */
export function settingsFromEnv(env: NodeJS.ProcessEnv): WatchSettings {
  const read = (name: string) => env[PREFIX + name] || undefined;
  const optional = <T>(name: string, parse: (text: string, what: string) => T) => {
    const text = read(name);
    return text === undefined ? undefined : parse(text, PREFIX + name);
  };
  const seconds = (name: string, fallback: number) => (optional(name, parseSeconds) ?? fallback) * 1000;
  const count = (name: string, fallback: number) => optional(name, parseCount) ?? fallback;
  return {
    triggers: {
      rssAbove: optional('RSS_ABOVE', parseSize),
      heapAbove: optional('HEAP_ABOVE', parsePercent),
      containerAbove: optional('CONTAINER_ABOVE', parsePercent),
      growthAbove: optional('GROWTH_ABOVE', parseRate),
      growthWindowMs: seconds('WINDOW', DEFAULTS.windowSeconds),
    },
    capture: read('CAPTURE') === '0' ? undefined : {
      dir: path.resolve(read('DIR') ?? 'leakscope-watch'),
      count: count('COUNT', DEFAULTS.count),
      intervalMs: seconds('INTERVAL', DEFAULTS.intervalSeconds),
      samplingMs: seconds('SAMPLING', DEFAULTS.samplingSeconds),
      maxFiles: count('MAX_FILES', DEFAULTS.maxFiles),
      maxBytes: optional('MAX_DISK', parseSize) ?? DEFAULTS.maxBytes,
    },
    everyMs: Math.max(50, seconds('EVERY', DEFAULTS.everySeconds)),
    cooldownMs: seconds('COOLDOWN', DEFAULTS.cooldownSeconds),
    exec: read('EXEC'),
  };
}

function start(): void {
  let settings: WatchSettings;
  let events: EventWriter;
  try {
    settings = settingsFromEnv(process.env);
    if (!hasTrigger(settings.triggers)) {
      process.stderr.write(`leakscope watch: no trigger set (${PREFIX}RSS_ABOVE, …HEAP_ABOVE, …CONTAINER_ABOVE or …GROWTH_ABOVE); not watching\n`);
      return;
    }
    // Inside the try: an events file that cannot be opened is a bad setting like any other.
    events = new EventWriter({
      ndjson: process.env[`${PREFIX}EVENTS`] || undefined,
      human: (line) => process.stderr.write(`leakscope watch: ${line}\n`),
      isSampleSummarised: false,
    });
  } catch (error) {
    process.stderr.write(`leakscope watch: ${(error as Error).message}; not watching\n`);
    return;
  }
  const status = (message: string) => process.stderr.write(`leakscope watch: ${message}\n`);
  void runWatch({
    pid: process.pid,
    command: null,
    isBackground: true,
    status,
    // The application's exit ends it; nothing to wait for here.
    stopped: new Promise<StopReason>(() => undefined),
    sample: async () => sampleOwnProcess(),
    capture: (paths, sample) => captureEpisode(sharedClient(), sample, settings.capture!, paths, status),
    report: (files, paths) => writeSeriesReportInChild(files, paths),
  }, settings, events).catch((error: Error) => status(`stopped: ${error.message}`));
}

if (isMainThread) start();
