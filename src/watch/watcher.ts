// The watch loop, shared by `leakscope watch` (from outside: /proc, the cgroup, an inspector session)
// and the preload (from inside the process). The front end supplies how to sample, how to capture
// and when to stop; this file owns the rules: a sample every `everyMs`, one event per sample, one
// alarm per episode (triggers.ts), at most one capture at a time, --exec on each alarm, and the
// growth report once a series is captured.

import type { ChildProcess } from 'node:child_process';
import { killChild, spawnTree } from '../capture/children.ts';
import { setTimeout as sleep } from 'node:timers/promises';
import { episodePaths, type CaptureOutcome, type EpisodePaths } from './capture.ts';
import { alarmCapture, sampleFields, type EventWriter, type WatchEvent } from './events.ts';
import type { MemorySample } from './memory-sample.ts';
import type { SeriesReportResult } from './series-report.ts';
import type { WatchSettings } from './settings.ts';
import { EpisodeTracker, findTriggerHits } from './triggers.ts';

/** What the front end provides. */
export interface WatchSource {
  pid: number;
  command: string[] | null;
  sample(): Promise<MemorySample>;
  /** Captures one episode into `paths` (the latest sample given for the headroom check). */
  capture(paths: EpisodePaths, sample: MemorySample): Promise<CaptureOutcome>;
  /** Turns a captured series into report.md and report.json (in another process for the preload). */
  report(files: string[], paths: EpisodePaths): Promise<SeriesReportResult>;
  /** Resolves when watching should end, with the reason for the end event. */
  stopped: Promise<StopReason>;
  /** Inside an application (the preload): the watch must never keep it alive. */
  isBackground?: boolean;
  /** One line for the user (stderr). */
  status(message: string): void;
}

export interface StopReason {
  /** `interrupted`: leakscope got Ctrl-C, SIGTERM or SIGHUP while watching --pid (a started program exits on the forwarded signal instead). */
  reason: 'exited' | 'duration' | 'gone' | 'interrupted';
  exitCode: number | null;
  signal: string | null;
}

export interface WatchSummary {
  alarms: number;
  stop: StopReason;
}

/** How long to wait for a vanished program's exit status. */
const GONE_GRACE_MS = 1000;
/** How long the end waits for --exec commands still running; then they are stopped (SIGTERM). */
export const EXEC_GRACE_MS = 5000;

export async function runWatch(source: WatchSource, settings: WatchSettings, events: EventWriter): Promise<WatchSummary> {
  const tracker = new EpisodeTracker(settings.cooldownMs);
  const history: MemorySample[] = [];
  const now = () => new Date().toISOString();
  const { pid } = source;
  let stop: StopReason | undefined;
  // One reaction on `stopped`, not one per sample: racing a promise that never settles (the preload's)
  // would add a reaction to it every second, for ever.
  let wake: (() => void) | undefined;
  void source.stopped.then((reason) => {
    stop ??= reason;
    wake?.();
  });
  let capturing: Promise<void> | undefined;
  const execs: RunningExec[] = [];
  /** Sleeps `ms`, or less when watching stops. */
  const wait = (ms: number) => new Promise<void>((resolve) => {
    const done = () => {
      clearTimeout(timer);
      wake = undefined;
      resolve();
    };
    const timer = setTimeout(done, ms);
    if (source.isBackground) timer.unref();
    wake = done;
  });

  events.write({
    event: 'start', time: now(), pid, command: source.command,
    triggers: {
      rssAbove: settings.triggers.rssAbove ?? null,
      heapAbove: settings.triggers.heapAbove ?? null,
      containerAbove: settings.triggers.containerAbove ?? null,
      growthAbove: settings.triggers.growthAbove ?? null,
      growthWindowSeconds: settings.triggers.growthAbove === undefined ? null : settings.triggers.growthWindowMs / 1000,
    },
  });
  while (stop === undefined) {
    const started = Date.now();
    let sample: MemorySample;
    try {
      sample = await source.sample();
    } catch {
      // The process went between the check and the reading; the stop promise says how.
      await wait(settings.everyMs);
      continue;
    }
    if (stop !== undefined) break;
    if (sample.rss === null && sample.heapUsed === null) {
      // Gone: a program we started reports its exit status a moment later.
      stop = await Promise.race([source.stopped, sleep(GONE_GRACE_MS).then((): StopReason => ({ reason: 'gone', exitCode: null, signal: null }))]);
      break;
    }
    events.write({ event: 'sample', time: new Date(sample.time).toISOString(), pid, ...sampleFields(sample) });
    const hits = findTriggerHits(settings.triggers, sample, history);
    // Only the growth trigger needs history, and only its window: a list that grew with every sample
    // would show in the preload's own snapshots as growth.
    if (settings.triggers.growthAbove !== undefined) {
      history.push(sample);
      while (history.length > 0 && sample.time - history[0].time > settings.triggers.growthWindowMs) history.shift();
    }
    const change = tracker.update(hits, sample.time);
    if (change?.kind === 'rearm') events.write({ event: 'rearm', time: now(), pid, episode: change.episode });
    if (change?.kind === 'alarm') {
      // Never two captures at once: an alarm while one runs is reported without a capture.
      const paths = settings.capture !== undefined && capturing === undefined ? episodePaths(settings.capture, pid, change.episode, sample.time) : undefined;
      const alarm: WatchEvent = { event: 'alarm', time: now(), pid, episode: change.episode, triggers: change.hits, sample: sampleFields(sample), capture: alarmCapture(paths) };
      events.write(alarm);
      if (settings.exec !== undefined) execs.push(runExec(settings.exec, alarm));
      if (paths !== undefined) {
        capturing = captureAndReport(source, paths, sample, change.episode, events).finally(() => { capturing = undefined; });
      }
    }
    await wait(Math.max(0, settings.everyMs - (Date.now() - started)));
  }
  await capturing;
  await settleExecs(execs, source.status);
  const end = stop ?? { reason: 'gone', exitCode: null, signal: null };
  events.write({ event: 'end', time: now(), pid, ...end, alarms: tracker.episodes });
  return { alarms: tracker.episodes, stop: end };
}

async function captureAndReport(source: WatchSource, paths: EpisodePaths, sample: MemorySample, episode: number, events: EventWriter): Promise<void> {
  const base = { event: 'capture' as const, pid: source.pid, episode };
  let outcome: CaptureOutcome;
  try {
    outcome = await source.capture(paths, sample);
  } catch (error) {
    events.write({ ...base, time: new Date().toISOString(), kind: 'none', reason: 'the capture failed', files: [], report: null, error: (error as Error).message });
    return;
  }
  let report: SeriesReportResult | undefined;
  let error: string | null = null;
  if (outcome.kind === 'snapshots' && outcome.files.length >= 2) {
    try {
      report = await source.report(outcome.files.map((f) => f.file), paths);
    } catch (failure) {
      error = `the report could not be written: ${(failure as Error).message}`;
    }
  }
  events.write({
    ...base, time: new Date().toISOString(), kind: outcome.kind, reason: outcome.reason, files: outcome.files,
    report: report === undefined ? null : { markdown: paths.reportMarkdown, json: paths.reportJson, verdict: report.verdict, leakingClasses: report.leakingClasses },
    error,
  });
}

/**
 * Runs the user's --exec command through the shell with the alarm in its environment
 * (LEAKSCOPE_EVENT as JSON, LEAKSCOPE_PID, LEAKSCOPE_EPISODE). Its output goes to stderr, never
 * into the event stream on stdout; it leads a tracked process tree, so nothing of it outlives leakscope.
 */
interface RunningExec {
  child: ChildProcess;
  done: Promise<void>;
}

/** Waits up to EXEC_GRACE_MS for the --exec commands, then stops those still running: a slow hook must not hold the watch open. */
async function settleExecs(execs: RunningExec[], status: (message: string) => void): Promise<void> {
  const isDone = await Promise.race([
    Promise.all(execs.map((exec) => exec.done)).then(() => true),
    sleep(EXEC_GRACE_MS, false, { ref: false }),
  ]);
  const running = execs.filter((exec) => exec.child.exitCode === null && exec.child.signalCode === null);
  if (!isDone) status(`${running.length} --exec ${running.length === 1 ? 'command' : 'commands'} still running ${EXEC_GRACE_MS / 1000} s after the watch ended: stopped (SIGTERM)`);
  // Each leads a process tree (the shell, what it started): stopped whole, also what it left in the background.
  await Promise.all(execs.map((exec) => killChild(exec.child, 'SIGTERM')));
}

function runExec(command: string, alarm: Extract<WatchEvent, { event: 'alarm' }>): RunningExec {
  const child = spawnTree(command, [], {
    shell: true,
    stdio: ['ignore', 2, 2],
    env: { ...process.env, LEAKSCOPE_EVENT: JSON.stringify(alarm), LEAKSCOPE_PID: String(alarm.pid), LEAKSCOPE_EPISODE: String(alarm.episode) },
  });
  const done = new Promise<void>((resolve) => {
    child.once('error', () => resolve());
    child.once('exit', () => resolve());
  });
  return { child, done };
}
