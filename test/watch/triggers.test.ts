// The rules of `watch`, without a process: settings' parsers, the triggers, one alarm per episode,
// and the headroom decision.
import { describe, expect, it } from 'vitest';
import { parsePercent, parseRate, parseSize } from '../../src/watch/settings.ts';
import { EpisodeTracker, findTriggerHits, rssGrowthRate } from '../../src/watch/triggers.ts';
import { decideCapture, type Room } from '../../src/watch/headroom.ts';
import type { MemorySample } from '../../src/watch/memory-sample.ts';

const MB = 1e6;
const sample = (time: number, rss: number | null, extra: Partial<MemorySample> = {}): MemorySample => ({
  time, rss, heapUsed: null, heapLimit: null, containerUsage: null, containerLimit: null, ...extra,
});
const triggers = { growthWindowMs: 10_000 };

describe('watch settings', () => {
  it('sizes: decimal units as leakscope prints them, binary as Docker writes them', () => {
    expect(parseSize('300MB')).toBe(300e6);
    expect(parseSize('512MiB')).toBe(512 * 2 ** 20);
    expect(parseSize('1G')).toBe(2 ** 30);
    expect(parseSize('1.5 kB')).toBe(1500);
    expect(parseSize('4096')).toBe(4096);
    expect(() => parseSize('300 parsecs', '--rss-above')).toThrow(/--rss-above "300 parsecs": expected a size/);
  });

  it('percentages and rates', () => {
    expect(parsePercent('80%')).toBe(0.8);
    expect(parsePercent('85')).toBe(0.85);
    expect(() => parsePercent('0')).toThrow(/above 0 and at most 100/);
    expect(() => parsePercent('120')).toThrow(/above 0 and at most 100/);
    expect(parseRate('60MB/min')).toBe(1e6);
    expect(parseRate('1MB/s')).toBe(1e6);
    expect(parseRate('3600MB/h')).toBe(1e6);
    expect(parseRate('60MB')).toBe(1e6);
    expect(() => parseRate('1MB/fortnight')).toThrow(/expected a rate/);
  });
});

describe('watch triggers', () => {
  it('RSS, heap share and container share each fire above their line, never on a figure the source lacks', () => {
    const s = sample(0, 310 * MB, { heapUsed: 90 * MB, heapLimit: 100 * MB, containerUsage: 70 * MB, containerLimit: 100 * MB });
    const hits = findTriggerHits({ ...triggers, rssAbove: 300 * MB, heapAbove: 0.85, containerAbove: 0.8 }, s, []);
    expect(hits.map((h) => h.trigger)).toEqual(['rss-above', 'heap-above']);
    expect(hits[1].value).toBeCloseTo(0.9);
    expect(findTriggerHits({ ...triggers, heapAbove: 0.1, containerAbove: 0.1 }, sample(0, 1), [])).toEqual([]);
  });

  it('growth: the least-squares slope over the window, judged only once samples span most of it', () => {
    // 2 MB/s with noise, one sample a second.
    const samples = Array.from({ length: 12 }, (_, i) => sample(i * 1000, 100 * MB + i * 2 * MB + (i % 2 ? 0.5 : -0.5) * MB));
    expect(rssGrowthRate(samples.slice(0, 5), 10_000)).toBeUndefined();
    expect(rssGrowthRate(samples, 10_000)! / MB).toBeCloseTo(2, 0);
    const history = samples.slice(0, -1);
    const last = samples[samples.length - 1];
    expect(findTriggerHits({ ...triggers, growthAbove: 1 * MB }, last, history).map((h) => h.trigger)).toEqual(['growth-above']);
    expect(findTriggerHits({ ...triggers, growthAbove: 3 * MB }, last, history)).toEqual([]);
  });

  it('one alarm per episode: memory that stays high, or flaps within the cool-down, is one episode', () => {
    const tracker = new EpisodeTracker(5000);
    const hit = [{ trigger: 'rss-above' as const, value: 2, threshold: 1 }];
    const changes = [
      tracker.update([], 0), tracker.update(hit, 1000), tracker.update(hit, 2000), tracker.update(hit, 3000),
      tracker.update([], 4000), tracker.update(hit, 4500), // back under, then over again within the cool-down
      tracker.update([], 6500), // under, cool-down passed: re-armed
      tracker.update(hit, 7000), tracker.update(hit, 8000),
    ].map((c) => c?.kind ?? '-');
    expect(changes).toEqual(['-', 'alarm', '-', '-', '-', '-', 'rearm', 'alarm', '-']);
    expect(tracker.episodes).toBe(2);
  });
});

describe('watch headroom', () => {
  const settings = { dir: '/x', count: 3, intervalMs: 0, samplingMs: 1000, maxFiles: 10, maxBytes: 1e9 };
  const room: Room = { heapUsed: 50 * MB, containerUsage: 100 * MB, containerLimit: 1000 * MB, availableMemory: 8000 * MB, diskFree: 1e12, dirFiles: 0, dirBytes: 0 };

  it('snapshots when the container, the machine and the disk have room', () => {
    expect(decideCapture(room, settings).kind).toBe('snapshots');
  });

  it('a sampling profile when the container lacks room for a snapshot, with the reason', () => {
    const decision = decideCapture({ ...room, containerUsage: 980 * MB }, settings);
    expect(decision.kind).toBe('sampling-profile');
    expect(decision.reason).toBe('the container has 20.0 MB free (limit 1.0 GB); a snapshot of a 50.0 MB heap needs about 50.0 MB; recording a sampling heap profile instead');
  });

  it('the caps on files and bytes in the folder, and the free disk', () => {
    expect(decideCapture({ ...room, dirFiles: 8 }, settings).reason).toMatch(/^3 more snapshots would pass the cap of 10 files/);
    expect(decideCapture({ ...room, dirBytes: 900 * MB }, settings).reason).toMatch(/would pass the cap of 1\.0 GB/);
    expect(decideCapture({ ...room, diskFree: 100 * MB }, settings).reason).toMatch(/^the disk has 100 MB free/);
    expect(decideCapture({ ...room, dirFiles: 10 }, settings)).toMatchObject({ kind: 'none' });
  });
});
