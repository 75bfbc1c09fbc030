// What `leakscope watch` is told to do, parsed once for both front ends: the command's flags and the
// in-process preload's LEAKSCOPE_WATCH_* variables (preload.ts) name the same settings, and every
// value goes through the same parser, so `--rss-above 300MB` and LEAKSCOPE_WATCH_RSS_ABOVE=300MB
// can never mean two things.

import { LeakscopeError } from '../errors.ts';

export interface Triggers {
  /** Resident set size above this many bytes. */
  rssAbove?: number;
  /** V8 heap used above this share (0–1) of heap_size_limit. */
  heapAbove?: number;
  /** The container's working set above this share (0–1) of its memory limit. */
  containerAbove?: number;
  /** RSS growing faster than this many bytes per second, sustained over `growthWindowMs`. */
  growthAbove?: number;
  growthWindowMs: number;
}

export interface CaptureSettings {
  /** Where each episode's folder goes. */
  dir: string;
  /** Snapshots per episode (one inspector session, so their ids agree); at least 2 for a verdict. */
  count: number;
  intervalMs: number;
  /** How long the sampling heap profile records when a snapshot does not fit. */
  samplingMs: number;
  /** Caps over the whole `dir`, earlier episodes included. */
  maxFiles: number;
  maxBytes: number;
}

export interface WatchSettings {
  triggers: Triggers;
  capture: CaptureSettings | undefined;
  /** Time between samples. */
  everyMs: number;
  /** After an alarm, the time before the trigger re-arms (once memory is back below it). */
  cooldownMs: number;
  /** A shell command run on each alarm, the event in LEAKSCOPE_EVENT. */
  exec?: string;
}

export const DEFAULTS = {
  everySeconds: 1,
  count: 3,
  intervalSeconds: 10,
  samplingSeconds: 10,
  cooldownSeconds: 300,
  windowSeconds: 60,
  maxFiles: 30,
  maxBytes: 2 * 1024 ** 3,
} as const;

const UNITS: Record<string, number> = {
  '': 1, b: 1,
  kb: 1e3, mb: 1e6, gb: 1e9, tb: 1e12,
  k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4,
  kib: 1024, mib: 1024 ** 2, gib: 1024 ** 3, tib: 1024 ** 4,
};

/** `300MB` (decimal, as leakscope prints sizes), `256MiB` or `256M` (binary, as Docker and Kubernetes write them), `1048576`. */
export function parseSize(text: string, what = 'size'): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(text);
  const unit = match ? UNITS[match[2].toLowerCase()] : undefined;
  if (!match || unit === undefined) throw new LeakscopeError(`${what} ${JSON.stringify(text)}: expected a size such as 300MB, 512MiB or 1G`);
  return Math.round(Number(match[1]) * unit);
}

/** `80` or `80%` → 0.8. */
export function parsePercent(text: string, what = 'percentage'): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*%?\s*$/.exec(text);
  const value = match ? Number(match[1]) : NaN;
  if (!(value > 0 && value <= 100)) throw new LeakscopeError(`${what} ${JSON.stringify(text)}: expected a percentage above 0 and at most 100, such as 80 or 80%`);
  return value / 100;
}

const RATE_PERIODS: Record<string, number> = { s: 1, sec: 1, m: 60, min: 60, h: 3600, hour: 3600 };

/** `10MB/min`, `1MiB/s`, `200MB/h` → bytes per second; a bare size means per minute. */
export function parseRate(text: string, what = 'rate'): number {
  const [size, period = 'min', ...rest] = text.split('/');
  const seconds = RATE_PERIODS[period.trim().toLowerCase()];
  if (rest.length > 0 || seconds === undefined) throw new LeakscopeError(`${what} ${JSON.stringify(text)}: expected a rate such as 10MB/min, 1MiB/s or 200MB/h`);
  return parseSize(size, what) / seconds;
}

/** The longest wait Node's timers take (2^31 − 1 ms); a longer one fires after 1 ms. */
export const MAX_SECONDS = Math.floor((2 ** 31 - 1) / 1000);

/** Seconds as a number ≥ 0 (fractions allowed: tests and the preload use short intervals), at most MAX_SECONDS. */
export function parseSeconds(text: string, what = 'seconds'): number {
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value) || value < 0) throw new LeakscopeError(`${what} ${JSON.stringify(text)}: expected a number of seconds`);
  if (value > MAX_SECONDS) throw new LeakscopeError(`${what} ${JSON.stringify(text)}: at most ${MAX_SECONDS} seconds (about 24 days, the longest timer Node has)`);
  return value;
}

/** A count: a whole number ≥ 1 (LeakscopeError, unlike commander's parsers, so it can be used after parsing and in the preload). */
export function parseCount(text: string, what = 'count'): number {
  const value = Number(text);
  if (!/^\s*\d+\s*$/.test(text) || !Number.isSafeInteger(value) || value < 1) throw new LeakscopeError(`${what} ${JSON.stringify(text)}: expected a whole number ≥ 1`);
  return value;
}

export function hasTrigger(triggers: Triggers): boolean {
  return triggers.rssAbove !== undefined || triggers.heapAbove !== undefined || triggers.containerAbove !== undefined || triggers.growthAbove !== undefined;
}
