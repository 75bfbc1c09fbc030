// What `watch` reports: one NDJSON line per event (--events FILE, or stdout) and one human line per
// event on stderr. The shapes are documented in README ("leakscope watch"); fields may be added,
// never renamed. Byte counts are numbers of bytes, shares are 0–1, times are ISO 8601.

import fs from 'node:fs';
import { LeakscopeError } from '../errors.ts';
import { formatBytes, formatDuration } from '../report/format.ts';
import { escapeRawControlsInJson, sanitizeForTerminal } from '../report/sanitize.ts';
import type { CapturedFile, CaptureOutcome, EpisodePaths } from './capture.ts';
import type { MemorySample } from './memory-sample.ts';
import type { SeriesReportResult } from './series-report.ts';
import type { StopReason } from './watcher.ts';
import { share, type TriggerHit } from './triggers.ts';

/** A sample's figures as an event carries them (its time is the event's own, in ISO form). */
export type SampleFields = Omit<MemorySample, 'time'>;

export type WatchEvent =
  | { event: 'start'; time: string; pid: number; command: string[] | null; triggers: StartTriggers }
  | ({ event: 'sample'; time: string; pid: number } & SampleFields)
  | { event: 'alarm'; time: string; pid: number; episode: number; triggers: TriggerHit[]; sample: SampleFields; capture: { dir: string; report: { markdown: string; json: string } } | null }
  | { event: 'capture'; time: string; pid: number; episode: number; kind: CaptureOutcome['kind']; reason: string; files: CapturedFile[]; report: ({ markdown: string; json: string } & Pick<SeriesReportResult, 'verdict' | 'leakingClasses'>) | null; error: string | null }
  | { event: 'rearm'; time: string; pid: number; episode: number }
  | { event: 'near-heap-limit'; time: string; pid: number; files: NearLimitFile[]; report: { markdown: string; json: string; verdict: string } | null }
  | { event: 'end'; time: string; pid: number; reason: StopReason['reason']; exitCode: number | null; signal: string | null; alarms: number };

export interface StartTriggers {
  rssAbove: number | null;
  heapAbove: number | null;
  containerAbove: number | null;
  growthAbove: number | null;
  growthWindowSeconds: number | null;
}

export interface NearLimitFile {
  file: string;
  bytes: number;
  isComplete: boolean;
  /** Why it is not usable (truncated, empty), or null. */
  problem: string | null;
}

export function sampleFields(sample: MemorySample): SampleFields {
  return { rss: sample.rss, heapUsed: sample.heapUsed, heapLimit: sample.heapLimit, containerUsage: sample.containerUsage, containerLimit: sample.containerLimit };
}

export function alarmCapture(paths: EpisodePaths | undefined): { dir: string; report: { markdown: string; json: string } } | null {
  return paths === undefined ? null : { dir: paths.dir, report: { markdown: paths.reportMarkdown, json: paths.reportJson } };
}

export interface EventWriterOptions {
  /** Where the NDJSON goes: a file (appended), `-` for stdout, or nowhere. */
  ndjson: string | undefined;
  /** Receives each event's one-line summary. */
  human: (line: string) => void;
  /** Summarise samples too (the CLI: yes; the preload, inside an application's logs: no). */
  isSampleSummarised: boolean;
}

/** Writes each event as one NDJSON line (one write per line) and its summary. */
export class EventWriter {
  private readonly fd: number | undefined;

  constructor(private readonly options: EventWriterOptions) {
    // Appended: a restarted watcher adds to the log rather than replacing it.
    this.fd = options.ndjson === undefined ? undefined : options.ndjson === '-' ? 1 : openForAppend(options.ndjson);
  }

  write(event: WatchEvent): void {
    if (this.fd !== undefined) fs.writeSync(this.fd, `${escapeRawControlsInJson(JSON.stringify(event))}\n`);
    if (event.event !== 'sample' || this.options.isSampleSummarised) this.options.human(describeEvent(event));
  }

  close(): void {
    if (this.fd !== undefined && this.fd !== 1) fs.closeSync(this.fd);
  }
}

/**
 * Opens the events file for appending: a regular file (created if missing) or a character device
 * (/dev/null, a terminal). Opened non-blocking and checked on the open descriptor, so a FIFO can
 * neither block leakscope (or the application, for the preload) until a reader comes nor slip in
 * between a check and the open; a folder, a FIFO or a socket is refused.
 */
function openForAppend(file: string): number {
  const refuse = (reason: string) => new LeakscopeError(`cannot write the events to ${file}: ${reason}`);
  const { O_WRONLY, O_APPEND, O_CREAT, O_NONBLOCK } = fs.constants;
  let fd: number;
  try {
    fd = fs.openSync(file, O_WRONLY | O_APPEND | O_CREAT | O_NONBLOCK, 0o644);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENXIO') throw refuse('a FIFO with no reader; give a regular file, or - and a pipe');
    if (code === 'EISDIR') throw refuse('a folder; give a file name');
    throw refuse(code ?? String(error));
  }
  const stat = fs.fstatSync(fd);
  if (stat.isFile()) return fd;
  fs.closeSync(fd);
  if (!stat.isCharacterDevice()) throw refuse(`${stat.isFIFO() ? 'a FIFO' : 'not a regular file'}; give a regular file, or - and a pipe`);
  // A device: opened again blocking, so a write to a busy terminal waits rather than failing with EAGAIN.
  return fs.openSync(file, 'a');
}

/** The one-line summary of an event, for stderr. */
export function describeEvent(event: WatchEvent): string {
  const clock = event.time.slice(11, 19);
  switch (event.event) {
    case 'start': {
      const t = event.triggers;
      const on = [
        t.rssAbove !== null ? `rss above ${formatBytes(t.rssAbove)}` : '',
        t.heapAbove !== null ? `heap above ${percent(t.heapAbove)} of its limit` : '',
        t.containerAbove !== null ? `container above ${percent(t.containerAbove)} of its limit` : '',
        t.growthAbove !== null ? `growth above ${formatBytes(t.growthAbove * 60)}/min over ${t.growthWindowSeconds} s` : '',
      ].filter(Boolean);
      return `${clock} watching pid ${event.pid}${event.command ? ` (${sanitizeForTerminal(event.command.join(' '), 120)})` : ''}: ${on.join(', ') || 'no trigger (samples only)'}`;
    }
    case 'sample':
      return `${clock} pid ${event.pid}  ${describeSample(event)}`;
    case 'alarm':
      return `${clock} ALARM pid ${event.pid} episode ${event.episode}: ${event.triggers.map((hit) => `${hit.trigger} ${formatTrigger(hit.trigger, hit.value)} > ${formatTrigger(hit.trigger, hit.threshold)}`).join(', ')}`
        + (event.capture ? `; capturing into ${sanitizeForTerminal(event.capture.dir, 200)}` : '');
    case 'capture': {
      if (event.error !== null) return `${clock} capture of episode ${event.episode} failed: ${sanitizeForTerminal(event.error, 300)}`;
      const what = event.kind === 'snapshots' ? `${event.files.length} snapshots` : event.kind === 'sampling-profile' ? 'a sampling heap profile' : 'nothing';
      const bytes = event.files.reduce((n, f) => n + f.bytes, 0);
      const verdict = event.report ? `; ${sanitizeForTerminal(event.report.verdict, 300)}; report ${sanitizeForTerminal(event.report.markdown, 200)}` : '';
      return `${clock} episode ${event.episode}: captured ${what}${bytes > 0 ? ` (${formatBytes(bytes)} in ${formatDuration(event.files.reduce((n, f) => n + f.durationMs, 0))})` : ''} — ${sanitizeForTerminal(event.reason, 300)}${verdict}`;
    }
    case 'rearm':
      return `${clock} pid ${event.pid} back under every trigger after episode ${event.episode}: re-armed`;
    case 'near-heap-limit': {
      const files = event.files.map((f) => `${sanitizeForTerminal(f.file, 200)} (${formatBytes(f.bytes)}${f.isComplete ? '' : `, ${f.problem}`})`);
      return `${clock} near-heap-limit snapshots of pid ${event.pid}: ${files.join(', ') || 'none written'}${event.report ? `; ${sanitizeForTerminal(event.report.verdict, 300)}` : ''}`;
    }
    case 'end':
      return `${clock} stopped watching pid ${event.pid} (${event.reason}${event.exitCode !== null ? `, exit code ${event.exitCode}` : ''}${event.signal !== null ? `, ${event.signal}` : ''}); ${event.alarms} ${event.alarms === 1 ? 'alarm' : 'alarms'}`;
  }
}

function describeSample(s: SampleFields): string {
  const parts = [`rss ${s.rss === null ? '−' : formatBytes(s.rss)}`];
  const heap = share(s.heapUsed, s.heapLimit);
  if (s.heapUsed !== null) parts.push(`heap ${formatBytes(s.heapUsed)}${heap === undefined ? '' : ` (${percent(heap)} of limit)`}`);
  const container = share(s.containerUsage, s.containerLimit);
  if (container !== undefined) parts.push(`container ${formatBytes(s.containerUsage!)} (${percent(container)} of ${formatBytes(s.containerLimit!)})`);
  return parts.join('  ');
}

function formatTrigger(trigger: string, value: number): string {
  if (trigger === 'rss-above') return formatBytes(value);
  if (trigger === 'growth-above') return `${formatBytes(value * 60)}/min`;
  return percent(value);
}

function percent(value: number): string {
  return `${(value * 100).toFixed(value < 0.1 ? 1 : 0)}%`;
}
