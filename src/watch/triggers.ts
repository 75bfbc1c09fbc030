// When does memory deserve an alarm, and when is an episode over. Pure functions over samples, so
// the rules are tested without a process.
//
// An episode starts with the first sample over any trigger (one alarm) and ends when a sample is
// under every trigger again AND the cool-down since the alarm has passed: only then can a new alarm
// fire. Memory that stays high is one episode, however long; memory that flaps around the line
// within the cool-down is one episode too.
//
// Growth is the least-squares slope of RSS over the samples of the last `growthWindowMs`, judged only
// once the samples span most of the window (a start-up spike over two samples is not "sustained").

import type { MemorySample } from './memory-sample.ts';
import type { Triggers } from './settings.ts';

export type TriggerName = 'rss-above' | 'heap-above' | 'container-above' | 'growth-above';

export interface TriggerHit {
  trigger: TriggerName;
  /** The measured value: bytes, a share 0–1, or bytes per second for growth. */
  value: number;
  threshold: number;
}

/** Share of the window the samples must span before growth is judged. */
const WINDOW_COVERAGE = 0.8;

/** The triggers `sample` is over; `history` holds the earlier samples, oldest first (for growth). */
export function findTriggerHits(triggers: Triggers, sample: MemorySample, history: readonly MemorySample[]): TriggerHit[] {
  const hits: TriggerHit[] = [];
  if (triggers.rssAbove !== undefined && sample.rss !== null && sample.rss > triggers.rssAbove) {
    hits.push({ trigger: 'rss-above', value: sample.rss, threshold: triggers.rssAbove });
  }
  const heapShare = share(sample.heapUsed, sample.heapLimit);
  if (triggers.heapAbove !== undefined && heapShare !== undefined && heapShare > triggers.heapAbove) {
    hits.push({ trigger: 'heap-above', value: heapShare, threshold: triggers.heapAbove });
  }
  const containerShare = share(sample.containerUsage, sample.containerLimit);
  if (triggers.containerAbove !== undefined && containerShare !== undefined && containerShare > triggers.containerAbove) {
    hits.push({ trigger: 'container-above', value: containerShare, threshold: triggers.containerAbove });
  }
  if (triggers.growthAbove !== undefined) {
    const rate = rssGrowthRate([...history, sample], triggers.growthWindowMs);
    if (rate !== undefined && rate > triggers.growthAbove) hits.push({ trigger: 'growth-above', value: rate, threshold: triggers.growthAbove });
  }
  return hits;
}

export function share(used: number | null, limit: number | null): number | undefined {
  return used === null || limit === null || limit <= 0 ? undefined : used / limit;
}

/** Bytes per second by least squares over the samples within `windowMs` of the last; undefined until they span the window. */
export function rssGrowthRate(samples: readonly MemorySample[], windowMs: number): number | undefined {
  const last = samples[samples.length - 1];
  if (last === undefined) return undefined;
  const inWindow = samples.filter((s) => s.rss !== null && last.time - s.time <= windowMs);
  if (inWindow.length < 3 || last.time - inWindow[0].time < windowMs * WINDOW_COVERAGE) return undefined;
  const meanT = inWindow.reduce((sum, s) => sum + s.time, 0) / inWindow.length;
  const meanR = inWindow.reduce((sum, s) => sum + s.rss!, 0) / inWindow.length;
  let covariance = 0;
  let variance = 0;
  for (const s of inWindow) {
    covariance += (s.time - meanT) * (s.rss! - meanR);
    variance += (s.time - meanT) ** 2;
  }
  return variance === 0 ? undefined : (covariance / variance) * 1000;
}

export type EpisodeChange = { kind: 'alarm'; episode: number; hits: TriggerHit[] } | { kind: 'rearm'; episode: number } | undefined;

/** Fires once per episode; see the rules at the top. */
export class EpisodeTracker {
  private episode = 0;
  private isFiring = false;
  private alarmTime = 0;

  constructor(private readonly cooldownMs: number) {}

  /** Feeds the hits of one sample taken at `time`; says whether an alarm fires or the trigger re-arms. */
  update(hits: TriggerHit[], time: number): EpisodeChange {
    if (!this.isFiring) {
      if (hits.length === 0) return undefined;
      this.isFiring = true;
      this.alarmTime = time;
      return { kind: 'alarm', episode: ++this.episode, hits };
    }
    if (hits.length === 0 && time - this.alarmTime >= this.cooldownMs) {
      this.isFiring = false;
      return { kind: 'rearm', episode: this.episode };
    }
    return undefined;
  }

  get episodes(): number {
    return this.episode;
  }
}
